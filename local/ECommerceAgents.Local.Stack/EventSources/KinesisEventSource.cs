using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Runtime;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>The settings of Lambda's Kinesis event source mapping that the local poller honours.</summary>
public sealed record KinesisEventSourceOptions
{
    public int BatchSize { get; init; } = 100;

    public TimeSpan MaximumBatchingWindow { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>-1 retries until the records expire, as in AWS.</summary>
    public int MaximumRetryAttempts { get; init; } = 10;

    public TimeSpan? MaximumRecordAge { get; init; }

    public bool BisectBatchOnFunctionError { get; init; } = true;

    public bool ReportBatchItemFailures { get; init; } = true;

    public string StartingPosition { get; init; } = "TRIM_HORIZON";

    /// <summary>The bucket of the S3 on-failure destination, which receives the whole failed batch.</summary>
    public string? OnFailureBucket { get; init; }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaximumRetryBackoff { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan InvocationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public string? CheckpointFile { get; init; }
}

/// <summary>Counters of what the poller did, for tests and the demo report.</summary>
public sealed class KinesisEventSourceStats
{
    private long _invocations, _records, _redelivered, _functionErrors, _partialFailures, _bisections, _retries, _sentToOnFailure;

    public long Invocations => Interlocked.Read(ref _invocations);

    public long RecordsDelivered => Interlocked.Read(ref _records);

    /// <summary>Records delivered again after a failed or bisected invocation (each time counted).</summary>
    public long RecordsRedelivered => Interlocked.Read(ref _redelivered);

    public long FunctionErrors => Interlocked.Read(ref _functionErrors);

    public long PartialFailures => Interlocked.Read(ref _partialFailures);

    public long Bisections => Interlocked.Read(ref _bisections);

    public long Retries => Interlocked.Read(ref _retries);

    public long RecordsSentToOnFailure => Interlocked.Read(ref _sentToOnFailure);

    internal void Invoked(int records, bool redelivery)
    {
        Interlocked.Increment(ref _invocations);
        Interlocked.Add(ref _records, records);
        if (redelivery) Interlocked.Add(ref _redelivered, records);
    }

    internal void FunctionError() => Interlocked.Increment(ref _functionErrors);

    internal void PartialFailure() => Interlocked.Increment(ref _partialFailures);

    internal void Bisected() => Interlocked.Increment(ref _bisections);

    internal void Retried() => Interlocked.Increment(ref _retries);

    internal void SentToOnFailure(int records) => Interlocked.Add(ref _sentToOnFailure, records);
}

/// <summary>
/// Plays Lambda's Kinesis event source mapping on one machine: per shard, in order, batches of up to BatchSize
/// records gathered within the batching window, delivered as Lambda-shaped Kinesis events. A partial batch response
/// checkpoints before the lowest failed sequence number and retries from there; a function error bisects the batch
/// (without using up retries) and retries it; when retries or record age run out, the whole batch goes to the S3
/// on-failure destination in Lambda's format and processing moves on.
/// </summary>
public sealed class KinesisEventSource(
    KinesisClient kinesis,
    string streamName,
    string streamArn,
    IFunctionHandler function,
    KinesisEventSourceOptions options,
    IAmazonS3? s3 = null,
    JsonLog? log = null,
    string region = "us-east-1")
{
    private readonly string _mappingId = Guid.NewGuid().ToString();
    private readonly CheckpointFile _checkpoints = new(options.CheckpointFile);
    private readonly Dictionary<string, ShardState> _shards = new(StringComparer.Ordinal);
    private readonly JsonLog _log = log ?? new JsonLog("kinesis-event-source", TextWriter.Null);

    public KinesisEventSourceStats Stats { get; } = new();

    public string FunctionName => function.Name;

    /// <summary>Polls every shard until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var shards = await kinesis.ListShardsAsync(streamName, cancellationToken).ConfigureAwait(false);
        var loops = shards.Select(s =>
        {
            var state = new ShardState(new ShardReader(kinesis, streamName, s.ShardId, options.StartingPosition, _checkpoints.Get(s.ShardId)));
            lock (_shards) _shards[s.ShardId] = state;
            return ShardLoopAsync(state, cancellationToken);
        }).ToArray();
        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    /// <summary>Waits until every shard has delivered everything written to it before this call.</summary>
    public async Task WaitUntilCaughtUpAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var asked = DateTime.UtcNow;
        var deadline = asked + timeout;
        while (true)
        {
            ShardState[] shards;
            lock (_shards) shards = [.. _shards.Values];
            if (shards.Length > 0 && shards.All(s => s.IdleSince > asked)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The {FunctionName} event source did not catch up within {timeout.TotalSeconds:0} s.");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ShardLoopAsync(ShardState shard, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var batch = await GatherBatchAsync(shard, cancellationToken).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    shard.IdleSince = DateTime.UtcNow;
                    await Task.Delay(options.PollInterval, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await DeliverAsync(shard.Reader.ShardId, batch, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The stream or the destination is unreachable: keep the position and try again, as the service does.
                _log.Warn("event source poll failed", ("function", FunctionName), ("shard", shard.Reader.ShardId), ("error", ex));
                shard.Reader.Rewind(_checkpoints.Get(shard.Reader.ShardId));
                shard.Buffer.Clear();
                await Task.Delay(options.MaximumRetryBackoff, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<List<StreamRecord>> GatherBatchAsync(ShardState shard, CancellationToken cancellationToken)
    {
        var firstSeen = shard.Buffer.Count > 0 ? DateTime.UtcNow : (DateTime?)null;
        while (shard.Buffer.Count < options.BatchSize)
        {
            var read = await shard.Reader.ReadAsync(Math.Min(10_000, options.BatchSize - shard.Buffer.Count), cancellationToken).ConfigureAwait(false);
            shard.Buffer.AddRange(read);
            if (shard.Buffer.Count == 0) return [];
            firstSeen ??= DateTime.UtcNow;
            if (DateTime.UtcNow - firstSeen >= options.MaximumBatchingWindow || shard.Reader.Closed) break;
            if (read.Count == 0) await Task.Delay(Min(options.PollInterval, options.MaximumBatchingWindow), cancellationToken).ConfigureAwait(false);
        }

        var take = Math.Min(options.BatchSize, shard.Buffer.Count);
        var batch = shard.Buffer.GetRange(0, take);
        shard.Buffer.RemoveRange(0, take);
        return batch;
    }

    /// <summary>Delivers one batch with retry, bisection and the on-failure destination; returns once every record is done.</summary>
    private async Task DeliverAsync(string shardId, List<StreamRecord> batch, CancellationToken cancellationToken)
    {
        // Every record of a retried or bisected part was delivered before.
        var work = new Stack<(List<StreamRecord> Records, int Attempt, bool Redelivery)>();
        work.Push((batch, 0, false));
        while (work.Count > 0)
        {
            var (records, attempt, redelivery) = work.Pop();
            if (attempt > 0)
            {
                Stats.Retried();
                await Task.Delay(Min(options.MaximumRetryBackoff, options.RetryBackoff * Math.Pow(2, Math.Min(attempt - 1, 10))), cancellationToken).ConfigureAwait(false);
            }

            if (options.MaximumRecordAge is { } age && DateTimeOffset.UtcNow - Arrival(records[0]) > age)
            {
                await SendToOnFailureAsync(shardId, records, "RecordAgeExceeded", attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var outcome = await InvokeAsync(shardId, records, redelivery, cancellationToken).ConfigureAwait(false);
            if (outcome.FailedFrom is null)
            {
                Checkpoint(shardId, records[^1]);
                continue;
            }

            var failedFrom = outcome.FailedFrom.Value;
            if (failedFrom > 0)
            {
                Checkpoint(shardId, records[failedFrom - 1]);
            }

            var remaining = records.GetRange(failedFrom, records.Count - failedFrom);
            if (outcome.FunctionError && options.BisectBatchOnFunctionError && remaining.Count > 1)
            {
                // Splitting does not use up the retry quota. The second half is pushed first so the first runs first.
                Stats.Bisected();
                var half = remaining.Count / 2;
                work.Push((remaining.GetRange(half, remaining.Count - half), attempt, true));
                work.Push((remaining.GetRange(0, half), attempt, true));
                continue;
            }

            if (options.MaximumRetryAttempts >= 0 && attempt >= options.MaximumRetryAttempts)
            {
                await SendToOnFailureAsync(shardId, remaining, "RetryAttemptsExhausted", attempt + 1, cancellationToken).ConfigureAwait(false);
                continue;
            }

            work.Push((remaining, attempt + 1, true));
        }
    }

    private readonly record struct Outcome(int? FailedFrom, bool FunctionError);

    private async Task<Outcome> InvokeAsync(string shardId, List<StreamRecord> records, bool redelivery, CancellationToken cancellationToken)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(ToEvent(shardId, records), LambdaEventsJsonContext.Default.KinesisEvent);
        Stats.Invoked(records.Count, redelivery);
        byte[] response;
        try
        {
            response = await function.InvokeAsync(payload, LambdaInvocation.Local(options.InvocationTimeout), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            Stats.FunctionError();
            _log.Warn("function error", ("function", FunctionName), ("shard", shardId), ("records", records.Count), ("error", ex));
            return new Outcome(0, FunctionError: true);
        }

        if (!options.ReportBatchItemFailures || response.Length == 0)
        {
            return new Outcome(null, false);
        }

        StreamsEventResponse? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(response, LambdaEventsJsonContext.Default.StreamsEventResponse);
        }
        catch (JsonException)
        {
            // An unreadable response is a complete failure.
            Stats.PartialFailure();
            return new Outcome(0, false);
        }

        if (parsed?.BatchItemFailures is not { Count: > 0 } failures)
        {
            return new Outcome(null, false);
        }

        Stats.PartialFailure();
        var lowest = int.MaxValue;
        foreach (var failure in failures)
        {
            var index = string.IsNullOrEmpty(failure.ItemIdentifier) ? -1 : records.FindIndex(r => r.SequenceNumber == failure.ItemIdentifier);
            if (index < 0)
            {
                // An empty, null or unknown identifier fails the whole batch.
                return new Outcome(0, false);
            }

            lowest = Math.Min(lowest, index);
        }

        return new Outcome(lowest, false);
    }

    private KinesisEvent ToEvent(string shardId, List<StreamRecord> records) => new()
    {
        Records = records.Select(r => new KinesisEventRecord
        {
            Kinesis = new KinesisRecord
            {
                PartitionKey = r.PartitionKey,
                SequenceNumber = r.SequenceNumber,
                Data = KinesisRecord.Encode(r.Data),
                ApproximateArrivalTimestamp = r.ApproximateArrivalTimestamp,
            },
            EventId = $"{shardId}:{r.SequenceNumber}",
            InvokeIdentityArn = "arn:aws:iam::000000000000:role/local-event-source",
            AwsRegion = region,
            EventSourceArn = streamArn,
        }).ToArray(),
    };

    /// <summary>Writes the whole batch to S3 in the on-failure record format, retrying until it is stored: nothing is dropped silently.</summary>
    private async Task SendToOnFailureAsync(string shardId, List<StreamRecord> records, string condition, int invokeCount, CancellationToken cancellationToken)
    {
        Stats.SentToOnFailure(records.Count);
        _log.Error("records sent to the on-failure destination", ("function", FunctionName), ("shard", shardId), ("records", records.Count), ("condition", condition));
        if (options.OnFailureBucket is { } bucket && s3 is not null)
        {
            var now = DateTimeOffset.UtcNow;
            var record = new OnFailureRecord
            {
                RequestContext = new OnFailureRequestContext(Guid.NewGuid().ToString(), $"arn:aws:lambda:{region}:000000000000:function:{FunctionName}", condition, invokeCount),
                ResponseContext = new OnFailureResponseContext(200, "$LATEST", "Unhandled"),
                Timestamp = now,
                KinesisBatchInfo = new KinesisBatchInfo(
                    shardId, records[0].SequenceNumber, records[^1].SequenceNumber,
                    Arrival(records[0]), Arrival(records[^1]), records.Count, streamArn),
                Payload = JsonSerializer.Serialize(ToEvent(shardId, records), LambdaEventsJsonContext.Default.KinesisEvent),
            };
            var key = $"{ZoneLayout.FailedBatches}{_mappingId}/{shardId}/{now:yyyy}/{now:MM}/{now:dd}/{now:yyyy-MM-ddTHH.mm.ss}-{Guid.NewGuid()}";
            var body = JsonSerializer.Serialize(record, EventSourceJsonContext.Default.OnFailureRecord);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = body, ContentType = "application/json" }, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _log.Warn("on-failure destination write failed; retrying", ("attempt", attempt), ("error", ex));
                    await Task.Delay(Min(options.MaximumRetryBackoff, options.RetryBackoff * attempt), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        Checkpoint(shardId, records[^1]);
    }

    private void Checkpoint(string shardId, StreamRecord record) => _checkpoints.Set(shardId, record.SequenceNumber);

    private static DateTimeOffset Arrival(StreamRecord r) => DateTimeOffset.FromUnixTimeMilliseconds((long)(r.ApproximateArrivalTimestamp * 1000));

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed class ShardState(ShardReader reader)
    {
        public ShardReader Reader { get; } = reader;

        public List<StreamRecord> Buffer { get; } = [];

        public DateTime IdleSince { get; set; } = DateTime.MinValue;
    }
}
