using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Runtime;

namespace ECommerceAgents.Local.Stack.EventSources;

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
    private readonly Dictionary<string, ShardFeed> _shards = new(StringComparer.Ordinal);
    private readonly List<Task> _loops = [];
    private readonly JsonLog _log = log ?? new JsonLog("kinesis-event-source", TextWriter.Null);
    private CancellationToken? _running;
    private DateTime _listedAt = DateTime.MinValue;

    public KinesisEventSourceStats Stats { get; } = new();

    public string FunctionName => function.Name;

    /// <summary>
    /// Polls every shard until cancelled, each in parallel with the others and one batch at a time. The shard list is
    /// read again every <see cref="KinesisEventSourceOptions.ShardDiscoveryInterval"/>: a shard made by a split or a
    /// merge is read from its start once its parents are finished, so a partition key's records stay in order across
    /// a reshard; a closed shard ends once its last record is delivered.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _running = cancellationToken;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await DiscoverAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    _log.Warn("event source could not list the shards; retrying", ("function", FunctionName), ("stream", streamName), ("error", ex));
                }

                await Task.Delay(options.ShardDiscoveryInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            Task[] loops;
            lock (_shards) loops = [.. _loops];
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until every shard has delivered everything written to it before this call.</summary>
    public async Task WaitUntilCaughtUpAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var asked = DateTime.UtcNow;
        var deadline = asked + timeout;
        while (true)
        {
            // A shard that a split or merge made before this call must be known too.
            if (_running is { } running && ListedAt <= asked)
            {
                try
                {
                    await DiscoverAsync(running).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    _log.Warn("event source could not list the shards; retrying", ("function", FunctionName), ("error", ex));
                }
            }

            ShardFeed[] shards;
            lock (_shards) shards = [.. _shards.Values];
            if (shards.Length > 0 && ListedAt > asked && shards.All(s => s.CaughtUpSince(asked))) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The {FunctionName} event source did not catch up within {timeout.TotalSeconds:0} s.");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private DateTime ListedAt
    {
        get
        {
            lock (_shards) return _listedAt;
        }
    }

    /// <summary>Lists the shards and starts a loop for each one not seen before (two listings at once add each shard once).</summary>
    private async Task DiscoverAsync(CancellationToken running)
    {
        var started = DateTime.UtcNow;
        var listed = await kinesis.ListShardsAsync(streamName, running).ConfigureAwait(false);
        var ids = listed.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        lock (_shards)
        {
            // Shards found after the first listing were made by a reshard: read from their start, whatever the mapping's start.
            var position = _listedAt == DateTime.MinValue ? options.StartingPosition : "TRIM_HORIZON";
            var added = new List<ShardFeed>();
            foreach (var shard in listed.Where(s => !_shards.ContainsKey(s.ShardId)))
            {
                // A parent no longer listed has expired with its records: nothing to wait for.
                string[] parents = [.. new[] { shard.ParentShardId, shard.AdjacentParentShardId }.OfType<string>().Where(p => ids.Contains(p) || _shards.ContainsKey(p))];
                var feed = new ShardFeed(new ShardReader(kinesis, streamName, shard.ShardId, position, _checkpoints.Get(shard.ShardId)), parents, 2 * options.BatchSize);
                _shards[shard.ShardId] = feed;
                added.Add(feed);
            }

            foreach (var feed in added) _loops.Add(ShardLoopAsync(feed, running));
            if (started > _listedAt) _listedAt = started;
        }
    }

    private async Task ShardLoopAsync(ShardFeed shard, CancellationToken cancellationToken)
    {
        try
        {
            ShardFeed[] parents;
            lock (_shards) parents = [.. shard.Parents.Select(p => _shards[p])];
            foreach (var parent in parents) await parent.Finished.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            var reading = shard.ReadAheadAsync(options, _log, cancellationToken);
            await DeliverUntilClosedAsync(shard, cancellationToken).ConfigureAwait(false);
            shard.Finished.TrySetResult();
            await reading.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverUntilClosedAsync(ShardFeed shard, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var batch = await shard.NextBatchAsync(options.BatchSize, options.MaximumBatchingWindow, options.PollInterval, cancellationToken).ConfigureAwait(false);
                if (batch is null) return;
                await DeliverAsync(shard.ShardId, batch, cancellationToken).ConfigureAwait(false);
                shard.Delivered();
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // The destination is unreachable: keep the position and try again, as the service does.
                _log.Warn("event source delivery failed", ("function", FunctionName), ("shard", shard.ShardId), ("error", ex));
                shard.Rewind(_checkpoints.Get(shard.ShardId));
                await Task.Delay(options.MaximumRetryBackoff, cancellationToken).ConfigureAwait(false);
            }
        }
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
}
