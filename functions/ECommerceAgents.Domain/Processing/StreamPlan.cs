namespace ECommerceAgents.Domain.Processing;

/// <summary>A write and the records whose effects it carries: if it fails, they are retried.</summary>
public sealed record PlannedWrite<T>(T Item, IReadOnlyList<int> Members);

/// <summary>An enriched record of the micro-batch: its record index, position and JSON (a slice of the planner's buffer).</summary>
public readonly record struct EnrichedRecord(int Index, StreamPosition Position, ReadOnlyMemory<byte> Json);

/// <summary>Everything one micro-batch will write, computed by <see cref="StreamPlanner"/> before anything is written.</summary>
public sealed class StreamPlan
{
    /// <summary>The valid events, in the order they were given, each with what the planner found about it.</summary>
    public required IReadOnlyList<PlannedEvent> Events { get; init; }

    public List<PlannedWrite<SubjectState>> Subjects { get; } = [];

    public List<PlannedWrite<UserProfile>> Profiles { get; } = [];

    public List<PlannedWrite<OrderRecord>> Orders { get; } = [];

    public List<PlannedWrite<IdentityLink>> Links { get; } = [];

    public List<PlannedWrite<(string Sku, IReadOnlyList<ProductStatsDelta> Deltas)>> ProductStats { get; } = [];

    /// <summary>Enriched JSON per event, in the order the events were given.</summary>
    public List<EnrichedRecord> Enriched { get; } = [];

    public RealtimeBatch Realtime { get; internal set; } = null!;
}
