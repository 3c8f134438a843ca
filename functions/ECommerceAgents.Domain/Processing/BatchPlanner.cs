using System.Globalization;
using System.Text.Json;
using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Orders;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Processing;

public sealed record ProcessorOptions
{
    public string PipelineVersion { get; init; } = "1.0.0";

    /// <summary>How long an event id is remembered, so a client's resend is dropped.</summary>
    public TimeSpan DedupWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>More events than this from one subject within a minute marks the session as a bot.</summary>
    public int BotEventsPerMinute { get; init; } = 120;

    public int TrendingBucketMinutes { get; init; } = 5;

    public int CoViewGroups { get; init; } = 16;

    public int WriteConcurrency { get; init; } = 16;

    /// <summary>Attempts at moving the enriched cursor once the records are in the zone (about 11 s with the backoff).</summary>
    public int CursorWriteAttempts { get; init; } = 10;

    /// <summary>Networks known to host automation (cloud and proxy ranges): traffic from them is bot traffic from its first event.</summary>
    public IReadOnlyList<System.Net.IPNetwork> BotNetworks { get; init; } = [];

    /// <summary>Parses <c>ECA_BOT_NETWORKS</c>: comma-separated CIDR blocks.</summary>
    public static IReadOnlyList<System.Net.IPNetwork> ParseNetworks(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => System.Net.IPNetwork.Parse(n)).ToArray();
}

/// <summary>One valid event on its way through the batch.</summary>
public sealed class EventWork
{
    public required int Index { get; init; }

    public required StreamInput Input { get; init; }

    public required TrackedEvent Event { get; init; }

    public required string Type { get; init; }

    public required SchemaKey Key { get; init; }

    public UserAgentInfo Agent { get; set; } = null!;

    public string? Subject { get; set; }

    public string? ResolvedUser { get; set; }

    public bool Bot { get; set; }

    public string? BotReason { get; set; }

    public SessionInterval? Session { get; set; }

    public bool AggregateOnly { get; set; }

    /// <summary>An earlier delivery already applied this event to its subject's state.</summary>
    public bool Redelivered { get; set; }

    /// <summary>The session's intent and engagement right after this event (not at the end of the batch).</summary>
    public string? Intent { get; set; }

    public double? Engagement { get; set; }

    /// <summary>This event opened its session.</summary>
    public bool OpenedSession { get; set; }

    /// <summary>The product viewed just before this one in the same session, for "viewed next" counts.</summary>
    public string? ViewedAfter { get; set; }
}

/// <summary>A write and the records whose effects it carries: if it fails, they are retried.</summary>
public sealed record PlannedWrite<T>(T Item, IReadOnlyList<int> Members);

/// <summary>Everything one batch will write, computed before anything is written.</summary>
public sealed class BatchPlan
{
    public List<EventWork> Events { get; } = [];

    public List<PlannedWrite<SubjectState>> Subjects { get; } = [];

    public List<PlannedWrite<UserProfile>> Profiles { get; } = [];

    public List<PlannedWrite<OrderRecord>> Orders { get; } = [];

    public List<PlannedWrite<IdentityLink>> Links { get; } = [];

    public List<PlannedWrite<(string Sku, IReadOnlyList<ProductStatsDelta> Deltas)>> ProductStats { get; } = [];

    /// <summary>Enriched JSON per event, in stream order, with the event's record index (slices of the planner's buffer).</summary>
    public List<(int Index, StreamPosition Position, ReadOnlyMemory<byte> Json)> Enriched { get; } = [];

    public RealtimeBatch Realtime { get; set; } = null!;
}

