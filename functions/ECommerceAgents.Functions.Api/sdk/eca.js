/*! eca.js 1.0.0: the ECommerceAgents first-party browser tracker. No dependencies, no build step. Served at /sdk/v1/eca.js. */
(function (window, document) {
  'use strict';

  var VERSION = '1.0.0';
  var COOKIE_ID = 'eca_aid';
  var COOKIE_OPT_OUT = 'eca_optout';
  var COOKIE_CONSENT = 'eca_consent';
  var STORE_QUEUE = 'eca_queue';
  var STORE_USER = 'eca_uid';
  var SESSION_CAMPAIGN = 'eca_campaign';
  var SESSION_REFERRER = 'eca_referrer';
  var YEAR = 365 * 24 * 3600;
  var BEACON_BYTES = 60000;    // under the 64 KB that browsers allow a beacon (and a keepalive fetch)
  var MAX_BATCH_BYTES = 450000; // under the API's 500 KB a batch
  var MAX_QUEUE = 1000;         // the oldest messages are dropped beyond this (a shop offline for long)

  var existing = window.eca;
  if (existing && existing.version) return; // loaded twice: the first copy stays

  // ---- storage: cookies for ids and choices, localStorage for the queue, sessionStorage for the landing ----
  function readCookie(name) {
    var match = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return match ? decodeURIComponent(match[1]) : null;
  }
  function writeCookie(name, value, seconds) {
    var secure = window.location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = name + '=' + encodeURIComponent(value) + '; Max-Age=' + seconds + '; Path=/; SameSite=Lax' + secure;
  }
  function removeCookie(name) { writeCookie(name, '', 0); }
  function storage(kind) {
    try { var s = window[kind]; s.getItem('eca'); return s; } catch (e) { return null; } // blocked or disabled
  }
  var local = storage('localStorage');
  var session = storage('sessionStorage');
  function readJson(store, key, fallback) {
    try { var text = store && store.getItem(key); return text ? JSON.parse(text) : fallback; } catch (e) { return fallback; }
  }
  function writeJson(store, key, value) {
    try { if (store) store.setItem(key, JSON.stringify(value)); } catch (e) { /* full or blocked: the memory copy stays */ }
  }
  function uuid() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  // ---- the landing: UTM parameters and the referrer, kept for the browser session ----
  var CAMPAIGN_KEYS = { utm_source: 'source', utm_medium: 'medium', utm_campaign: 'name', utm_term: 'term', utm_content: 'content' };
  function landing() {
    var params = new URLSearchParams(window.location.search);
    var campaign = null;
    Object.keys(CAMPAIGN_KEYS).forEach(function (key) {
      var value = params.get(key);
      if (value) { campaign = campaign || {}; campaign[CAMPAIGN_KEYS[key]] = value; }
    });
    var referrer = document.referrer;
    var external = referrer && referrer.indexOf(window.location.origin + '/') !== 0;
    return { campaign: campaign, referrer: external ? referrer : null };
  }

  // ---- the tracker ----
  var config = null;
  var state = {
    optedOut: false, consented: true, anonymousId: null, userId: null,
    memory: [], inFlight: false, attempt: 0, timer: null, retryTimer: null, pending: []
  };

  function persistent() { return config && state.consented && !state.optedOut; }
  function queue() { return persistent() && local ? readJson(local, STORE_QUEUE, state.memory) : state.memory; }
  function saveQueue(messages) {
    if (messages.length > MAX_QUEUE) messages = messages.slice(messages.length - MAX_QUEUE);
    state.memory = messages;
    if (persistent()) writeJson(local, STORE_QUEUE, messages);
  }

  function browserSignals() {
    return navigator.globalPrivacyControl === true || navigator.doNotTrack === '1' || window.doNotTrack === '1';
  }

  function anonymousId() {
    if (!state.anonymousId) state.anonymousId = readCookie(COOKIE_ID) || uuid();
    if (persistent()) writeCookie(COOKIE_ID, state.anonymousId, YEAR); // refreshed on each visit: a year after the last
    return state.anonymousId;
  }

  function context() {
    var loc = window.location;
    var ctx = {
      library: { name: 'eca.js', version: VERSION },
      page: { url: loc.href, path: loc.pathname, referrer: document.referrer, title: document.title, search: loc.search },
      userAgent: navigator.userAgent,
      locale: navigator.language
    };
    var campaign = readJson(session, SESSION_CAMPAIGN, null) || state.landing.campaign;
    if (campaign) ctx.campaign = campaign;
    var referrer = (session && session.getItem(SESSION_REFERRER)) || state.landing.referrer;
    if (referrer) ctx.referrer = { url: referrer };
    return ctx;
  }

  function enqueue(type, fields) {
    if (!config) { state.pending.push([type, fields]); return; } // called before init: kept until init
    if (state.optedOut) return;
    var message = { type: type, messageId: uuid(), timestamp: new Date().toISOString(), anonymousId: anonymousId(), context: context() };
    if (state.userId) message.userId = state.userId;
    Object.keys(fields).forEach(function (k) { if (fields[k] !== undefined) message[k] = fields[k]; });
    var messages = queue();
    messages.push(message);
    saveQueue(messages);
    if (!state.consented) return; // held in this page's memory until consent.grant()
    if (messages.length >= config.flushAt) flush();
    else if (!state.timer) state.timer = window.setTimeout(function () { state.timer = null; flush(); }, config.flushInterval);
  }

  // One batch of the oldest messages within the byte limit.
  function take(messages, limit) {
    var batch = [], bytes = 64;
    for (var i = 0; i < messages.length && batch.length < config.flushAt * 5; i++) {
      var size = JSON.stringify(messages[i]).length + 1;
      if (batch.length > 0 && bytes + size > limit) break;
      batch.push(messages[i]); bytes += size;
    }
    return batch;
  }
  function body(batch) {
    return JSON.stringify({ batch: batch, sentAt: new Date().toISOString(), writeKey: config.writeKey });
  }
  function drop(ids) {
    saveQueue(queue().filter(function (m) { return ids.indexOf(m.messageId) < 0; }));
  }

  // Sends the oldest batch; 2xx and final answers (4xx but 429) take it off the queue, the rest retry with back-off.
  function flush() {
    if (!config || state.optedOut || !state.consented || state.inFlight) return;
    if (state.timer) { window.clearTimeout(state.timer); state.timer = null; }
    var batch = take(queue(), MAX_BATCH_BYTES);
    if (batch.length === 0) return;
    var payload = body(batch);
    var ids = batch.map(function (m) { return m.messageId; });
    state.inFlight = true;
    window.fetch(config.host + '/v1/batch', {
      method: 'POST', mode: 'cors', credentials: 'omit', keepalive: payload.length < BEACON_BYTES,
      headers: { 'Content-Type': 'text/plain' }, body: payload
    }).then(function (response) {
      state.inFlight = false;
      if (response.ok || (response.status >= 400 && response.status < 500 && response.status !== 429)) {
        if (!response.ok && window.console) window.console.warn('eca.js: the API refused a batch (' + response.status + '); it is not retried');
        state.attempt = 0;
        drop(ids);
        if (queue().length > 0) flush();
      } else {
        retry(Number(response.headers.get('Retry-After')) * 1000);
      }
    }, function () { state.inFlight = false; retry(0); });
  }
  function retry(after) {
    state.attempt += 1;
    var backoff = Math.min(config.maxBackoff, 1000 * Math.pow(2, state.attempt - 1)) * (0.5 + Math.random() / 2);
    if (state.retryTimer) window.clearTimeout(state.retryTimer);
    state.retryTimer = window.setTimeout(function () { state.retryTimer = null; flush(); }, Math.max(after || 0, backoff));
  }

  // The page is going away (or hidden, the last moment a mobile browser promises): what is queued leaves by beacon.
  function beacon() {
    if (!config || state.optedOut || !state.consented || !navigator.sendBeacon) return;
    var messages = queue();
    while (messages.length > 0) {
      var batch = take(messages, BEACON_BYTES);
      var sent = navigator.sendBeacon(config.host + '/v1/batch', new Blob([body(batch)], { type: 'text/plain' }));
      if (!sent) break; // stays queued: the next page sends it (same messageIds, so stored once)
      messages = messages.slice(batch.length);
      drop(batch.map(function (m) { return m.messageId; }));
    }
  }

  function init(options) {
    if (config) return;
    if (!options || !options.writeKey) throw new Error('eca.init needs { writeKey }');
    var script = document.currentScript || document.querySelector('script[src*="/sdk/v1/eca.js"]');
    var host = options.host || (script && script.src ? new URL(script.src, window.location.href).origin : window.location.origin);
    config = {
      writeKey: options.writeKey, host: host.replace(/\/+$/, ''),
      flushAt: options.flushAt || 20, flushInterval: options.flushInterval || 2000, maxBackoff: options.maxBackoff || 60000,
      requireConsent: options.requireConsent === true, honourBrowserSignals: options.honourBrowserSignals !== false
    };
    state.landing = landing();
    state.optedOut = readCookie(COOKIE_OPT_OUT) === '1' || (config.honourBrowserSignals && browserSignals());
    state.consented = !config.requireConsent || readCookie(COOKIE_CONSENT) === 'granted';
    document.addEventListener('visibilitychange', function () { if (document.visibilityState === 'hidden') beacon(); });
    window.addEventListener('pagehide', beacon);
    if (state.optedOut) { state.pending = []; return; }
    rememberLanding();
    state.userId = local ? local.getItem(STORE_USER) : null;
    if (state.consented) { anonymousId(); flush(); } // what an earlier page left queued
    state.pending.splice(0).forEach(function (call) { enqueue(call[0], call[1]); });
  }
  function rememberLanding() {
    if (!persistent()) return;
    if (state.landing.campaign) writeJson(session, SESSION_CAMPAIGN, state.landing.campaign);
    if (state.landing.referrer && session) session.setItem(SESSION_REFERRER, state.landing.referrer);
  }

  function properties(product) {
    var p = {};
    Object.keys(product || {}).forEach(function (k) { p[k] = product[k]; });
    return p;
  }

  var api = {
    version: VERSION,
    init: init,
    page: function (name, props) {
      var loc = window.location;
      var p = properties(props);
      p.url = p.url || loc.href; p.path = p.path || loc.pathname; p.search = p.search || loc.search;
      p.referrer = p.referrer || document.referrer; p.title = p.title || document.title;
      enqueue('page', { name: name || undefined, properties: p });
    },
    track: function (event, props) { enqueue('track', { event: event, properties: properties(props) }); },
    identify: function (userId, traits) {
      if (userId) {
        state.userId = String(userId);
        if (persistent() && local) local.setItem(STORE_USER, state.userId);
      }
      enqueue('identify', { traits: properties(traits) });
    },
    productViewed: function (product) { api.track('Product Viewed', product); },
    productAdded: function (product) { api.track('Product Added', product); },
    productRemoved: function (product) { api.track('Product Removed', product); },
    cartViewed: function (cart) { api.track('Cart Viewed', cart); },
    checkoutStarted: function (order) { api.track('Checkout Started', order); },
    orderCompleted: function (order) { api.track('Order Completed', order); },
    flush: function () { flush(); },
    anonymousId: function () { return state.optedOut ? null : anonymousId(); },
    consent: {
      // Remembered in a first-party cookie; what this page held in memory is then stored and sent.
      grant: function () {
        if (!config || state.optedOut) return;
        writeCookie(COOKIE_CONSENT, 'granted', YEAR);
        var held = state.memory;
        state.consented = true;
        rememberLanding();
        anonymousId();
        saveQueue(local ? readJson(local, STORE_QUEUE, []).concat(held) : held);
        flush();
      },
      deny: function () {
        removeCookie(COOKIE_CONSENT);
        state.consented = !config || !config.requireConsent;
        state.memory = [];
      },
      granted: function () { return !!config && state.consented && !state.optedOut; }
    },
    // Nothing more is sent from this browser: the queue, the ids and the campaign are forgotten, the choice is remembered.
    optOut: function () {
      state.optedOut = true;
      state.memory = [];
      [state.timer, state.retryTimer].forEach(function (t) { if (t) window.clearTimeout(t); });
      writeCookie(COOKIE_OPT_OUT, '1', YEAR);
      removeCookie(COOKIE_ID); removeCookie(COOKIE_CONSENT);
      if (local) { local.removeItem(STORE_QUEUE); local.removeItem(STORE_USER); }
      if (session) { session.removeItem(SESSION_CAMPAIGN); session.removeItem(SESSION_REFERRER); }
    },
    optIn: function () { removeCookie(COOKIE_OPT_OUT); state.optedOut = config ? config.honourBrowserSignals && browserSignals() : false; },
    optedOut: function () { return state.optedOut; },
    // A new visitor on this browser (a shared computer after logout): new anonymous id, no user id.
    reset: function () {
      state.userId = null; state.anonymousId = null;
      if (local) local.removeItem(STORE_USER);
      removeCookie(COOKIE_ID);
    }
  };

  // Calls the snippet's stub queued before this file loaded, in order (init first wherever it was called).
  window.eca = api;
  if (Array.isArray(existing)) {
    var calls = existing.slice();
    calls.sort(function (a, b) { return (a[0] === 'init' ? 0 : 1) - (b[0] === 'init' ? 0 : 1); });
    calls.forEach(function (call) {
      var path = String(call[0]).split('.');
      var fn = path.length === 2 ? api[path[0]][path[1]] : api[path[0]];
      if (typeof fn === 'function') fn.apply(api, call.slice(1));
    });
  }
})(window, document);
