using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Logs;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// The stateful half of enrichment, with no I/O: given a micro-batch's valid events and the state read for them, it
/// runs the stages in arrival order (identity, sessions, profiles, orders, product stats, real time), then writes
/// each event's enriched record (pseudonymised). Every write is coalesced per entity. Events at or below an entity's
/// watermark for their shard were applied by an earlier delivery and change nothing.
/// </summary>
internal sealed class StreamPlanner : IDisposable
{
    private static readonly string[] InteractionSteps = ["validate", "bot_detection", "pseudonymise", "identity", "sessionize", "intent", "engagement", "preferences", "lineage"];
    private static readonly string[] OtherSteps = ["validate", "pseudonymise", "lineage"];
    private readonly Pseudonymiser _pseudonymiser;
    private readonly bool _ownsPseudonymiser;
    private readonly ProcessorOptions _options;
    private readonly TimeProvider _clock;
    private readonly IdentityResolver _identities = new();
    private readonly SessionPlanner _sessions;
    private readonly ProfilePlanner _profiles;
    private readonly RealtimePlanner _realtime;
    private readonly EnrichedEventWriter _writer = new();
    private readonly BoundedCache<string> _deviceHashes = new(8192);
    private readonly BoundedCache<string> _emailHashes = new(8192);
    private readonly BoundedCache<string?> _ipPrefixes = new(8192);
    private readonly BoundedCache<string> _userHashes = new(8192);
    private readonly BoundedCache<string> _anonymousHashes = new(8192);
    private readonly ScratchArray<ValidEvent> _ordered = new();
    private readonly ScratchArray<int> _given = new();
    private readonly ScratchArray<PlannedEvent> _planned = new();

    /// <summary>A planner with its own pseudonymiser under <paramref name="pseudonymKey"/>, disposed with it.</summary>
    public StreamPlanner(string pseudonymKey, ProcessorOptions options, TimeProvider clock)
        : this(Pseudonymiser.FromSecret(pseudonymKey), options, clock) => _ownsPseudonymiser = true;

    public StreamPlanner(Pseudonymiser pseudonymiser, ProcessorOptions options, TimeProvider clock)
    {
        _pseudonymiser = pseudonymiser;
        _options = options;
        _clock = clock;
        var preferences = new PreferenceExtractor();
        _sessions = new SessionPlanner(options);
        _profiles = new ProfilePlanner(preferences);
        _realtime = new RealtimePlanner(options, preferences);
    }

    /// <summary>Plans one micro-batch. The plan's enriched records live in this planner's buffer until the next call.</summary>
    /// <param name="quarantined">The micro-batch's rejected records, counted in the real-time quality counters.</param>
    public StreamPlan Plan(string shardId, IReadOnlyList<ValidEvent> events, StateSnapshot state, IReadOnlyList<QuarantinedInput>? quarantined = null)
    {
        var now = _clock.GetUtcNow();
        _writer.Reset();

        // Everything below works in arrival order; sorting once keeps each entity's group in that order too.
        var (ordered, given) = Sort(events);
        var links = new List<PlannedWrite<IdentityLink>>();
        var optOuts = new List<PlannedWrite<ConsentRecord>>();
        var identities = _identities.Resolve(ordered, state, links, optOuts);
        var subjects = new List<PlannedWrite<SubjectState>>();
        var sessions = _sessions.Plan(ordered, identities, state, subjects);

        var planned = _planned.Get(ordered.Length);
        var inGivenOrder = new PlannedEvent[ordered.Length];
        for (var i = 0; i < ordered.Length; i++)
        {
            planned[i] = inGivenOrder[given[i]] = new PlannedEvent(ordered[i], identities[i], sessions[i]);
        }

        var plan = new StreamPlan { Events = inGivenOrder };
        plan.Links.AddRange(links);
        plan.SaleShareOptOuts.AddRange(optOuts);
        plan.Subjects.AddRange(subjects);
        _profiles.Plan(ordered, planned, state, plan.Profiles);
        OrderPlanner.Plan(ordered, planned, state, plan.Orders);
        ProductStatsPlanner.Plan(planned, plan.ProductStats);
        plan.Realtime = _realtime.Plan(shardId, planned, plan.Profiles, quarantined ?? [], now);
        var drop = _options.AnalyticsDenied == AnalyticsDenial.Drop;
        foreach (var w in inGivenOrder)
        {
            // Dropped for consent: counted (never lost silently), still in the aggregates above, not in the zone.
            if (drop && w.AnalyticsDenied)
            {
                plan.ConsentDropped++;
                continue;
            }

            plan.Enriched.Add(new EnrichedRecord(w.Index, w.Position, _writer.Write(Fields(w, now))));
        }

        return plan;
    }

