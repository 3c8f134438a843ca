using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>
/// The API's writer to the events stream. Concurrent requests are group-committed: while PutRecords calls are in
/// flight, the events of newly arriving requests queue up and go out together in the next call (at most 500 records
/// or 5 MiB, split further by <see cref="KinesisClient"/>), so ten-event requests cost the stream what 500-record calls
/// cost. A lone request is sent at once (no linger). Within a request, the events that share a partition key travel
/// as one newline-delimited record (<see cref="StreamInput.Pack"/>). Each request learns only its own events' outcome; records
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
        var entries = new List<PutRecordsRequestEntry>();
        var owners = new List<(Pending Request, int[] Events)>();
        foreach (var p in batch)
        {
            foreach (var record in StreamInput.Pack(p.Events, MaxPackedBytes))
            {
                entries.Add(new PutRecordsRequestEntry(record.Data, p.Events[record.Events[0]].PartitionKey));
                owners.Add((p, record.Events));
            }
        }

        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _records, entries.Count);
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

        // A record that failed fails every event it carries; each request learns its own events' indexes.
        var failed = new Dictionary<Pending, (List<int> Events, string? Code)>();
        foreach (var f in result.Failures)
        {
            var (request, events) = owners[f.Index];
            if (!failed.TryGetValue(request, out var mine)) failed[request] = mine = ([], f.ErrorCode);
            mine.Events.AddRange(events);
        }

        foreach (var p in batch)
        {
            var mine = failed.TryGetValue(p, out var f) ? f.Events.Order().ToArray() : [];
            p.Completion.TrySetResult(new StreamWriteResult(p.Events.Count - mine.Length, mine, mine.Length > 0 ? f.Code : null));
        }
    }

    /// <summary>
    /// The most bytes of events packed into one record: one 25 KB PUT payload unit of a provisioned stream. Kinesis
    /// bills on-demand records in 1 KB steps and the raw archive's Firehose reads each in 5 KB steps, so ten 1 KB events
    /// in one record cost a fifth of what ten records cost there.
    /// </summary>
    public const int MaxPackedBytes = 25 * 1024;

    private sealed class Pending(IReadOnlyList<AcceptedEvent> events)
    {
        public IReadOnlyList<AcceptedEvent> Events { get; } = events;

        public long Bytes { get; } = events.Sum(e => (long)e.Record.Length + e.PartitionKey.Length);

        public TaskCompletionSource<StreamWriteResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
