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

        var links = PlanIdentity(plan, events, state);
        foreach (var w in events)
        {
            var e = w.Event;
            w.ResolvedUser = e.UserId ?? (e.AnonymousId is { } anon && links.TryGetValue(anon, out var user) ? user : null);
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

    private static Dictionary<string, string> PlanIdentity(BatchPlan plan, IReadOnlyList<EventWork> events, StateSnapshot state)
    {
        var links = new Dictionary<string, string>(state.IdentityLinks, StringComparer.Ordinal);
        foreach (var w in events.OrderBy(w => w.Event.EventTime).ThenBy(w => w.Event.EventId, StringComparer.Ordinal))
        {
            var e = w.Event;
            if (e.UserId is null || e.AnonymousId is null) continue;
            if (links.ContainsKey(e.AnonymousId)) continue; // the first link of an anonymous id stands
            links[e.AnonymousId] = e.UserId;
            plan.Links.Add(new PlannedWrite<IdentityLink>(new IdentityLink(e.AnonymousId, e.UserId, e.EventTime, e.EventId), [w.Index]));
        }

        return links;
    }

    private void PlanSessions(BatchPlan plan, IReadOnlyList<EventWork> events, StateSnapshot state)
    {
        foreach (var group in events.Where(w => w.Subject is not null).GroupBy(w => w.Subject!, StringComparer.Ordinal))
        {
            var subject = state.Subjects.TryGetValue(group.Key, out var existing) ? existing : new SubjectState { SubjectId = group.Key };
            var members = new List<int>();
            string? watermark = null;
            foreach (var w in group.OrderBy(w => w.Event.EventTime).ThenBy(w => w.Event.EventId, StringComparer.Ordinal))
            {
                var e = w.Event;
                if (w.Input.Position.AppliedUnder(subject.Watermarks))
                {
                    w.Redelivered = true;
                    w.Session = _sessionizer.Find(subject, e.EventTime);
                    w.Bot = w.Session?.Bot ?? w.Agent.IsBot;
                    w.BotReason = w.Session?.BotReason;
                    continue;
                }

                if (subject.RateWindowStart is not { } start || e.EventTime - start >= TimeSpan.FromMinutes(1) || e.EventTime < start)
                {
                    subject.RateWindowStart = e.EventTime;
                    subject.RateWindowCount = 0;
                }

                subject.RateWindowCount++;
                var session = _sessionizer.Assign(subject, e.EventTime, e.EventId);
                SessionSignals.Count(session.Counters, w.Type, e.Data, e.EventTime);
                if (!session.Bot && BotReason(w, subject) is { } reason)
                {
                    session.Bot = true;
                    session.BotReason = reason;
                }

                session.Intent = SessionSignals.Intent(session.Counters, session.End);
                session.Engagement = SessionSignals.Engagement(session.Counters, session.End - session.Start);
                session.UserId ??= w.ResolvedUser;
                session.EntryUrl ??= e.Data.Url ?? e.Context?.Page?.Url;
                w.Session = session;
                w.Bot = session.Bot;
                w.BotReason = session.BotReason;
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
            var sessions = new HashSet<string>(StringComparer.Ordinal);
            foreach (var w in group.OrderBy(w => w.Event.EventTime).ThenBy(w => w.Event.EventId, StringComparer.Ordinal))
            {
                if (w.Input.Position.AppliedUnder(profile.Watermarks)) continue;
                var e = w.Event;
                profile.Counters[w.Type] = profile.Counters.GetValueOrDefault(w.Type) + 1;
                if (profile.FirstSeen == default || e.EventTime < profile.FirstSeen) profile.FirstSeen = e.EventTime;
                if (e.EventTime > profile.LastSeen) profile.LastSeen = e.EventTime;
                _preferences.Apply(profile, w.Type, e.Data, e.EventTime);
                if (w.Session is { } session && e.EventTime >= profile.LastSeen)
                {
                    profile.Engagement = session.Engagement;
                    profile.Intent = session.Intent;
                    if (profile.LastSessionId != session.Id && sessions.Add(session.Id) && session.Start == e.EventTime) profile.Sessions++;
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
            foreach (var w in group.OrderBy(w => w.Event.EventTime).ThenBy(w => w.Event.EventId, StringComparer.Ordinal))
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
            var minute = e.EventTime.ToUnixTimeSeconds() / 60;
            Count(counters, minute, w.Bot ? "bots" : "events", 1, seq);
            if (w.Bot) continue;
            Count(counters, minute, "type:" + w.Type, 1, seq);
            if (w.Type == EventTypes.Purchase) Count(counters, minute, "revenue_cents:" + (e.Data.Currency ?? "XXX"), (long)decimal.Round((e.Data.Total ?? 0) * 100), seq);

            if (w.Type is EventTypes.ProductView or EventTypes.AddToCart or EventTypes.Purchase)
            {
                var weight = w.Type switch { EventTypes.ProductView => 1.0, EventTypes.AddToCart => 3.0, _ => 5.0 };
                var bucket = e.EventTime.UtcTicks / bucketTicks * bucketTicks / TimeSpan.TicksPerSecond;
                IEnumerable<(string? Sku, string? Category)> items = w.Type == EventTypes.Purchase
                    ? (e.Data.Items ?? []).Select(l => ((string?)l.Sku, l.Category))
                    : [(e.Data.Sku, e.Data.Category)];
                foreach (var (sku, category) in items)
                {
                    if (sku is null || category is null) continue;
                    if (!trending.TryGetValue(category, out var group)) trending[category] = group = new TrendingGroup(category) { Span = SequenceSpan.Of(seq) };
                    group.Scores[(bucket, sku)] = group.Scores.GetValueOrDefault((bucket, sku)) + weight;
                    group.Span = group.Span.Extend(seq);
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

        // "Viewed next": consecutive product views within a session, per subject.
        foreach (var session in events.Where(w => !w.Bot && !w.AggregateOnly && w.Type == EventTypes.ProductView && w.Session is not null && w.Event.Data.Sku is not null)
                     .GroupBy(w => w.Session!.Id, StringComparer.Ordinal))
        {
            string? previous = null;
            foreach (var w in session.OrderBy(w => w.Event.EventTime).ThenBy(w => w.Event.EventId, StringComparer.Ordinal))
            {
                var sku = w.Event.Data.Sku!;
                if (previous is not null && previous != sku)
                {
                    var shard = (int)((uint)StableHash(previous) % (uint)options.CoViewGroups);
                    if (!coViews.TryGetValue(shard, out var group)) coViews[shard] = group = new CoViewGroup(shard) { Span = SequenceSpan.Of(w.Input.Position.Padded) };
                    group.Counts[(previous, sku)] = group.Counts.GetValueOrDefault((previous, sku)) + 1;
                    group.Span = group.Span.Extend(w.Input.Position.Padded);
                }

                previous = sku;
            }
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
        batch.Counters = counters.Counts.Count > 0 ? counters : null;
        _ = state;
        return batch;
    }

    private static void Count(CounterGroup group, long minute, string field, long value, string seq)
    {
        group.Counts[(minute, field)] = group.Counts.GetValueOrDefault((minute, field)) + value;
        group.Span = group.Span.First is null ? SequenceSpan.Of(seq) : group.Span.Extend(seq);
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
                Intent = interaction ? w.Session?.Intent : null,
                Engagement = interaction ? w.Session?.Engagement : null,
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
