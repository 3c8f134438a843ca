namespace ECommerceAgents.Domain.Processing;

/// <summary>A write and the records whose effects it carries: if it fails, they are retried.</summary>
internal sealed record PlannedWrite<T>(T Item, IReadOnlyList<int> Members);

/// <summary>An enriched record of the micro-batch: its record index, position and JSON (a slice of the planner's buffer).</summary>
internal readonly record struct EnrichedRecord(int Index, StreamPosition Position, ReadOnlyMemory<byte> Json);

/// <summary>Everything one micro-batch will write, computed by <see cref="StreamPlanner"/> before anything is written.</summary>
internal sealed class StreamPlan
{
    /// <summary>The valid events, in the order they were given, each with what the planner found about it.</summary>
    internal required IReadOnlyList<PlannedEvent> Events { get; init; }

    internal List<PlannedWrite<SubjectState>> Subjects { get; } = [];

    internal List<PlannedWrite<UserProfile>> Profiles { get; } = [];

    internal List<PlannedWrite<OrderRecord>> Orders { get; } = [];

    internal List<PlannedWrite<IdentityLink>> Links { get; } = [];

    /// <summary>Sale/share opt-outs sent as Global Privacy Control on events, one per subject not yet opted out.</summary>
    internal List<PlannedWrite<ConsentRecord>> SaleShareOptOuts { get; } = [];

    /// <summary>Events of subjects who denied analytics, left out of the enriched zone (<see cref="AnalyticsDenial.Drop"/>).</summary>
    public int ConsentDropped { get; internal set; }

    internal List<PlannedWrite<(string Sku, IReadOnlyList<ProductStatsDelta> Deltas)>> ProductStats { get; } = [];

    /// <summary>Enriched JSON per event, in the order the events were given.</summary>
    public List<EnrichedRecord> Enriched { get; } = [];

    public RealtimeBatch Realtime { get; internal set; } = null!;
}