/// <summary>
/// The stateful half of enrichment, with no I/O: given a batch's valid events and the state read for them, it
/// sessionizes, stitches identities, classifies intent, scores engagement, extracts preferences, moves orders, detects
/// bots, pseudonymises, and produces every write coalesced per entity. Events at or below an entity's watermark for
/// their shard were applied by an earlier delivery and change nothing.
/// </summary>
public sealed class BatchPlanner(Pseudonymiser pseudonymiser, ProcessorOptions options, TimeProvider clock) : IDisposable
{
    private static readonly string[] InteractionSteps = ["validate", "bot_detection", "pseudonymise", "identity", "sessionize", "intent", "engagement", "preferences", "lineage"];
    private static readonly string[] OtherSteps = ["validate", "pseudonymise", "lineage"];
    private readonly Sessionizer _sessionizer = new();
    private readonly PreferenceExtractor _preferences = new();
    private readonly EnrichedEventWriter _writer = new();
    private readonly BoundedCache<UserAgentInfo> _agents = new(1024);
    private readonly BoundedCache<string> _deviceHashes = new(8192);
    private readonly BoundedCache<string> _emailHashes = new(8192);
    private readonly BoundedCache<string?> _ipPrefixes = new(8192);
    private readonly NumberStrings _numbers = new();
    private static readonly Dictionary<string, string> TypeCounters = EventTypes.All.ToDictionary(t => t, t => "type:" + t, StringComparer.Ordinal);

    private static string TypeCounter(string type) => TypeCounters.TryGetValue(type, out var field) ? field : "type:" + type;

    /// <summary>Plans one batch. The plan's enriched records live in this planner's buffer until the next call.</summary>
    public BatchPlan Plan(string shardId, IReadOnlyList<EventWork> events, StateSnapshot state)
    {
        var plan = new BatchPlan();
        plan.Events.AddRange(events);
        var now = clock.GetUtcNow();
        _writer.Reset();

        // Everything below works in arrival order; sorting once keeps each entity's group in that order too.
        var ordered = events.ToArray();
        Array.Sort(ordered, static (a, b) => a.Input.Position.CompareTo(b.Input.Position));

        foreach (var w in events)
        {
            var agent = w.Event.Context?.UserAgent;
            w.Agent = agent is null ? UserAgentClassifier.Classify(null) : _agents.GetOrAdd(agent, UserAgentClassifier.Classify);
        }

        PlanIdentity(plan, ordered, state);
        foreach (var w in events)
        {
            var e = w.Event;
            w.AggregateOnly = w.ResolvedUser is { } u && state.Consents.TryGetValue(u, out var consent) && !consent.Personalisation;
            if (EventTypes.IsInteraction(w.Type)) w.Subject = e.UserId ?? e.AnonymousId;
        }

        PlanSessions(plan, ordered, state);
        PlanProfiles(plan, ordered, state);
        PlanOrders(plan, ordered, state);
        PlanProductStats(plan, ordered);
        plan.Realtime = PlanRealtime(shardId, plan, ordered, now);

        foreach (var w in events)
        {
            plan.Enriched.Add((w.Index, w.Input.Position, _writer.Write(Fields(w, now))));
        }

        return plan;
    }

    /// <summary>
    /// Links anonymous ids to users (identify and sign-in events) and resolves each event's user, in arrival order: an
    /// anonymous event is attributed only through a link that arrived before it (also when the link was stored by an
    /// earlier delivery of a later record), so the result is the same however the stream is cut into batches and
    /// redelivered. The first link of an anonymous id stands.
    /// </summary>
    private static void PlanIdentity(BatchPlan plan, EventWork[] ordered, StateSnapshot state)
    {
        var links = new Dictionary<string, IdentityLink>(state.IdentityLinks, StringComparer.Ordinal);
        foreach (var w in ordered)
        {
            var e = w.Event;
            if (e.UserId is not null && e.AnonymousId is not null && !links.ContainsKey(e.AnonymousId))
            {
                var link = new IdentityLink(e.AnonymousId, e.UserId, e.EventTime, e.EventId, w.Input.Position);
                links[e.AnonymousId] = link;
                plan.Links.Add(new PlannedWrite<IdentityLink>(link, [w.Index]));
            }

            w.ResolvedUser = e.UserId
                ?? (e.AnonymousId is { } anon && links.TryGetValue(anon, out var found) && found.AppliesTo(w.Input.Position, e.EventTime) ? found.UserId : null);
        }
    }

