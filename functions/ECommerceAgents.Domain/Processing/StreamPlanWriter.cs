using System.Diagnostics;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// Writes a <see cref="StreamPlan"/>: the enriched zone (past the shard's cursor) before any state, then the cursor
/// and one write per DynamoDB entity (subjects after the profiles they feed); the quarantine (one object per reason and
/// arrival hour) and the real-time store alongside; last the event-id markers (<see cref="IDedupWindow"/>). Each failure fails only the records its write
/// carries. The writes overlap as far as their order allows: in AWS each is a network round trip, and a shard's
/// micro-batch must be written faster than the shard fills.
/// </summary>
internal sealed class StreamPlanWriter(
    IStreamStateStore store,
    IDedupWindow dedup,
    IEnrichedSink enriched,
    IQuarantine quarantine,
    RealtimeWriter realtime,
    ProcessorOptions options,
    TimeProvider clock)
{
    private delegate Task Write(CancellationToken cancellationToken);

    /// <param name="inputs">The micro-batch's records.</param>
    /// <param name="rejected">The rejected records, by index in <paramref name="inputs"/>.</param>
    /// <param name="now">The time of the micro-batch's processing (the quarantine's and the markers' clock).</param>
    public async Task<WriteResult> WriteAsync(IReadOnlyList<StreamInput> inputs, IReadOnlyList<(int Index, RejectedEvent Rejection)> rejected, StreamPlan plan,
        StateSnapshot snapshot, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var result = new WriteResult(inputs.Count);
        var shard = plan.Realtime.ShardId;

        // Enriched records first: they are computed from the state as read, and nothing of the micro-batch is committed
        // until they are in the zone, so a retry recomputes exactly what was sent (session ids, intent at each event).
        // The quarantine and real time do not wait: real time counts each contribution once by its own watermarks,
        // whatever else fails. Only the markers wait for everything.
        var quarantined = TimedAsync(result, "s3.quarantine", ct => WriteQuarantineAsync(inputs, rejected, now, result, ct), cancellationToken);
        var realtimeStale = realtime.WriteAsync(plan, snapshot.RealtimeStaleSince, now, result, cancellationToken);
        var sentUpTo = await WriteEnrichedAsync(plan, snapshot.EnrichedCursor, result, cancellationToken).ConfigureAwait(false);
        if (sentUpTo is { } position)
        {
            var cursor = position.Length == 0 ? Task.CompletedTask : TimedAsync(result, "dynamodb.cursor", ct => MoveCursorAsync(shard, position, ct), cancellationToken);
            await TimedAsync(result, "dynamodb.write", ct => WriteEntitiesAsync(plan, result, ct), cancellationToken).ConfigureAwait(false);
            await cursor.ConfigureAwait(false);
        }
        else
        {
            result.HoldBack(Indexes(plan.Events), "state", "held back: the enriched records were not sent");
        }

        await quarantined.ConfigureAwait(false);
        result.RealtimeStale = await realtimeStale.ConfigureAwait(false);
        await WriteMarkersAsync(plan, snapshot, now, result, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static IEnumerable<int> Indexes(IReadOnlyList<PlannedEvent> events) => events.Select(e => e.Index);

    private async Task WriteQuarantineAsync(IReadOnlyList<StreamInput> inputs, IReadOnlyList<(int Index, RejectedEvent Rejection)> rejected, DateTimeOffset now, WriteResult result, CancellationToken cancellationToken)
    {
        // One object per reason and arrival hour (the quarantine's key layout), its records in stream order.
        var groups = rejected
            .Select(r => (r.Index, Entry: new QuarantineEntry(r.Rejection, inputs[r.Index], now, options.PipelineVersion, "stream")))
            .GroupBy(e => (e.Entry.Reason, Hour: e.Entry.ArrivalTime.UtcTicks / TimeSpan.TicksPerHour))
            .Select(g => g.OrderBy(e => e.Entry.Position).ToArray())
            .ToArray();
        await Parallel.ForEachAsync(groups, new ParallelOptions { MaxDegreeOfParallelism = options.WriteConcurrency, CancellationToken = cancellationToken }, async (group, ct) =>
        {
            try
            {
                await quarantine.PutAsync([.. group.Select(e => e.Entry)], ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                result.Fail(group.Select(e => e.Index), "quarantine", ex);
            }
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends the records past the shard's cursor. Returns the padded position the cursor moves to (empty when nothing
    /// was pending), or null when they could not be sent.
    /// </summary>
    private async Task<string?> WriteEnrichedAsync(StreamPlan plan, string? cursor, WriteResult result, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            var pending = plan.Enriched.Where(e => cursor is null || string.CompareOrdinal(e.Position.Padded, cursor) > 0).OrderBy(e => e.Position).ToArray();
            if (pending.Length == 0) return string.Empty;
            try
            {
                await enriched.SendAsync(pending.Select(p => p.Json).ToArray(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result.Fail(pending.Select(p => p.Index), "enriched", ex);
                return null;
            }

            return pending[^1].Position.Padded;
        }
        finally
        {
            result.Time("firehose.enriched", watch.Elapsed.TotalMilliseconds);
        }
    }

    /// <summary>
    /// The records are in the zone: if the cursor cannot be moved, the retry sends them again and the zone holds them
    /// twice until compaction. A store that is restarting answers again within seconds (the chaos demo found this window
    /// with DynamoDB killed between the two writes), so the cursor write is retried for a while. Real time, not the
    /// clock: this waits on a store, and a test's fake clock would never let it end.
    /// </summary>
    private async Task MoveCursorAsync(string shard, string padded, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.SetEnrichedCursorAsync(shard, padded, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Giving up does not fail the records (that would send them again): the state writes still go ahead,
                // and if they fail too, the retry resends these records and compaction keeps one copy per event id.
                if (attempt >= options.CursorWriteAttempts) return;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * Math.Pow(2, attempt - 1))), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// One write per entity. A subject's sessionizer state goes after the profiles, and only when the profiles its
    /// events feed are written: a committed subject marks its events as applied, and its profiles must then hold them
    /// too. Identity links, orders and product counters go alongside.
    /// </summary>
    private async Task WriteEntitiesAsync(StreamPlan plan, WriteResult result, CancellationToken cancellationToken)
    {
        var others = new List<(string What, IReadOnlyList<int> Members, Write Write)>();
        others.AddRange(plan.Links.Select(l => ("identity", l.Members, (Write)(ct => store.SaveIdentityLinkAsync(l.Item, ct)))));
        others.AddRange(plan.Orders.Select(o => ("order", o.Members, (Write)(ct => store.SaveOrderAsync(o.Item, ct)))));
        others.AddRange(plan.SaleShareOptOuts.Select(c => ("consent", c.Members, (Write)(ct => store.RecordSaleShareOptOutAsync(c.Item.Subject, c.Item.UpdatedAt, ct)))));
        if (plan.ProductStats.Count > 0)
        {
            var products = plan.ProductStats.Select(p => p.Item).ToArray();
            var members = plan.ProductStats.SelectMany(p => p.Members).Distinct().ToArray();
            others.Add(("product-stats", members, ct => store.AddProductStatsAsync(plan.Realtime.ShardId, products, ct)));
        }

        // Only the sessions wait, and only for the profiles: the other entities keep their own watermarks.
        await Task.WhenAll(RunAsync(others, result, cancellationToken), ProfilesThenSubjectsAsync(plan, result, cancellationToken)).ConfigureAwait(false);
    }

    private async Task ProfilesThenSubjectsAsync(StreamPlan plan, WriteResult result, CancellationToken cancellationToken)
    {
        var profileFailed = new HashSet<string>(StringComparer.Ordinal);
        var profiles = plan.Profiles.Select(p => ("profile", p.Members, (Write)(async ct =>
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
        }))).ToList();
        await RunAsync(profiles, result, cancellationToken).ConfigureAwait(false);

        var byIndex = plan.Events.ToDictionary(e => e.Index);
        var subjects = new List<(string What, IReadOnlyList<int> Members, Write Write)>();
        foreach (var s in plan.Subjects)
        {
            if (s.Members.Select(m => byIndex[m].ResolvedUser).FirstOrDefault(u => u is not null && profileFailed.Contains(u)) is { } user)
            {
                result.HoldBack(s.Members, "session", $"held back: the profile of {user} was not written");
                continue;
            }

            subjects.Add(("session", s.Members, ct => store.SaveSubjectAsync(s.Item, ct)));
        }

        await RunAsync(subjects, result, cancellationToken).ConfigureAwait(false);
    }

    private async Task RunAsync(List<(string What, IReadOnlyList<int> Members, Write Write)> jobs, WriteResult result, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = options.WriteConcurrency, CancellationToken = cancellationToken }, async (job, ct) =>
        {
            try
            {
                await job.Write(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                result.Fail(job.Members, job.What, ex);
            }
        }).ConfigureAwait(false);

    /// <summary>Markers last, for the events whose effects are all written (a redelivered event already has its own).</summary>
    private async Task WriteMarkersAsync(StreamPlan plan, StateSnapshot snapshot, DateTimeOffset now, WriteResult result, CancellationToken cancellationToken)
    {
        var done = plan.Events.Where(e => !result.Failed(e.Index) && !snapshot.Markers.ContainsKey(e.Event.EventId)).ToArray();
        if (done.Length > 0)
        {
            var watch = Stopwatch.StartNew();
            var expires = now + options.DedupWindow;
            try
            {
                await dedup.RememberAsync(done.Select(e => new DedupMarker(e.Event.EventId, e.Position.ToString(), expires)).ToArray(), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result.Fail(done.Select(e => e.Index), "dedup markers", ex);
            }

            result.Time("redis.markers", watch.Elapsed.TotalMilliseconds);
        }

        result.AcknowledgedAt = clock.GetUtcNow();
        result.Acknowledged = done.Where(e => !result.Failed(e.Index)).ToArray();
        if (result.Acknowledged.Count == 0) result.AcknowledgedAt = null;
    }

    private static async Task TimedAsync(WriteResult result, string name, Write action, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        await action(cancellationToken).ConfigureAwait(false);
        result.Time(name, watch.Elapsed.TotalMilliseconds);
    }
}
