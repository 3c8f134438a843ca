using System.Collections.Concurrent;
using System.Diagnostics;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// StreamProcessor's domain service, one micro-batch of stream records at a time: parse (<see cref="ParsedRecords"/>)
/// → load the state the micro-batch needs in one go (<see cref="IStreamStateStore"/>) → plan every write with no I/O
/// (<see cref="StreamPlanner"/>) → write (<see cref="StreamPlanWriter"/>). A record is done when every write carrying
/// it succeeded; the micro-batch is retried from the first record that is not, and everything already written is
/// recognised on the retry (watermarks, cursor, markers in the <see cref="IDedupWindow"/>), so the retry recomputes what was sent.
/// </summary>
public sealed class StreamProcessorService : IDisposable
{
    // One parser and planner per concurrent micro-batch (their buffers are reused call to call); in Lambda one
    // container runs one invocation at a time, so the pool holds one.
    private readonly ConcurrentBag<(EventParser Parser, StreamPlanner Planner, Privacy.RecordDecryption Decryption)> _contexts = [];
    private readonly Privacy.SubjectKeyring? _keyring;
    private readonly string _pseudonymKey;
    private readonly ProcessorOptions _options;
    private readonly IStreamStateStore _store;
    private readonly IDedupWindow _dedup;
    private readonly StreamPlanWriter _writer;
    private readonly TimeProvider _clock;

    /// <param name="pseudonymKey">The secret the pseudonyms (device, e-mail) of records sent in clear are keyed with.</param>
    /// <param name="keyring">The subjects' data keys, to open records sealed at the door; null when none are.</param>
    public StreamProcessorService(string pseudonymKey, IStreamStateStore store, IDedupWindow dedup, IEnrichedSink enriched, IQuarantine quarantine,
        IRealtimeProjection realtime, IRealtimeJournal journal, ProcessorOptions options, TimeProvider clock, Privacy.SubjectKeyring? keyring = null)
    {
        _keyring = keyring;
        _pseudonymKey = pseudonymKey;
        _options = options;
        _store = store;
        _dedup = dedup;
        _writer = new StreamPlanWriter(store, dedup, enriched, quarantine, new RealtimeWriter(realtime, journal, store), options, clock);
        _clock = clock;
    }