    private void PlanSessions(BatchPlan plan, EventWork[] ordered, StateSnapshot state)
    {
        foreach (var group in Group(ordered, static w => w.Subject))
        {
            var subject = state.Subjects.TryGetValue(group.Key, out var existing) ? existing : new SubjectState { SubjectId = group.Key };
            var members = new List<int>();
            string? watermark = null;
            foreach (var w in group.Items)
            {
                var e = w.Event;
                if (w.Input.Position.AppliedUnder(subject.Watermarks))
                {
                    w.Redelivered = true;
                    w.Session = _sessionizer.Find(subject, e.EventTime);
                    w.Bot = w.Session?.Bot ?? w.Agent.IsBot;
                    w.BotReason = w.Session?.BotReason;
                    w.Intent = w.Session?.Intent;
                    w.Engagement = w.Session?.Engagement;
                    continue;
                }

                if (subject.RateWindowStart is not { } start || e.EventTime - start >= TimeSpan.FromMinutes(1) || e.EventTime < start)
                {
                    subject.RateWindowStart = e.EventTime;
                    subject.RateWindowCount = 0;
                }

                subject.RateWindowCount++;
                var openedBefore = subject.Current?.Id;
                var session = _sessionizer.Assign(subject, e.EventTime, e.EventId);
                w.OpenedSession = session.Start == e.EventTime && session.Counters.Events == 0 && session.Id != openedBefore;
                SessionSignals.Count(session.Counters, w.Type, e.Data, e.EventTime);
                if (!session.Bot && BotReason(w, subject) is { } reason)
                {
                    session.Bot = true;
                    session.BotReason = reason;
                }

                if (w.Type == EventTypes.ProductView && e.Data.Sku is { } viewed && !session.Bot && !w.AggregateOnly)
                {
                    // "Viewed next" pairs follow arrival order and carry over batches through the session state.
                    if (session.LastViewedSku is { } previous && previous != viewed) w.ViewedAfter = previous;
                    session.LastViewedSku = viewed;
                }

                session.Intent = SessionSignals.Intent(session.Counters, session.End);
                session.Engagement = SessionSignals.Engagement(session.Counters, session.End - session.Start);
                session.UserId ??= w.ResolvedUser;
                session.EntryUrl ??= e.Data.Url ?? e.Context?.Page?.Url;
                w.Session = session;
                w.Bot = session.Bot;
                w.BotReason = session.BotReason;
                w.Intent = session.Intent;
                w.Engagement = session.Engagement;
                members.Add(w.Index);
                watermark = Max(watermark, w.Input.Position.Padded);
            }

            if (members.Count == 0) continue;

            // A session found to be a bot during this batch takes all of this batch's events with it.
            foreach (var w in group.Items)
            {
                if (w.Redelivered || w.Bot || w.Session is not { Bot: true } botSession) continue;
                w.Bot = true;
                w.BotReason = botSession.BotReason;
            }

            subject.Watermarks[group.Items[0].Input.Position.ShardId] = watermark!;
            plan.Subjects.Add(new PlannedWrite<SubjectState>(subject, members));
        }
    }

    /// <summary>Bot signals, strongest first: an automation user agent, a known automation network, then the event rate.</summary>
    private string? BotReason(EventWork w, SubjectState subject)
    {
        if (w.Agent.IsBot) return "user_agent:" + w.Agent.BotSignature;
        if (options.BotNetworks.Count > 0 && w.Event.Context?.Ip is { } ip && System.Net.IPAddress.TryParse(ip, out var address)
            && options.BotNetworks.FirstOrDefault(n => n.Contains(address)) is { PrefixLength: > 0 } network)
        {
            return "network:" + network;
        }

        return subject.RateWindowCount > options.BotEventsPerMinute ? "rate:" + options.BotEventsPerMinute.ToString(CultureInfo.InvariantCulture) + "/min" : null;
    }

