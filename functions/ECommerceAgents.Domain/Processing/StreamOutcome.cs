namespace ECommerceAgents.Domain.Processing;

/// <summary>What became of a micro-batch of stream records, for the handler's response and metrics.</summary>
public sealed record StreamOutcome
{
    /// <summary>The first record whose effects are not all written; Lambda retries from it. Null when the micro-batch is done.</summary>
    public StreamPosition? RetryFrom { get; init; }

    public int Records { get; init; }

    public int Valid { get; init; }

    public int Quarantined { get; init; }

    public int Bots { get; init; }

    public int Duplicates { get; init; }

    /// <summary>Events of subjects who denied analytics, counted here instead of written to the enriched zone (<see cref="AnalyticsDenial.Drop"/>).</summary>
    public int ConsentDropped { get; init; }

    public bool RealtimeStale { get; init; }

    public IReadOnlyDictionary<string, int> QuarantinedByReason { get; init; } = new Dictionary<string, int>();

    public IReadOnlyDictionary<string, double> StoreMilliseconds { get; init; } = new Dictionary<string, double>();

    /// <summary>
    /// Arrival on the stream to the acknowledgement of its last write, in milliseconds: one value per event in
    /// <see cref="Acknowledged"/>, in the same order.
    /// </summary>
    public IReadOnlyList<double> LagMilliseconds { get; init; } = [];

    /// <summary>
    /// The events (valid and bot) whose last write, the dedup marker, this invocation wrote and the store acknowledged.
    /// An event already marked by an earlier delivery is not listed again, so each event is acknowledged once.
    /// </summary>
    public IReadOnlyList<string> Acknowledged { get; init; } = [];

    /// <summary>When the store acknowledged the marker write of <see cref="Acknowledged"/>.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>
    /// How many times the invocation processed the micro-batch again from its first record not done, after losing
    /// only conditional writes to another shard (<see cref="ProcessorOptions.ConflictRetries"/>).
    /// </summary>
    public int ConflictRetries { get; init; }

    /// <summary>The writes that failed or were held back, with the records (indexes in the micro-batch) they leave undone.</summary>
    internal IReadOnlyList<RecordFailure> Failures { get; init; } = [];
}
