namespace ECommerceAgents.Domain.Processing;

/// <summary>A write that failed or was held back, and the records whose effects it carried: they are not done.</summary>
/// <param name="Write">Which write: quarantine, enriched, identity, profile, order, product-stats, session, realtime journal, dedup markers.</param>
/// <param name="Records">The records' indexes in the micro-batch.</param>
/// <param name="Error">Why, as logged.</param>
internal sealed record RecordFailure(string Write, IReadOnlyList<int> Records, string Error);

/// <summary>
/// What writing a <see cref="StreamPlan"/> did: which records are not done and why, the errors that failed nothing
/// (the real-time store's outage is deferred), how long each store took, and the events acknowledged. Safe to add to
/// from the writer's parallel writes.
/// </summary>
internal sealed class WriteResult(int records)
{
    private readonly bool[] _failed = new bool[records];
    private readonly List<RecordFailure> _failures = [];
    private readonly List<string> _errors = [];
    private readonly Dictionary<string, double> _timings = new(StringComparer.Ordinal);

    /// <summary>Every record failure, in the order they happened.</summary>
    public IReadOnlyList<RecordFailure> Failures => _failures;

    /// <summary>The error lines to log, in the order they happened: the failures' and the ones that failed no record.</summary>
    public IReadOnlyList<string> Errors => _errors;

    /// <summary>Milliseconds per store write, by store.</summary>
    public IReadOnlyDictionary<string, double> Timings => _timings;

    /// <summary>The real-time store missed this micro-batch's writes (they wait in the journal).</summary>
    public bool RealtimeStale { get; internal set; }

    /// <summary>The events whose dedup marker this invocation wrote and the store acknowledged.</summary>
    public IReadOnlyList<PlannedEvent> Acknowledged { get; internal set; } = [];

    /// <summary>When the store acknowledged the markers of <see cref="Acknowledged"/>.</summary>
    public DateTimeOffset? AcknowledgedAt { get; internal set; }

    /// <summary>Whether some write carrying the record at <paramref name="index"/> failed.</summary>
    public bool Failed(int index)
    {
        lock (_failed) return _failed[index];
    }

    /// <summary>The first failed record's position: Lambda retries the micro-batch from it. Null when every record is done.</summary>
    public StreamPosition? RetryFrom(IReadOnlyList<StreamInput> inputs)
    {
        StreamPosition? first = null;
        lock (_failed)
        {
            for (var i = 0; i < _failed.Length; i++)
            {
                if (_failed[i] && (first is null || inputs[i].Position < first.Value)) first = inputs[i].Position;
            }
        }

        return first;
    }

    /// <summary>
    /// Some write failed, and every failed write lost a conditional write to another shard: the state it read moved
    /// on, and reading it again lets the records through.
    /// </summary>
    public bool OnlyConflicts { get; private set; }

    private bool _otherFailure;

    /// <summary>A write failed: its records are not done.</summary>
    internal void Fail(IEnumerable<int> members, string write, Exception ex)
    {
        var error = $"{write}: {ex.GetType().Name}: {ex.Message}";
        lock (_failed)
        {
            _otherFailure |= ex is not ConcurrentUpdateException;
            OnlyConflicts = !_otherFailure;
            var list = MarkFailed(members);
            _failures.Add(new RecordFailure(write, list, error));
            _errors.Add(error);
        }
    }

    /// <summary>Records held back because a write they depend on failed (already logged there).</summary>
    internal void HoldBack(IEnumerable<int> members, string write, string why)
    {
        lock (_failed)
        {
            var list = MarkFailed(members);
            _failures.Add(new RecordFailure(write, list, why));
        }
    }

    /// <summary>An error that fails no record.</summary>
    internal void Warn(string error)
    {
        lock (_failed) _errors.Add(error);
    }

    internal void Time(string store, double milliseconds)
    {
        lock (_failed) _timings[store] = milliseconds;
    }

    private List<int> MarkFailed(IEnumerable<int> members)
    {
        var list = new List<int>();
        foreach (var m in members)
        {
            _failed[m] = true;
            list.Add(m);
        }

        return list;
    }
}
