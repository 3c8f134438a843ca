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

    /// <summary>Enriched JSON per event, in stream order, with the event's record index.</summary>
    public List<(int Index, StreamPosition Position, byte[] Json)> Enriched { get; } = [];

    public RealtimeBatch Realtime { get; set; } = null!;
}

/// <summary>
/// The stateful half of enrichment, with no I/O: given a batch's valid events and the state read for them, it
/// sessionizes, stitches identities, classifies intent, scores engagement, extracts preferences, moves orders, detects
/// bots, pseudonymises, and produces every write coalesced per entity. Events at or below an entity's watermark for
/// their shard were applied by an earlier delivery and change nothing.
/// </summary>
public sealed class BatchPlanner(Pseudonymiser pseudonymiser, ProcessorOptions options, TimeProvider clock)
{
    private static readonly string[] InteractionSteps = ["validate", "bot_detection", "pseudonymise", "identity", "sessionize", "intent", "engagement", "preferences", "lineage"];
    private static readonly string[] OtherSteps = ["validate", "pseudonymise", "lineage"];
    private readonly Sessionizer _sessionizer = new();
    private readonly PreferenceExtractor _preferences = new();

    public Sessionizer Sessionizer => _sessionizer;

    public PreferenceExtractor Preferences => _preferences;

    public BatchPlan Plan(string shardId, IReadOnlyList<EventWork> events, StateSnapshot state)
    {
        var plan = new BatchPlan();
        plan.Events.AddRange(events);
        var now = clock.GetUtcNow();

        foreach (var w in events)
        {
            w.Agent = UserAgentClassifier.Classify(w.Event.Context?.UserAgent);
        }

        PlanIdentity(plan, events, state);
        foreach (var w in events)
        {
            var e = w.Event;
            w.AggregateOnly = w.ResolvedUser is { } u && state.Consents.TryGetValue(u, out var consent) && !consent.Personalisation;
            if (EventTypes.IsInteraction(w.Type)) w.Subject = e.UserId ?? e.AnonymousId;
        }

        PlanSessions(plan, events, state);
        PlanProfiles(plan, events, state);
        PlanOrders(plan, events, state);
        PlanProductStats(plan, events, shardId);
        plan.Realtime = PlanRealtime(shardId, plan, events, state, now);

        foreach (var w in events)
        {
            plan.Enriched.Add((w.Index, w.Input.Position, JsonSerializer.SerializeToUtf8Bytes(Enrich(w, now), EnrichedEventJsonContext.Default.EnrichedEvent)));
        }

        return plan;
    }

