using System.Diagnostics;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// Writes a micro-batch's real-time work. The real-time store is a cache of what the durable stores hold, so its
/// failure does not fail the records: the work goes to the journal and the shard is marked stale. While a shard is
/// stale, its next micro-batch first replays the journal in stream order (the counting watermarks then skip anything
/// replayed, so work deferred and later redelivered counts once), then applies its own work and clears the mark. Only
/// when the journal or the mark cannot be written do the records fail, so that nothing is lost.
/// </summary>
internal sealed class RealtimeWriter(IRealtimeProjection realtime, IRealtimeJournal journal, IStreamStateStore store)
{
    private readonly RealtimeRecovery _recovery = new(realtime, journal);

    /// <summary>Returns whether the store is stale after this micro-batch.</summary>
    public async Task<bool> WriteAsync(StreamPlan plan, DateTimeOffset? staleSince, DateTimeOffset now, WriteResult result, CancellationToken cancellationToken)
    {
        var work = plan.Realtime;
        if (work.IsEmpty && staleSince is null) return false;
        var watch = Stopwatch.StartNew();
        try
        {
            try
            {
                if (staleSince is not null) await _recovery.ReplayAsync(work.ShardId, cancellationToken).ConfigureAwait(false);
                if (!work.IsEmpty) await realtime.ApplyAsync(work, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result.Warn("realtime: " + ex.Message);
                await DeferAsync(plan, staleSince, now, result, cancellationToken).ConfigureAwait(false);
                return true;
            }

            return staleSince is { } since && !await ClearStaleAsync(work.ShardId, since, result, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            result.Time("redis", watch.Elapsed.TotalMilliseconds);
        }
    }

    private async Task DeferAsync(StreamPlan plan, DateTimeOffset? staleSince, DateTimeOffset now, WriteResult result, CancellationToken cancellationToken)
    {
        try
        {
            if (!plan.Realtime.IsEmpty) await journal.DeferAsync(plan.Realtime, cancellationToken).ConfigureAwait(false);
            if (staleSince is null) await store.MarkRealtimeStaleAsync(plan.Realtime.ShardId, now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result.Fail(plan.Events.Select(e => e.Index), "realtime journal", ex);
        }
    }

    /// <summary>Clears the stale mark set at <paramref name="since"/>; false when it stays (the next micro-batch replays an empty journal and clears it then).</summary>
    private async Task<bool> ClearStaleAsync(string shard, DateTimeOffset since, WriteResult result, CancellationToken cancellationToken)
    {
        try
        {
            await store.ClearRealtimeStaleAsync(shard, since, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result.Warn("realtime stale mark: " + ex.Message);
            return false;
        }
    }
}