    private void PlanProfiles(BatchPlan plan, EventWork[] ordered, StateSnapshot state)
    {
        static string? PersonalUser(EventWork w) =>
            w.ResolvedUser is not null && !w.Bot && !w.AggregateOnly && (EventTypes.IsInteraction(w.Type) || w.Type == EventTypes.OrderPlaced) ? w.ResolvedUser : null;
        foreach (var group in Group(ordered, PersonalUser))
        {
            var profile = state.Profiles.TryGetValue(group.Key, out var existing) ? existing : new UserProfile { UserId = group.Key };
            var members = new List<int>();
            string? watermark = null;
            foreach (var w in group.Items)
            {
                if (w.Input.Position.AppliedUnder(profile.Watermarks)) continue;
                var e = w.Event;
                profile.Counters[w.Type] = profile.Counters.GetValueOrDefault(w.Type) + 1;
                if (profile.FirstSeen == default || e.EventTime < profile.FirstSeen) profile.FirstSeen = e.EventTime;
                if (e.EventTime > profile.LastSeen) profile.LastSeen = e.EventTime;
                _preferences.Apply(profile, w.Type, e.Data, e.EventTime);
                if (w.OpenedSession) profile.Sessions++;
                if (w.Session is { } session && e.EventTime >= profile.LastSeen)
                {
                    profile.Engagement = w.Engagement ?? 0;
                    profile.Intent = w.Intent ?? Intents.Browsing;
                    profile.LastSessionId = session.Id;
                }

                if (w.Type == EventTypes.Purchase)
                {
                    profile.Orders++;
                    profile.Spend += e.Data.Total ?? 0;
                    profile.SpendCurrency ??= e.Data.Currency;
                }

                if (e.AnonymousId is { } anon && !profile.AnonymousIds.Contains(anon) && profile.AnonymousIds.Count < 20) profile.AnonymousIds.Add(anon);
                members.Add(w.Index);
                watermark = Max(watermark, w.Input.Position.Padded);
            }

            if (members.Count == 0) continue;
            profile.Watermarks[group.Items[0].Input.Position.ShardId] = watermark!;
            plan.Profiles.Add(new PlannedWrite<UserProfile>(profile, members));
        }
    }

    private static void PlanOrders(BatchPlan plan, EventWork[] ordered, StateSnapshot state)
    {
        static string? OrderOf(EventWork w) =>
            !w.Bot && (EventTypes.IsOrderLifecycle(w.Type) || w.Type == EventTypes.Purchase) ? w.Event.Data.OrderId : null;
        foreach (var group in Group(ordered, OrderOf))
        {
            var order = state.Orders.TryGetValue(group.Key, out var existing) ? existing : new OrderRecord { OrderId = group.Key };
            var members = new List<int>();
            string? watermark = null;
            foreach (var w in group.Items)
            {
                if (w.Input.Position.AppliedUnder(order.Watermarks)) continue;
                OrderStateMachine.Apply(order, w.Event, w.Type);
                order.UserId ??= w.ResolvedUser;
                members.Add(w.Index);
                watermark = Max(watermark, w.Input.Position.Padded);
            }

            if (members.Count == 0) continue;
            order.Watermarks[group.Items[0].Input.Position.ShardId] = watermark!;
            plan.Orders.Add(new PlannedWrite<OrderRecord>(order, members));
        }
    }

    private static void PlanProductStats(BatchPlan plan, EventWork[] ordered)
    {
        var deltas = new Dictionary<string, (List<ProductStatsDelta> Deltas, List<int> Members)>(StringComparer.Ordinal);
        void Add(string sku, EventWork w, ProductStatsDelta delta)
        {
            if (!deltas.TryGetValue(sku, out var entry)) deltas[sku] = entry = ([], []);
            entry.Deltas.Add(delta);
            if (entry.Members.Count == 0 || entry.Members[^1] != w.Index) entry.Members.Add(w.Index);
        }

        foreach (var w in ordered)
        {
            if (w.Bot) continue;
            var d = w.Event.Data;
            var seq = w.Input.Position.Padded;
            switch (w.Type)
            {
                case EventTypes.ProductView when d.Sku is not null:
                    Add(d.Sku, w, new ProductStatsDelta(seq, 1, 0, 0, 0, 0, d.Category, w.Event.EventTime));
                    break;
                case EventTypes.AddToCart when d.Sku is not null:
                    Add(d.Sku, w, new ProductStatsDelta(seq, 0, d.Quantity ?? 1, 0, 0, 0, d.Category, w.Event.EventTime));
                    break;
                case EventTypes.RemoveFromCart when d.Sku is not null:
                    Add(d.Sku, w, new ProductStatsDelta(seq, 0, 0, d.Quantity ?? 1, 0, 0, d.Category, w.Event.EventTime));
                    break;
                case EventTypes.Purchase when d.Items is not null:
                    foreach (var line in d.Items)
                    {
                        Add(line.Sku, w, new ProductStatsDelta(seq, 0, 0, 0, line.Quantity, line.Price * line.Quantity, line.Category, w.Event.EventTime));
                    }

                    break;
            }
        }

        foreach (var (sku, (list, members)) in deltas)
        {
            plan.ProductStats.Add(new PlannedWrite<(string, IReadOnlyList<ProductStatsDelta>)>((sku, list), members));
        }
    }

