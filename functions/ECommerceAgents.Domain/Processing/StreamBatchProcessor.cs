using System.Diagnostics;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Processing;

/// <summary>What became of a batch, for the handler's response and metrics.</summary>
public sealed record BatchOutcome
{
    /// <summary>The first record whose effects are not all written; Lambda retries from it. Null when the batch is done.</summary>
    public StreamPosition? RetryFrom { get; init; }

    public int Records { get; init; }

    public int Valid { get; init; }

    public int Quarantined { get; init; }

    public int Bots { get; init; }

    public int Duplicates { get; init; }

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
}

/// <summary>
/// StreamProcessor's domain service: parse and validate every record, drop client duplicates, read the state the batch
/// needs in one go, plan every write with <see cref="BatchPlanner"/>, then write: the quarantine (one object per bad
/// record), the enriched zone (past the shard's cursor) before any state, one write per DynamoDB entity (subjects
/// after the profiles they feed), the real-time store, and last the event-id markers. A record is done when every
/// write carrying it succeeded; the batch is retried from the first record that is not, and everything already
/// written is recognised on the retry (watermarks, cursor, markers), so the retry recomputes what was sent.
/// </summary>
public sealed class StreamBatchProcessor(
    EventParser parser,
    BatchPlanner planner,
    IStreamStateStore store,
    IEnrichedSink enriched,
    IQuarantine quarantine,
    IRealtimeProjection realtime,
    IRealtimeJournal journal,
    ProcessorOptions options,
    TimeProvider clock)
{
    private readonly RealtimeRecovery recovery = new(realtime, journal);

    public async Task<BatchOutcome> ProcessAsync(IReadOnlyList<StreamInput> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return new BatchOutcome();
        var shard = records[0].Position.ShardId;
        var failed = new bool[records.Count];
        var errors = new List<string>();
        var timings = new Dictionary<string, double>(StringComparer.Ordinal);

        // 1. Parse and validate: pure, never throws for bad input.
        var valid = new List<EventWork>(records.Count);
        var rejected = new List<(int Index, RejectedRecord Rejection)>();
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        var duplicateIndexes = new List<int>();
        for (var i = 0; i < records.Count; i++)
        {
            switch (records[i].Rejection ?? parser.Parse(records[i].Data.Span))
            {
                case ParsedEvent parsed when seenIds.Add(parsed.Event.EventId):
                    valid.Add(new EventWork { Index = i, Input = records[i], Event = parsed.Event, Type = parsed.Type, Key = parsed.Key });
                    break;
                case ParsedEvent:
                    duplicateIndexes.Add(i); // the same event id earlier in this batch
                    break;
                case RejectedRecord r:
                    rejected.Add((i, r));
                    break;
            }
        }

        // 2. Read the state in as few requests as the store allows.
        StateSnapshot snapshot;
        var watch = Stopwatch.StartNew();
        try
        {
            snapshot = await store.LoadAsync(Request(shard, valid), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new BatchOutcome { RetryFrom = records[0].Position, Records = records.Count, Errors = ["state read failed: " + ex.Message] };
        }

        timings["dynamodb.read"] = watch.Elapsed.TotalMilliseconds;

        // 3. Drop events whose id was already processed from another stream position (a client's resend).
        var now = clock.GetUtcNow();
        var kept = new List<EventWork>(valid.Count);
        foreach (var w in valid)
        {
            if (snapshot.Markers.TryGetValue(w.Event.EventId, out var marker) && marker.ExpiresAt > now && marker.Position != w.Input.Position.ToString())
            {
                duplicateIndexes.Add(w.Index);
                continue;
            }

            kept.Add(w);
        }

        // 4. Plan every write, with no I/O.
        var plan = planner.Plan(shard, kept, snapshot);
        var duplicates = duplicateIndexes.Count;

        // Quality counters for the metrics API: quarantined records by reason. Dropped duplicates are an EMF metric only:
        // they count deliveries, not state, so a replay or a client's resend must not change what Redis holds.
        var counters = plan.Realtime.Counters ??= new CounterGroup();
        foreach (var (index, rejection) in rejected)
        {
            counters.Contributions.Add(new Contribution(records[index].Position.Padded, Minute(records[index].ArrivalTime), "quarantined:" + rejection.Reason.Name(), 1));
        }

        if (counters.Contributions.Count == 0) plan.Realtime.Counters = null;

        // 5. Write. The three families are independent; each failure fails only the records it carries.
        void Fail(IEnumerable<int> members, string what, Exception ex)
        {
            lock (failed)
            {
                foreach (var m in members) failed[m] = true;
                errors.Add($"{what}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        // Enriched records first: they are computed from the state as read, and nothing of the batch is committed
        // until they are in the zone, so a retry recomputes exactly what was sent (session ids, intent at each event).
        var quarantined = Timed("s3.quarantine", timings, () => WriteQuarantineAsync(records, rejected, now, Fail, cancellationToken));
        var sent = await TimedResult("firehose.enriched", timings, () => WriteEnrichedAsync(shard, plan, snapshot.EnrichedCursor, Fail, cancellationToken)).ConfigureAwait(false);
        if (sent)
        {
            await Timed("dynamodb.write", timings, () => WriteEntitiesAsync(plan, Fail, cancellationToken)).ConfigureAwait(false);
        }
        else
        {
            lock (failed)
            {
                foreach (var e in plan.Events) failed[e.Index] = true;
            }
        }

        await quarantined.ConfigureAwait(false);

        var stale = await WriteRealtimeAsync(shard, plan, snapshot.RealtimeStaleSince, now, Fail, errors, timings, cancellationToken).ConfigureAwait(false);

        // 6. Markers last, for the events whose effects are all written (a redelivered event already has its own).
        var done = plan.Events.Where(e => !failed[e.Index] && !snapshot.Markers.ContainsKey(e.Event.EventId)).ToArray();
        if (done.Length > 0)
        {
            watch.Restart();
            var expires = now + options.DedupWindow;
            try
            {
                await store.WriteMarkersAsync(done.Select(e => new DedupMarker(e.Event.EventId, e.Input.Position.ToString(), expires)).ToArray(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Fail(done.Select(e => e.Index), "dedup markers", ex);
            }

            timings["dynamodb.markers"] = watch.Elapsed.TotalMilliseconds;
        }

        var written = clock.GetUtcNow();
        var acknowledged = done.Where(e => !failed[e.Index]).ToArray();
        var retryFrom = Enumerable.Range(0, records.Count).Where(i => failed[i]).Select(i => (StreamPosition?)records[i].Position).Min();
        return new BatchOutcome
        {
            RetryFrom = retryFrom,
            Records = records.Count,
            Valid = plan.Events.Count(e => !e.Bot),
            Bots = plan.Events.Count(e => e.Bot),
            Quarantined = rejected.Count,
            Duplicates = duplicates,
            RealtimeStale = stale,
            QuarantinedByReason = rejected.GroupBy(r => r.Rejection.Reason.Name()).ToDictionary(g => g.Key, g => g.Count()),
            StoreMilliseconds = timings,
            LagMilliseconds = acknowledged.Select(e => (written - e.Input.ArrivalTime).TotalMilliseconds).ToArray(),
            Acknowledged = acknowledged.Select(e => e.Event.EventId).ToArray(),
            AcknowledgedAt = acknowledged.Length == 0 ? null : written,
            Errors = errors,
        };
    }

    /// <summary>
    /// The real-time store is a cache of what the durable stores hold, so its failure does not fail the records: the
    /// batch's real-time work goes to the journal and the shard is marked stale. While a shard is stale, its next
    /// batch first replays the journal in stream order (the counting watermarks then skip anything replayed, so a
    /// batch deferred and later redelivered counts once), then applies its own work and clears the mark. Only when the
    /// journal or the mark cannot be written do the records fail, so that nothing is lost. Returns whether the store
    /// is stale after this batch.
    /// </summary>
    private async Task<bool> WriteRealtimeAsync(string shard, BatchPlan plan, DateTimeOffset? staleSince, DateTimeOffset now,
        Action<IEnumerable<int>, string, Exception> fail, List<string> errors, Dictionary<string, double> timings, CancellationToken cancellationToken)
    {
        if (plan.Realtime.IsEmpty && staleSince is null) return false;
        var watch = Stopwatch.StartNew();
        try
        {
            try
            {
                if (staleSince is not null) await recovery.ReplayAsync(shard, cancellationToken).ConfigureAwait(false);
                if (!plan.Realtime.IsEmpty) await realtime.ApplyAsync(plan.Realtime, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                lock (errors) errors.Add("realtime: " + ex.Message);
                try
                {
                    if (!plan.Realtime.IsEmpty) await journal.DeferAsync(plan.Realtime, cancellationToken).ConfigureAwait(false);
                    if (staleSince is null) await store.MarkRealtimeStaleAsync(shard, now, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception deferEx) when (deferEx is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    fail(plan.Events.Select(e => e.Index), "realtime journal", deferEx);
                }

                return true;
            }

            if (staleSince is { } since)
            {
                try
                {
                    await store.ClearRealtimeStaleAsync(shard, since, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // The mark stays: the next batch replays an empty journal and clears it then.
                    lock (errors) errors.Add("realtime stale mark: " + ex.Message);
                    return true;
                }
            }

            return false;
        }
        finally
        {
            timings["redis"] = watch.Elapsed.TotalMilliseconds;
        }
    }

    private static string Minute(DateTimeOffset time) => (time.ToUnixTimeSeconds() / 60).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static StateRequest Request(string shard, List<EventWork> valid)
    {
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        var users = new HashSet<string>(StringComparer.Ordinal);
        var anonymous = new HashSet<string>(StringComparer.Ordinal);
        var orders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in valid)
        {
            var e = w.Event;
            if (Events.EventTypes.IsInteraction(w.Type) && (e.UserId ?? e.AnonymousId) is { } subject) subjects.Add(subject);
            if (e.UserId is not null) users.Add(e.UserId);
            if (e.AnonymousId is not null) anonymous.Add(e.AnonymousId);
            if (e.Data.OrderId is not null) orders.Add(e.Data.OrderId);
        }

        return new StateRequest(shard, valid.Select(v => v.Event.EventId).ToArray(), subjects, users, anonymous, orders);
    }

    private async Task WriteQuarantineAsync(IReadOnlyList<StreamInput> records, List<(int Index, RejectedRecord Rejection)> rejected, DateTimeOffset now, Action<IEnumerable<int>, string, Exception> fail, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(rejected, new ParallelOptions { MaxDegreeOfParallelism = options.WriteConcurrency, CancellationToken = cancellationToken }, async (r, ct) =>
        {
            var input = records[r.Index];
            var entry = new QuarantineEntry(r.Rejection.Reason.Name(), r.Rejection.Violations, input.Data, input.Position, input.PartitionKey, input.ArrivalTime, now,
                options.PipelineVersion, r.Rejection.EventId, r.Rejection.Schema, "stream");
            try
            {
                await quarantine.PutAsync(entry, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                fail([r.Index], "quarantine", ex);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>Sends the records past the shard's cursor, then moves the cursor. False when they could not be sent.</summary>
    private async Task<bool> WriteEnrichedAsync(string shard, BatchPlan plan, string? cursor, Action<IEnumerable<int>, string, Exception> fail, CancellationToken cancellationToken)
    {
        var pending = plan.Enriched.Where(e => cursor is null || string.CompareOrdinal(e.Position.Padded, cursor) > 0).OrderBy(e => e.Position).ToArray();
        if (pending.Length == 0) return true;
        try
        {
            await enriched.SendAsync(pending.Select(p => p.Json).ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            fail(pending.Select(p => p.Index), "enriched", ex);
            return false;
        }

        // The records are in the zone: if the cursor cannot be moved, the batch's retry sends them again and the zone
        // holds them twice until compaction. A store that is restarting answers again within seconds (the chaos demo
        // found this window with DynamoDB killed between the two writes), so the cursor write is retried for a while.
        // Real time, not the clock: this waits on a store, and a test's fake clock would never let it end.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.SetEnrichedCursorAsync(shard, pending[^1].Position.Padded, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Giving up does not fail the records (that would send them again): the state writes still go ahead,
                // and if they fail too, the retry resends these records and compaction keeps one copy per event id.
                if (attempt >= options.CursorWriteAttempts) break;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * Math.Pow(2, attempt - 1))), cancellationToken).ConfigureAwait(false);
            }
        }

        return true;
    }

    /// <summary>
    /// One write per entity. A subject's sessionizer state goes last, and only when the profiles its events feed are
    /// written: a committed subject marks its events as applied, and its profiles must then hold them too.
    /// </summary>
    private async Task WriteEntitiesAsync(BatchPlan plan, Action<IEnumerable<int>, string, Exception> fail, CancellationToken cancellationToken)
    {
        var profileFailed = new HashSet<string>(StringComparer.Ordinal);
        var jobs = new List<(string What, IReadOnlyList<int> Members, Func<CancellationToken, Task> Write)>();
        jobs.AddRange(plan.Links.Select(l => ("identity", l.Members, (Func<CancellationToken, Task>)(ct => store.SaveIdentityLinkAsync(l.Item, ct)))));
        jobs.AddRange(plan.Profiles.Select(p => ("profile", p.Members, (Func<CancellationToken, Task>)(async ct =>
        {
            try
            {
                await store.SaveProfileAsync(p.Item, ct).ConfigureAwait(false);
            }
            catch
            {
                lock (profileFailed) profileFailed.Add(p.Item.UserId);
                throw;
            }
        }))));
        jobs.AddRange(plan.Orders.Select(o => ("order", o.Members, (Func<CancellationToken, Task>)(ct => store.SaveOrderAsync(o.Item, ct)))));
        jobs.AddRange(plan.ProductStats.Select(p => ("product-stats", p.Members, (Func<CancellationToken, Task>)(ct => store.AddProductStatsAsync(p.Item.Sku, plan.Realtime.ShardId, p.Item.Deltas, ct)))));
        await RunAsync(jobs, fail, cancellationToken).ConfigureAwait(false);

        var byIndex = plan.Events.ToDictionary(e => e.Index);
        var subjects = new List<(string What, IReadOnlyList<int> Members, Func<CancellationToken, Task> Write)>();
        foreach (var s in plan.Subjects)
        {
            if (s.Members.Select(m => byIndex[m].ResolvedUser).FirstOrDefault(u => u is not null && profileFailed.Contains(u)) is { } user)
            {
                fail(s.Members, "session", new InvalidOperationException($"held back: the profile of {user} was not written"));
                continue;
            }

            subjects.Add(("session", s.Members, ct => store.SaveSubjectAsync(s.Item, ct)));
        }

        await RunAsync(subjects, fail, cancellationToken).ConfigureAwait(false);
    }

    private async Task RunAsync(List<(string What, IReadOnlyList<int> Members, Func<CancellationToken, Task> Write)> jobs, Action<IEnumerable<int>, string, Exception> fail, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = options.WriteConcurrency, CancellationToken = cancellationToken }, async (job, ct) =>
        {
            try
            {
                await job.Write(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                fail(job.Members, job.What, ex);
            }
        }).ConfigureAwait(false);

    private static async Task<T> TimedResult<T>(string name, Dictionary<string, double> timings, Func<Task<T>> action)
    {
        var watch = Stopwatch.StartNew();
        var result = await action().ConfigureAwait(false);
        lock (timings) timings[name] = watch.Elapsed.TotalMilliseconds;
        return result;
    }

    private static async Task Timed(string name, Dictionary<string, double> timings, Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action().ConfigureAwait(false);
        lock (timings) timings[name] = watch.Elapsed.TotalMilliseconds;
    }
}
