using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// The stream path's CPU work alone: parses and plans micro-batches against empty state, with no I/O, and returns the
/// enriched JSON StreamProcessor would send. For benchmarks and fixtures; <see cref="StreamProcessorService"/> is the
/// path with state and writes.
/// </summary>
public sealed class OfflineEnricher : IDisposable
{
    private readonly EventParser _parser;
    private readonly StreamPlanner _planner;
    private readonly List<ValidEvent> _valid = new(500);

    /// <param name="pseudonymKey">The secret the pseudonyms are keyed with.</param>
    public OfflineEnricher(string pseudonymKey, ProcessorOptions options, TimeProvider clock)
    {
        _parser = new EventParser(SchemaRegistry.Default, clock);
        _planner = new StreamPlanner(pseudonymKey, options, clock);
    }

    /// <summary>
    /// Enriches one micro-batch of one shard (records that do not validate are left out). The JSON lives in this
    /// enricher's buffer until the next call: copy what is kept.
    /// </summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> Enrich(IReadOnlyList<StreamInput> batch)
    {
        _valid.Clear();
        for (var i = 0; i < batch.Count; i++)
        {
            if (_parser.Parse(batch[i].Data.Span) is ParsedEvent parsed) _valid.Add(new ValidEvent(i, batch[i], parsed.Event, parsed.Type));
        }

        if (_valid.Count == 0) return [];
        var enriched = _planner.Plan(batch[0].Position.ShardId, _valid, new StateSnapshot()).Enriched;
        var lines = new ReadOnlyMemory<byte>[enriched.Count];
        for (var i = 0; i < lines.Length; i++) lines[i] = enriched[i].Json;
        return lines;
    }

    public void Dispose() => _planner.Dispose();
}
