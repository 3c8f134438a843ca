using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Ingest;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>
/// The API's writer to the events stream. Concurrent requests are group-committed: while PutRecords calls are in
/// flight, the events of newly arriving requests queue up and go out together in the next call (at most 500 records
/// or 5 MiB, split further by <see cref="KinesisClient"/>), so ten-event requests cost the stream what 500-record calls
/// cost. A lone request is sent at once (no linger). Each request learns only its own records' outcome; records
/// Kinesis reports failed are resent within a bounded retry budget, so a request answers 503 rather than hang.
/// </summary>
public sealed class KinesisEventStreamWriter(KinesisClient kinesis, string streamName, RetryPolicy? retry = null, int maxCallsInFlight = 2) : IEventStreamWriter
{
    /// <summary>About a second of resending before the API gives up with 503.</summary>
    public static readonly RetryPolicy RequestBudget = new(5, TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(400));

    private readonly Queue<Pending> _queue = new();
    private readonly Lock _lock = new();
    private int _inFlight;

    /// <summary>Calls made so far, and the records they carried (for benchmarks and metrics).</summary>
    public (long Calls, long Records) Sent => (Interlocked.Read(ref _calls), Interlocked.Read(ref _records));

    private long _calls;
    private long _records;

    public Task<StreamWriteResult> WriteAsync(IReadOnlyList<AcceptedEvent> events, CancellationToken cancellationToken)
    {
        var pending = new Pending(events);
        lock (_lock) _queue.Enqueue(pending);
        Pump();
        // A request that goes away does not withdraw its records: they may already be in a call. Its retry is safe,
        // because StreamProcessor drops a repeated event id.
        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Starts a sender when one is free; a busy sender picks the queue up when its call returns.</summary>
    private void Pump()
    {
        while (true)
        {
            lock (_lock)
            {
                if (_queue.Count == 0) return;
            }

            var n = Volatile.Read(ref _inFlight);
            if (n >= maxCallsInFlight) return;
            if (Interlocked.CompareExchange(ref _inFlight, n + 1, n) != n) continue;
            _ = Task.Run(SendLoopAsync);
            return;
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            while (Take() is { Count: > 0 } batch)
            {
                await SendAsync(batch).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        Pump();
    }

    /// <summary>Whole requests, oldest first, up to one PutRecords call's worth of records.</summary>
    private List<Pending> Take()
    {
        var batch = new List<Pending>();
        long records = 0, bytes = 0;
        lock (_lock)
        {
            while (_queue.TryPeek(out var next))
            {
                if (batch.Count > 0 && (records + next.Events.Count > KinesisClient.Limits.MaxRecords || bytes + next.Bytes > KinesisClient.Limits.MaxBytesPerCall)) break;
                batch.Add(_queue.Dequeue());
                records += next.Events.Count;
                bytes += next.Bytes;
            }
        }

        return batch;
    }

    private async Task SendAsync(List<Pending> batch)
    {
        var entries = batch.SelectMany(p => p.Events).Select(e => new PutRecordsRequestEntry(e.Record, e.PartitionKey)).ToArray();
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _records, entries.Length);
        BatchPutResult result;
        try
        {
            result = await kinesis.PutRecordsAsync(streamName, entries, CancellationToken.None, retry ?? RequestBudget).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AwsServiceException or HttpRequestException or TaskCanceledException or IOException)
        {
            var code = ex is AwsServiceException aws ? aws.ErrorCode : "Unavailable";
            foreach (var p in batch) p.Completion.TrySetResult(new StreamWriteResult(0, Enumerable.Range(0, p.Events.Count).ToArray(), code));
            return;
        }
        catch (Exception ex)
        {
            foreach (var p in batch) p.Completion.TrySetException(ex);
            return;
        }

        var failed = result.Failures.ToDictionary(f => f.Index);
        var offset = 0;
        foreach (var p in batch)
        {
            var mine = Enumerable.Range(0, p.Events.Count).Where(i => failed.ContainsKey(offset + i)).ToArray();
            var code = mine.Length > 0 ? failed[offset + mine[0]].ErrorCode : null;
            p.Completion.TrySetResult(new StreamWriteResult(p.Events.Count - mine.Length, mine, code));
            offset += p.Events.Count;
        }
    }

    private sealed class Pending(IReadOnlyList<AcceptedEvent> events)
    {
        public IReadOnlyList<AcceptedEvent> Events { get; } = events;

        public long Bytes { get; } = events.Sum(e => (long)e.Record.Length + e.PartitionKey.Length);

        public TaskCompletionSource<StreamWriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
