// Drives Segment's own Node SDK (@segment/analytics-node, pinned in local/package.json) against the local API, for
// SegmentSdkTests. Input (environment): ECA_NODE_MODULES, ECA_API (the API's base URL), ECA_WRITE_KEY, ECA_CALLS (a
// JSON file: [{ "method": "track", "args": { ... } }]), ECA_DROP_FIRST (how many answers to lose, default 0).
// Output (stdout, one JSON line): each call's error as the SDK reports it (null when delivered), the statuses the SDK
// saw, and how many requests reached the API.
//
// Between the SDK and the API sits a loopback proxy. For the first ECA_DROP_FIRST requests it forwards the request,
// waits for the API's answer and then cuts the connection instead of passing it on: the API has applied the batch,
// the SDK sees a network error and retries the same batch (same messageIds), as after a lost answer in production.
const fs = require('fs');
const http = require('http');
const path = require('path');
const { Analytics } = require(path.join(process.env.ECA_NODE_MODULES, '@segment', 'analytics-node'));

const target = new URL(process.env.ECA_API);
const dropFirst = Number(process.env.ECA_DROP_FIRST || '0');
const calls = JSON.parse(fs.readFileSync(process.env.ECA_CALLS, 'utf8'));
let requests = 0;

const proxy = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const n = ++requests;
    const headers = { ...req.headers, host: target.host };
    const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers }, (answer) => {
      const body = [];
      answer.on('data', (c) => body.push(c));
      answer.on('end', () => {
        if (n <= dropFirst) {
          req.socket.destroy();
          return;
        }
        res.writeHead(answer.statusCode, answer.headers);
        res.end(Buffer.concat(body));
      });
    });
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    upstream.end(Buffer.concat(chunks));
  });
});

proxy.listen(0, '127.0.0.1', async () => {
  const analytics = new Analytics({
    writeKey: process.env.ECA_WRITE_KEY,
    host: `http://127.0.0.1:${proxy.address().port}`,
    flushAt: calls.length,
    flushInterval: 200,
    maxRetries: 2,
    httpRequestTimeout: 10000,
  });
  const statuses = [];
  analytics.on('http_response', (r) => statuses.push(r.status));
  analytics.on('error', () => {}); // reported per call below
  const results = await Promise.all(calls.map((c) => new Promise((resolve) => {
    analytics[c.method](c.args, (err) => resolve(err ? String(err.message ?? err) : null));
  })));
  await analytics.closeAndFlush({ timeout: 30000 });
  process.stdout.write(JSON.stringify({ results, statuses, requests }) + '\n');
  proxy.close();
  process.exit(0);
});