    private RealtimeBatch PlanRealtime(string shardId, BatchPlan plan, EventWork[] ordered, DateTimeOffset now)
    {
        var batch = new RealtimeBatch { ShardId = shardId };
        var counters = new CounterGroup();
        var users = new Dictionary<string, UserRealtime>(StringComparer.Ordinal);
        var trending = new Dictionary<string, TrendingGroup>(StringComparer.Ordinal);
        var coViews = new Dictionary<int, CoViewGroup>();
        var bucketTicks = TimeSpan.FromMinutes(options.TrendingBucketMinutes).Ticks;

        foreach (var w in ordered)
        {
            var e = w.Event;
            var seq = w.Input.Position.Padded;
            var minute = _numbers.GetOrAdd(e.EventTime.ToUnixTimeSeconds() / 60);
            counters.Contributions.Add(new Contribution(seq, minute, w.Bot ? "bots" : "events", 1));
            if (w.Bot) continue;
            counters.Contributions.Add(new Contribution(seq, minute, TypeCounter(w.Type), 1));
            if (w.Type == EventTypes.Purchase) counters.Contributions.Add(new Contribution(seq, minute, "revenue_cents:" + (e.Data.Currency ?? "XXX"), (double)decimal.Round((e.Data.Total ?? 0) * 100)));

            if (w.Type is EventTypes.ProductView or EventTypes.AddToCart or EventTypes.Purchase)
            {
                var weight = TrendingWeight(w.Type);
                var bucket = _numbers.GetOrAdd((e.EventTime.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / bucketTicks * bucketTicks / TimeSpan.TicksPerSecond);
                IEnumerable<(string? Sku, string? Category)> items = w.Type == EventTypes.Purchase
                    ? (e.Data.Items ?? []).Select(l => ((string?)l.Sku, l.Category))
                    : [(e.Data.Sku, e.Data.Category)];
                foreach (var (sku, category) in items)
                {
                    if (sku is null || category is null) continue;
                    if (!trending.TryGetValue(category, out var group)) trending[category] = group = new TrendingGroup(category);
                    group.Contributions.Add(new Contribution(seq, bucket, sku, weight));
                }
            }

            if (w.ResolvedUser is not { } user || w.AggregateOnly || w.Redelivered) continue;
            if (!users.TryGetValue(user, out var realtime)) users[user] = realtime = new UserRealtime(user);
            if (w.Type == EventTypes.ProductView && e.Data.Sku is { } viewed)
            {
                if (!realtime.Viewed.TryGetValue(viewed, out var t) || e.EventTime > t) realtime.Viewed[viewed] = e.EventTime;
                realtime.RefreshRecommendations = true;
            }

            if (w.Type == EventTypes.Purchase)
            {
                foreach (var line in e.Data.Items ?? []) realtime.Purchased.Add(line.Sku);
                realtime.RefreshRecommendations = true;
            }

            if (w.Type == EventTypes.AddToCart) realtime.RefreshRecommendations = true;
        }

        // "Viewed next" pairs, found by the sessionizer in arrival order.
        foreach (var w in ordered)
        {
            if (w.ViewedAfter is null || w.Bot) continue;
            var previous = w.ViewedAfter!;
            var sku = w.Event.Data.Sku!;
            var shard = (int)((uint)StableHash(previous) % (uint)options.CoViewGroups);
            if (!coViews.TryGetValue(shard, out var group)) coViews[shard] = group = new CoViewGroup(shard);
            group.Contributions.Add(new Contribution(w.Input.Position.Padded, previous, sku, 1));
        }

        foreach (var profile in plan.Profiles.Select(p => p.Item))
        {
            if (!users.TryGetValue(profile.UserId, out var realtime)) continue;
            realtime.TopCategories = _preferences.Top(profile.Affinities.Category, profile.AffinitiesAsOf, now, 3);
            realtime.TopPriceBands = _preferences.Top(profile.Affinities.PriceBand, profile.AffinitiesAsOf, now, 2);
        }

        batch.Users.AddRange(users.Values);
        batch.Trending.AddRange(trending.Values);
        batch.CoViews.AddRange(coViews.Values);
        batch.Counters = counters.Contributions.Count > 0 ? counters : null;
        return batch;
    }

    /// <summary>What one event adds to its products' trending scores: a view 1, a cart add 3, a purchase 5 per line; other types nothing.</summary>
    public static double TrendingWeight(string type) => type switch
    {
        EventTypes.ProductView => 1.0,
        EventTypes.AddToCart => 3.0,
        EventTypes.Purchase => 5.0,
        _ => 0,
    };

    private EnrichedFields Fields(EventWork w, DateTimeOffset now)
    {
        var e = w.Event;
        var context = e.Context;
        var interaction = EventTypes.IsInteraction(w.Type);
        return new EnrichedFields(
            e,
            w.Type,
            MaskFreeText(e.Data),
            w.Agent,
            w.ResolvedUser,
            w.Session?.Id,
            context?.Ip is { } ip ? _ipPrefixes.GetOrAdd(ip, Pseudonymiser.TruncateIp) : null,
            context?.DeviceId is { } device ? _deviceHashes.GetOrAdd(device, d => pseudonymiser.Hash(d, "device")) : null,
            context?.Email is { } email ? _emailHashes.GetOrAdd(email, m => pseudonymiser.Hash(m, "email")) : null,
            interaction ? w.Intent : null,
            interaction ? w.Engagement : null,
            w.Bot,
            w.BotReason,
            w.AggregateOnly,
            w.Input.ArrivalTime,
            now,
            options.PipelineVersion,
            interaction ? InteractionSteps : OtherSteps,
            w.Input.Position);
    }

    private static EventData MaskFreeText(EventData data) =>
        data.Query is null && data.Reason is null ? data : data with { Query = TextMasking.MaskEmails(data.Query), Reason = TextMasking.MaskEmails(data.Reason) };

    public void Dispose() => _writer.Dispose();

    /// <summary>Events grouped by a key, groups in order of first appearance, each group in arrival order.</summary>
    private static List<(string Key, List<EventWork> Items)> Group(EventWork[] ordered, Func<EventWork, string?> key)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new List<(string Key, List<EventWork> Items)>();
        foreach (var w in ordered)
        {
            if (key(w) is not { } k) continue;
            if (!index.TryGetValue(k, out var i))
            {
                index[k] = i = groups.Count;
                groups.Add((k, []));
            }

            groups[i].Items.Add(w);
        }

        return groups;
    }

    /// <summary>Epoch minutes and bucket starts as strings: a handful per batch, each used by many events.</summary>
    private sealed class NumberStrings
    {
        private readonly Dictionary<long, string> _items = [];

        public string GetOrAdd(long value)
        {
            if (_items.TryGetValue(value, out var text)) return text;
            if (_items.Count > 4096) _items.Clear();
            return _items[value] = value.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>A small memo that forgets everything when full: UA strings, device ids and IPs repeat heavily within and across batches.</summary>
    private sealed class BoundedCache<T>(int capacity)
    {
        private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);

        public T GetOrAdd(string key, Func<string, T> create)
        {
            if (_items.TryGetValue(key, out var value)) return value;
            if (_items.Count >= capacity) _items.Clear();
            return _items[key] = create(key);
        }
    }

    private static string Max(string? a, string b) => a is null || string.CompareOrdinal(b, a) > 0 ? b : a;

    /// <summary>FNV-1a: stable across processes (string.GetHashCode is randomised per process).</summary>
    public static int StableHash(string s)
    {
        var hash = 2166136261u;
        foreach (var c in s)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7FFFFFFF);
    }
}