    public async Task<StreamOutcome> ProcessAsync(IReadOnlyList<StreamInput> records, CancellationToken cancellationToken)
    {
        if (!_contexts.TryTake(out var context))
        {
            context = (new EventParser(SchemaRegistry.Default, _clock), new StreamPlanner(_pseudonymKey, _options, _clock), new Privacy.RecordDecryption(_keyring));
        }

        try
        {
            return await ProcessAsync(context, records, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _contexts.Add(context);
        }
    }

    public void Dispose()
    {
        while (_contexts.TryTake(out var context)) context.Planner.Dispose();
    }

    /// <summary>
    /// One pass over the micro-batch, then, while the only failures are conditional writes lost to another shard,
    /// another pass from the first record not done: what the event source mapping's redelivery would do, with the same
    /// idempotence (watermarks, cursor, markers), but without failing the micro-batch back to it.
    /// </summary>
    private async Task<StreamOutcome> ProcessAsync((EventParser, StreamPlanner, Privacy.RecordDecryption) context, IReadOnlyList<StreamInput> records, CancellationToken cancellationToken)
    {
        var (outcome, onlyConflicts) = await PassAsync(context, records, cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; onlyConflicts && outcome.RetryFrom is { } from && attempt <= _options.ConflictRetries; attempt++)
        {
            // A short random wait, so two shards that collided do not collide again.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken).ConfigureAwait(false);
            var offset = 0;
            while (records[offset].Position != from) offset++;
            var (again, conflicts) = await PassAsync(context, records.Skip(offset).ToArray(), cancellationToken).ConfigureAwait(false);
            outcome = Merge(outcome, again, offset, attempt);
            onlyConflicts = conflicts;
        }

        return outcome;
    }

    /// <summary>The first pass's counts (it saw every record) with the later pass's acknowledgements added and its failures in their place.</summary>
    private static StreamOutcome Merge(StreamOutcome first, StreamOutcome again, int offset, int attempt)
    {
        var timings = new Dictionary<string, double>(first.StoreMilliseconds, StringComparer.Ordinal);
        foreach (var (store, ms) in again.StoreMilliseconds) timings[store] = timings.GetValueOrDefault(store) + ms;
        return first with
        {
            RetryFrom = again.RetryFrom,
            RealtimeStale = first.RealtimeStale || again.RealtimeStale,
            StoreMilliseconds = timings,
            Acknowledged = [.. first.Acknowledged, .. again.Acknowledged],
            LagMilliseconds = [.. first.LagMilliseconds, .. again.LagMilliseconds],
            AcknowledgedAt = again.AcknowledgedAt ?? first.AcknowledgedAt,
            Errors = [.. first.Errors, .. again.Errors],
            Failures = again.Failures.Select(f => f with { Records = f.Records.Select(i => i + offset).ToArray() }).ToArray(),
            ConflictRetries = attempt,
        };
    }

    private async Task<(StreamOutcome Outcome, bool OnlyConflicts)> PassAsync((EventParser, StreamPlanner, Privacy.RecordDecryption) context, IReadOnlyList<StreamInput> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return (new StreamOutcome(), false);
        var (parser, planner, decryption) = context;
        var shard = records[0].Position.ShardId;
        try
        {
            await decryption.PrepareAsync(records, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return (new StreamOutcome { RetryFrom = records[0].Position, Records = records.Count, Errors = ["subject key read failed: " + ex.Message] }, false);
        }

        var parsed = ParsedRecords.Parse(parser, records, decryption);

        StateSnapshot snapshot;
        var watch = Stopwatch.StartNew();
        var request = StateRequest.For(shard, parsed.Valid);
        var load = _store.LoadAsync(request, cancellationToken);
        var seen = parsed.Valid.Count == 0 ? Task.FromResult<IReadOnlyList<DedupMarker>>([]) : _dedup.FindAsync(Candidates(parsed.Valid), cancellationToken);
        try
        {
            await Task.WhenAll(load, seen).ConfigureAwait(false);
            snapshot = load.Result;
            foreach (var marker in seen.Result) snapshot.Markers[marker.EventId] = marker;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var what = load.IsFaulted ? "state read failed: " + load.Exception!.InnerException!.Message : "dedup window read failed: " + ex.Message;
            return (new StreamOutcome { RetryFrom = records[0].Position, Records = records.Count, Errors = [what] }, false);
        }

        var readMilliseconds = watch.Elapsed.TotalMilliseconds;
        var now = _clock.GetUtcNow();
        parsed.DropResends(snapshot, now);
        var plan = planner.Plan(shard, parsed.Valid, snapshot, parsed.Quarantined(records));
        var result = await _writer.WriteAsync(records, parsed.Rejected, plan, snapshot, now, cancellationToken).ConfigureAwait(false);
        return (Outcome(records, parsed, plan, result, readMilliseconds), result.OnlyConflicts);
    }

    private static DedupMarker[] Candidates(IReadOnlyList<ValidEvent> valid)
    {
        var candidates = new DedupMarker[valid.Count];
        for (var i = 0; i < candidates.Length; i++) candidates[i] = new DedupMarker(valid[i].Event.EventId, valid[i].Position.ToString(), default);
        return candidates;
    }

    private static StreamOutcome Outcome(IReadOnlyList<StreamInput> records, ParsedRecords parsed, StreamPlan plan, WriteResult result, double readMilliseconds)
    {
        var timings = new Dictionary<string, double>(StringComparer.Ordinal) { ["dynamodb.read"] = readMilliseconds };
        foreach (var (store, ms) in result.Timings) timings[store] = ms;
        var written = result.AcknowledgedAt;
        return new StreamOutcome
        {
            RetryFrom = result.RetryFrom(records),
            Records = records.Count,
            Valid = plan.Events.Count(e => !e.Bot),
            Bots = plan.Events.Count(e => e.Bot),
            Quarantined = parsed.Rejected.Count,
            Duplicates = parsed.Duplicates.Count,
            ConsentDropped = plan.ConsentDropped,
            RealtimeStale = result.RealtimeStale,
            QuarantinedByReason = parsed.Rejected.GroupBy(r => r.Rejection.ReasonName).ToDictionary(g => g.Key, g => g.Count()),
            StoreMilliseconds = timings,
            LagMilliseconds = result.Acknowledged.Select(e => (written!.Value - e.Input.ArrivalTime).TotalMilliseconds).ToArray(),
            Acknowledged = result.Acknowledged.Select(e => e.Event.EventId).ToArray(),
            AcknowledgedAt = written,
            Errors = result.Errors,
            Failures = result.Failures,
        };
    }
}