    /// <summary>The events in arrival order, and for each its place in <paramref name="events"/> (both arrays reused by the next call).</summary>
    private (ValidEvent[] Ordered, int[] Given) Sort(IReadOnlyList<ValidEvent> events)
    {
        var ordered = _ordered.Get(events.Count);
        var given = _given.Get(events.Count);
        for (var i = 0; i < given.Length; i++)
        {
            ordered[i] = events[i];
            given[i] = i;
        }

        Array.Sort(ordered, given, ArrivalOrder.Instance);
        return (ordered, given);
    }

    private sealed class ArrivalOrder : IComparer<ValidEvent>
    {
        public static readonly ArrivalOrder Instance = new();

        public int Compare(ValidEvent x, ValidEvent y) => x.Input.Position.CompareTo(y.Input.Position);
    }

    private EnrichedFields Fields(PlannedEvent w, DateTimeOffset now)
    {
        var e = w.Event;
        var context = e.Context;
        var interaction = EventTypes.IsInteraction(w.Type);
        var pseudonymous = w.AnalyticsDenied;
        return new EnrichedFields(
            e,
            w.Type,
            MaskFreeText(e.Data),
            w.Agent,
            pseudonymous ? Pseudonym(w, "user", e.UserId, _userHashes) : e.UserId,
            pseudonymous ? Pseudonym(w, "anonymous", e.AnonymousId, _anonymousHashes) : e.AnonymousId,
            pseudonymous ? null : w.ResolvedUser,
            w.Session?.Id,
            TrafficSources.CampaignOf(e),
            interaction ? w.Attribution : null,
            context?.Ip is { } ip ? _ipPrefixes.GetOrAdd(ip, Pseudonymiser.TruncateIp) : null,
            context?.DeviceId is not { } device ? null : w.Source.Key is { } key ? key.Pseudonym("device", device) : _deviceHashes.GetOrAdd(device, d => _pseudonymiser.Hash(d, "device")),
            context?.Email is not { } email ? null : w.Source.Key is { } k ? k.Pseudonym("email", email) : _emailHashes.GetOrAdd(email, m => _pseudonymiser.Hash(m, "email")),
            interaction ? w.Intent : null,
            interaction ? w.Engagement : null,
            w.Bot,
            w.BotReason,
            w.Denied,
            w.Input.ArrivalTime,
            now,
            _options.PipelineVersion,
            interaction ? InteractionSteps : OtherSteps,
            w.Position);
    }

    /// <summary>
    /// The pseudonym that stands for a user or anonymous id of a subject who denied analytics: keyed by the subject's own
    /// key when the record was sealed at the door (so it stops linking once the key is erased), else by the pseudonym key.
    /// </summary>
    private string? Pseudonym(PlannedEvent w, string purpose, string? id, BoundedCache<string> cache) =>
        id is null ? null : w.Source.Key is { } key ? key.Pseudonym(purpose, id) : cache.GetOrAdd(id, v => _pseudonymiser.Hash(v, purpose));

    /// <summary>Free text people type (a search box, a refund reason) goes through the log path's masker: one masker, the same rules.</summary>
    private static EventData MaskFreeText(EventData data) =>
        data.Query is null && data.Reason is null && data.Properties is null
            ? data
            : data with { Query = MaskText(data.Query), Reason = MaskText(data.Reason), Properties = MaskText(data.Properties) };

    private static string? MaskText(string? text) => text is null ? null : SensitiveDataMasker.Mask(text);

    public void Dispose()
    {
        _writer.Dispose();
        if (_ownsPseudonymiser) _pseudonymiser.Dispose();
    }
}
