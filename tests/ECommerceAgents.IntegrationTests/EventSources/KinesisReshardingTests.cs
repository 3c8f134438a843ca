using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.IntegrationTests.StreamProcessor;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.IntegrationTests.EventSources;

/// <summary>
/// Resharding on kinesalite, over the wire, while records are being written and the local event source delivers them:
/// a 2-shard stream has shard 0 split in two, then the upper half merged with shard 1 (so the merged shard has a parent
/// that is itself a child). The event source must find the new shards, read a child only after every parent is fully
/// processed, end the closed shards, and deliver every record once; StreamProcessor's per-shard watermarks must keep
/// every store exact when a partition key moves from a parent to a child shard.
/// </summary>
public sealed class KinesisReshardingTests(RedeliveryBaseline baseline) : IClassFixture<RedeliveryBaseline>, IAsyncLifetime
{
    /// <summary>Half of shard 0's hash range when a 2-shard stream splits the 128-bit range evenly.</summary>
    private const string QuarterOfTheHashRange = "85070591730234615865843651857942052864";

    private LocalStack _stack = null!;
    private ResourceBindings _names = null!;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.GetAsync();
        _names = await TestStack.ResourcesForAsync(nameof(KinesisReshardingTests));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// 20 partition keys, 1,200 records in small puts, a split after a third and a merge after two thirds; the function
    /// fails part of every fifth batch, so records are redelivered across the reshard too. Every record is acknowledged
    /// exactly once, each key's records in the order written, and no record of a child shard reaches the function
    /// before the last record of each of its parents.
    /// </summary>
    [Fact]
    public async Task SplitAndMergeUnderLoad_EveryRecordOnce_ParentsBeforeChildren_KeysInOrder()
    {
        var stream = "reshard-" + Guid.NewGuid().ToString("N")[..10];
        await _stack.KinesisClient.CreateStreamAsync(stream, 2, CancellationToken.None);
        await WaitActiveAsync(stream);
        var function = new ShardRecordingFunction();
        var source = Source(stream, function, new KinesisEventSourceOptions { BatchSize = 40 });
        var records = Enumerable.Range(0, 1200).Select(i => (Key: "user-" + (i % 20), Data: $"user-{i % 20}:{i}")).ToArray();

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var run = source.RunAsync(cts.Token);
        await WriteWhileReshardingAsync(stream, records.Select(r => new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(r.Data), r.Key)).ToArray(), chunk: 20);
        await source.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(90), cts.Token);
        await cts.CancelAsync();
        await run;

        var shards = await _stack.KinesisClient.ListShardsAsync(stream, CancellationToken.None);
        Assert.Equal(5, shards.Count);
        var acknowledged = function.Acknowledged.ToArray();
        var counts = acknowledged.GroupBy(a => a.Data).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(records.Select(r => r.Data).Order(StringComparer.Ordinal), counts.Keys.Order(StringComparer.Ordinal));
        Assert.All(counts, c => Assert.True(c.Value == 1, $"{c.Key} acknowledged {c.Value} times"));
        Assert.True(function.Redelivered > 0, "some records were delivered again after a partial failure");
        foreach (var key in acknowledged.GroupBy(a => a.Data.Split(':')[0]))
        {
            var order = key.Select(a => int.Parse(a.Data.Split(':')[1], CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(order.Order(), order);
        }

        // The shards records went to: both parents of the merge, the split's children, and the merged shard.
        var used = acknowledged.Select(a => a.ShardId).ToHashSet(StringComparer.Ordinal);
        Assert.True(used.Count >= 4, "records in shards " + string.Join(", ", used));
        var deliveries = function.Deliveries.ToArray();
        foreach (var shard in shards)
        {
            foreach (var parent in new[] { shard.ParentShardId, shard.AdjacentParentShardId }.OfType<string>())
            {
                var lastOfParent = Array.FindLastIndex(deliveries, d => d.ShardId == parent);
                var firstOfChild = Array.FindIndex(deliveries, d => d.ShardId == shard.ShardId);
                Assert.True(firstOfChild < 0 || lastOfParent < firstOfChild, $"{shard.ShardId} delivered (#{firstOfChild}) before its parent {parent} was done (#{lastOfParent})");
            }
        }
    }

    /// <summary>
    /// The seeded 1,000-record workload through the real StreamProcessor while the stream is split and merged; every
    /// fourth invocation fails after the function has written (a timeout, say), so whole batches are delivered again,
    /// some of them across the reshard. The stores equal one clean delivery of the workload: the enriched zone holds
    /// each valid event once, the bot zone each bot event once, the quarantine each rejected record, every table as
    /// many items, and every product's counters (sums, so independent of how the keys were spread over shards) the
    /// same values.
    /// </summary>
    [Fact]
    public async Task SplitAndMergeUnderLoad_StreamProcessorStoresEqualOneCleanDelivery()
    {
        await using var harness = await PlatformHarness.StartAsync("reshard", _stack, Workload.Settings);
        var stream = harness.Names.Stream(Streams.Events);
        var inner = await StreamProcessorFunction.CreateAsync(harness.Environment, CancellationToken.None);
        var function = new FailingAfterwards(inner, n => n % 4 == 0);
        var source = new KinesisEventSource(_stack.KinesisClient, stream, "arn:aws:kinesis:us-east-1:000000000000:stream/" + stream, function,
            new KinesisEventSourceOptions
            {
                BatchSize = 50, MaximumBatchingWindow = TimeSpan.FromMilliseconds(50), RetryBackoff = TimeSpan.FromMilliseconds(5),
                OnFailureBucket = harness.Names.Bucket(Buckets.Quarantine), MaximumRetryAttempts = -1,
            },
            _stack.S3Client);
        var workload = baseline.Workload;

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var run = source.RunAsync(cts.Token);
        await WriteWhileReshardingAsync(stream, workload.Records.Select(r => new PutRecordsRequestEntry(r.Data, r.PartitionKey)).ToArray(), chunk: 25);
        await source.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(150), cts.Token);
        await cts.CancelAsync();
        await run;
        await harness.FlushAsync();

        Assert.Equal(5, (await _stack.KinesisClient.ListShardsAsync(stream, CancellationToken.None)).Count);
        Assert.True(source.Stats.FunctionErrors > 0 && source.Stats.RecordsRedelivered > 0, "batches were delivered again");
        Assert.Equal(0, source.Stats.RecordsSentToOnFailure);
        var enriched = await EventIdsAsync(harness, ZoneLayout.EnrichedEvents);
        Assert.True(enriched.Count == workload.ValidIds.Count && workload.ValidIds.SetEquals(enriched),
            $"enriched: {enriched.Count} lines, {enriched.Distinct().Count()} distinct, {workload.ValidIds.Count} valid; missing {string.Join(",", workload.ValidIds.Except(enriched).Take(5))}");
        var bots = await EventIdsAsync(harness, ZoneLayout.EnrichedBots);
        Assert.True(bots.Count == workload.BotIds.Count && workload.BotIds.SetEquals(bots), $"bots: {bots.Count} lines, {workload.BotIds.Count} expected");
        var checksum = await harness.ChecksumAsync();
        Assert.Equal(workload.Rejected, checksum.Count("s3:quarantine"));
        foreach (var table in Tables.All.Where(t => t != Tables.Watermarks))
        {
            Assert.True(baseline.Checksum.Count("dynamodb:" + table.Id) == checksum.Count("dynamodb:" + table.Id), $"{table.Id}: {checksum.Count("dynamodb:" + table.Id)} items, one clean delivery {baseline.Checksum.Count("dynamodb:" + table.Id)}");
        }

        // Each product's counters summed over its shards' items (parent and child shards alike): the clean delivery's.
        const string counters = "dynamodb:product-stats";
        Assert.True(baseline.Checksum.Count(counters) > 0);
        Assert.True(baseline.Checksum.Parts[counters] == checksum.Parts[counters], "product counters differ from one clean delivery:\n" + baseline.Checksum.Diff(checksum));
        await ((IAsyncDisposable)inner).DisposeAsync();
    }

    /// <summary>Writes the records in chunks; splits shard 0 after a third of them and merges its upper child with shard 1 after two thirds.</summary>
    private async Task WriteWhileReshardingAsync(string stream, PutRecordsRequestEntry[] records, int chunk)
    {
        var chunks = records.Chunk(chunk).ToArray();
        for (var i = 0; i < chunks.Length; i++)
        {
            if (i == chunks.Length / 3)
            {
                await CallAsync("SplitShard", new SplitShardRequest(stream, "shardId-000000000000", QuarterOfTheHashRange), ReshardJson.Default.SplitShardRequest);
                await WaitActiveAsync(stream);
            }
            else if (i == 2 * chunks.Length / 3)
            {
                // Shard 0's upper child (its third shard) and shard 1 are adjacent: the merged shard has two parents of different generations.
                await CallAsync("MergeShards", new MergeShardsRequest(stream, "shardId-000000000003", "shardId-000000000001"), ReshardJson.Default.MergeShardsRequest);
                await WaitActiveAsync(stream);
            }

            var put = await _stack.KinesisClient.PutRecordsAsync(stream, chunks[i], CancellationToken.None);
            Assert.True(put.AllSucceeded);
            await Task.Delay(15);
        }
    }

    private Task<EmptyResponse> CallAsync<T>(string operation, T request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        _stack.KinesisClient.Transport.CallAsync(operation, request, type, StreamsJsonContext.Default.EmptyResponse, CancellationToken.None);

    private async Task WaitActiveAsync(string stream)
    {
        while ((await _stack.KinesisClient.DescribeStreamSummaryAsync(stream, CancellationToken.None)).StreamStatus != "ACTIVE") await Task.Delay(20);
    }

    private KinesisEventSource Source(string stream, IFunctionHandler function, KinesisEventSourceOptions options) =>
        new(_stack.KinesisClient, stream, "arn:aws:kinesis:us-east-1:000000000000:stream/" + stream, function,
            options with
            {
                OnFailureBucket = _names.Bucket(Buckets.Quarantine),
                RetryBackoff = TimeSpan.FromMilliseconds(5),
                MaximumBatchingWindow = TimeSpan.FromMilliseconds(50),
                ShardDiscoveryInterval = TimeSpan.FromMilliseconds(200),
            },
            _stack.S3Client);

    private static async Task<List<string>> EventIdsAsync(PlatformHarness harness, string prefix) =>
        (await StoreChecksum.EnrichedLinesAsync(harness.Stack, harness.Names.Bucket(Buckets.Enriched), prefix)).Select(l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>()).ToList();

    /// <summary>
    /// Records what each invocation got, with its shard, and reports the record at a third of every fifth batch as
    /// failed: what precedes it is acknowledged, the rest is delivered again.
    /// </summary>
    private sealed class ShardRecordingFunction : IFunctionHandler
    {
        private int _invocations;
        private int _redelivered;

        public ConcurrentQueue<(string ShardId, string Data)> Acknowledged { get; } = new();

        /// <summary>Each invocation's shard, in the order the invocations started.</summary>
        public ConcurrentQueue<(string ShardId, int Invocation)> Deliveries { get; } = new();

        public int Redelivered => Volatile.Read(ref _redelivered);

        public string Name => "resharding";

        public Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken)
        {
            var evt = JsonSerializer.Deserialize(payload.Span, LambdaEventsJsonContext.Default.KinesisEvent)!;
            var number = Interlocked.Increment(ref _invocations);
            Deliveries.Enqueue((evt.Records[0].EventId.Split(':')[0], number));
            var failAt = number % 5 == 0 && evt.Records.Count > 2 ? evt.Records.Count / 3 : evt.Records.Count;
            for (var i = 0; i < failAt; i++)
            {
                Acknowledged.Enqueue((evt.Records[i].EventId.Split(':')[0], Encoding.UTF8.GetString(evt.Records[i].Kinesis.DecodeData())));
            }

            var response = StreamsEventResponse.Success;
            if (failAt < evt.Records.Count)
            {
                Interlocked.Add(ref _redelivered, evt.Records.Count - failAt);
                response = new StreamsEventResponse { BatchItemFailures = [new BatchItemFailure(evt.Records[failAt].Kinesis.SequenceNumber)] };
            }

            return Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(response, LambdaEventsJsonContext.Default.StreamsEventResponse));
        }
    }

    /// <summary>The real function, whose invocation fails after it has done its work when <paramref name="fail"/> says so.</summary>
    private sealed class FailingAfterwards(IFunctionHandler inner, Func<int, bool> fail) : IFunctionHandler
    {
        private int _invocations;

        public string Name => inner.Name;

        public async Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken)
        {
            var response = await inner.InvokeAsync(payload, invocation, cancellationToken);
            if (fail(Interlocked.Increment(ref _invocations))) throw new TimeoutException("the invocation timed out after its writes");
            return response;
        }
    }
}

internal sealed record SplitShardRequest(string StreamName, string ShardToSplit, string NewStartingHashKey);

internal sealed record MergeShardsRequest(string StreamName, string ShardToMerge, string AdjacentShardToMerge);

[JsonSerializable(typeof(SplitShardRequest))]
[JsonSerializable(typeof(MergeShardsRequest))]
internal sealed partial class ReshardJson : JsonSerializerContext;