    /// <summary>
    /// Links anonymous ids to users (identify and sign-in events) and resolves each event's user, in arrival order: an
    /// anonymous event is attributed only through a link that arrived before it (also when the link was stored by an
    /// earlier delivery of a later record), so the result is the same however the stream is cut into batches and
    /// redelivered. The first link of an anonymous id stands.
    /// </summary>
    private static void PlanIdentity(BatchPlan plan, IReadOnlyList<EventWork> events, StateSnapshot state)
    {
        var links = new Dictionary<string, IdentityLink>(state.IdentityLinks, StringComparer.Ordinal);
        foreach (var w in events.OrderBy(w => w.Input.Position))
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

    private void PlanSessions(BatchPlan plan, IReadOnlyList<EventWork> events, StateSnapshot state)
    {
        foreach (var group in events.Where(w => w.Subject is not null).GroupBy(w => w.Subject!, StringComparer.Ordinal))
        {
            var subject = state.Subjects.TryGetValue(group.Key, out var existing) ? existing : new SubjectState { SubjectId = group.Key };
            var members = new List<int>();
            string? watermark = null;
            foreach (var w in group.OrderBy(w => w.Input.Position))
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
            foreach (var w in group.Where(w => !w.Redelivered && w.Session is { Bot: true } && !w.Bot))
            {
                w.Bot = true;
                w.BotReason = w.Session!.BotReason;
            }

            subject.Watermarks[group.First().Input.Position.ShardId] = watermark!;
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

    private void PlanProfiles(BatchPlan plan, IReadOnlyList<EventWork> events, StateSnapshot state)
    {
        var personal = events.Where(w => w.ResolvedUser is not null && !w.Bot && !w.AggregateOnly && (EventTypes.IsInteraction(w.Type) || w.Type == EventTypes.OrderPlaced));
        foreach (var group in personal.GroupBy(w => w.ResolvedUser!, StringComparer.Ordinal))
        {
            var profile = state.Profiles.TryGetValue(group.Key, out var existing) ? existing : new UserProfile { UserId = group.Key };
            var members = new List<int>();
            string? watermark = null;
            foreach (var w in group.OrderBy(w => w.Input.Position))
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
            profile.Watermarks[group.First().Input.Position.ShardId] = watermark!;
            plan.Profiles.Add(new PlannedWrite<UserProfile>(profile, members));
        }
    }

    private static void PlanOrders(BatchPlan plan, IReadOnlyList<EventWork> events, StateSnapshot state)
    {
        var orderEvents = events.Where(w => !w.Bot && (EventTypes.IsOrderLifecycle(w.Type) || w.Type == EventTypes.Purchase) && w.Event.Data.OrderId is not null);
        foreach (var group in orderEvents.GroupBy(w => w.Event.Data.OrderId!, StringComparer.Ordinal))
        {
            var order = state.Orders.TryGetValue(group.Key, out var existing) ? existing : new OrderRecord { OrderId = group.Key };
            var members = new List<int>();
            string? watermark = null;
            foreach (var w in group.OrderBy(w => w.Input.Position))
            {
                if (w.Input.Position.AppliedUnder(order.Watermarks)) continue;
                OrderStateMachine.Apply(order, w.Event, w.Type);
                order.UserId ??= w.ResolvedUser;
                members.Add(w.Index);
                watermark = Max(watermark, w.Input.Position.Padded);
            }

            if (members.Count == 0) continue;
            order.Watermarks[group.First().Input.Position.ShardId] = watermark!;
            plan.Orders.Add(new PlannedWrite<OrderRecord>(order, members));
        }
    }

    private static void PlanProductStats(BatchPlan plan, IReadOnlyList<EventWork> events, string shardId)
    {
        var deltas = new Dictionary<string, (List<ProductStatsDelta> Deltas, List<int> Members)>(StringComparer.Ordinal);
        void Add(string sku, EventWork w, ProductStatsDelta delta)
        {
            if (!deltas.TryGetValue(sku, out var entry)) deltas[sku] = entry = ([], []);
            entry.Deltas.Add(delta);
            entry.Members.Add(w.Index);
        }

        foreach (var w in events.Where(w => !w.Bot))
        {
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
            plan.ProductStats.Add(new PlannedWrite<(string, IReadOnlyList<ProductStatsDelta>)>((sku, list), members.Distinct().ToArray()));
        }

        _ = shardId;
    }

    private RealtimeBatch PlanRealtime(string shardId, BatchPlan plan, IReadOnlyList<EventWork> events, StateSnapshot state, DateTimeOffset now)
    {
        var batch = new RealtimeBatch { ShardId = shardId };
        var counters = new CounterGroup();
        var users = new Dictionary<string, UserRealtime>(StringComparer.Ordinal);
        var trending = new Dictionary<string, TrendingGroup>(StringComparer.Ordinal);
        var coViews = new Dictionary<int, CoViewGroup>();
        var bucketTicks = TimeSpan.FromMinutes(options.TrendingBucketMinutes).Ticks;

        foreach (var w in events.OrderBy(w => w.Input.Position))
        {
            var e = w.Event;
            var seq = w.Input.Position.Padded;
            var minute = (e.EventTime.ToUnixTimeSeconds() / 60).ToString(CultureInfo.InvariantCulture);
            counters.Contributions.Add(new Contribution(seq, minute, w.Bot ? "bots" : "events", 1));
            if (w.Bot) continue;
            counters.Contributions.Add(new Contribution(seq, minute, "type:" + w.Type, 1));
            if (w.Type == EventTypes.Purchase) counters.Contributions.Add(new Contribution(seq, minute, "revenue_cents:" + (e.Data.Currency ?? "XXX"), (double)decimal.Round((e.Data.Total ?? 0) * 100)));

            if (w.Type is EventTypes.ProductView or EventTypes.AddToCart or EventTypes.Purchase)
            {
                var weight = w.Type switch { EventTypes.ProductView => 1.0, EventTypes.AddToCart => 3.0, _ => 5.0 };
                var bucket = ((e.EventTime.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / bucketTicks * bucketTicks / TimeSpan.TicksPerSecond).ToString(CultureInfo.InvariantCulture);
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
        foreach (var w in events.Where(w => w.ViewedAfter is not null && !w.Bot))
        {
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
        _ = state;
        return batch;
    }

    private EnrichedEvent Enrich(EventWork w, DateTimeOffset now)
    {
        var e = w.Event;
        var context = e.Context;
        var interaction = EventTypes.IsInteraction(w.Type);
        var time = e.EventTime.UtcDateTime;
        return new EnrichedEvent
        {
            EventId = e.EventId,
            Schema = e.Schema,
            Type = w.Type,
            EventTime = e.EventTime,
            UserId = e.UserId,
            AnonymousId = e.AnonymousId,
            ResolvedUserId = w.ResolvedUser,
            SessionId = w.Session?.Id,
            OrderId = e.Data.OrderId,
            Sku = e.Data.Sku,
            Context = new EnrichedContext
            {
                DeviceType = w.Agent.DeviceType,
                Browser = w.Agent.Browser,
                Os = w.Agent.Os,
                IpPrefix = Pseudonymiser.TruncateIp(context?.Ip),
                Locale = context?.Locale,
                DeviceIdHash = context?.DeviceId is { } device ? pseudonymiser.Hash(device, "device") : null,
                EmailHash = context?.Email is { } email ? pseudonymiser.Hash(email, "email") : null,
                Page = context?.Page,
                Campaign = context?.Campaign,
            },
            Data = MaskFreeText(e.Data),
            Enrichment = new EventEnrichment
            {
                Intent = interaction ? w.Intent : null,
                Engagement = interaction ? w.Engagement : null,
                Bot = w.Bot,
                BotReason = w.BotReason,
                PriceBand = e.Data.Price is { } price ? PreferenceExtractor.PriceBand(price) : null,
                Consent = w.AggregateOnly ? "aggregate_only" : "full",
            },
            Lineage = new Lineage
            {
                Source = e.Lineage?.Source ?? "device",
                IngestTime = e.Lineage?.IngestTime,
                ArrivalTime = w.Input.ArrivalTime,
                ProcessingTime = now,
                PipelineVersion = options.PipelineVersion,
                Steps = interaction ? InteractionSteps : OtherSteps,
                ShardId = w.Input.Position.ShardId,
                SequenceNumber = w.Input.Position.SequenceNumber,
                Traceparent = e.Lineage?.Traceparent,
                RequestId = e.Lineage?.RequestId,
            },
            Partition = new PartitionInfo(w.Bot ? "bots" : "events", w.Type, time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), time.ToString("HH", CultureInfo.InvariantCulture)),
        };
    }

    private static EventData MaskFreeText(EventData data) =>
        data.Query is null && data.Reason is null ? data : data with { Query = TextMasking.MaskEmails(data.Query), Reason = TextMasking.MaskEmails(data.Reason) };

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
