using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.IntegrationTests.StreamProcessor;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Faults;

/// <summary>
/// Store faults during a 1,000-record batch, each ending with a count-and-checksum reconciliation against one clean
/// delivery of the same batch (<see cref="RedeliveryBaseline"/>): nothing lost, nothing doubled. The DynamoDB
/// server killed mid-batch is <see cref="StoreDownTests"/>; the stream down at the API is <c>ApiIngestTests</c>.
/// </summary>
public sealed class FaultMatrixTests(RedeliveryBaseline baseline) : IClassFixture<RedeliveryBaseline>
{
    /// <summary>
    /// DynamoDB answers throttling errors and, for BatchWriteItem, "nothing written, all unprocessed" (dynalite does
    /// neither, so a loopback proxy injects them): the processor retries within the batch or reports failures that the
    /// next delivery completes. Expected: the same state as one clean delivery.
    /// </summary>
    [Fact]
    public async Task DynamoDb_ThrottlingAndUnprocessedItems_SameStateAsOneCleanDelivery()
    {
        var stack = await TestStack.GetAsync();
        FaultProxy.SkipUnlessProxyable(stack.Endpoints.DynamoDb, "DynamoDB");
        await using var proxy = new FaultProxy(stack.Endpoints.DynamoDb!.Port);
        var injected = new Dictionary<string, int>(StringComparer.Ordinal);
        proxy.Decide = (_, target, body) =>
        {
            var operation = target[(target.LastIndexOf('.') + 1)..];
            lock (injected)
            {
                var seen = injected.GetValueOrDefault(operation);
                if (seen >= 2 || operation is not ("BatchWriteItem" or "BatchGetItem" or "UpdateItem" or "PutItem" or "TransactWriteItems")) return ProxyDecision.Forward;
                injected[operation] = seen + 1;
            }

            if (operation == "BatchWriteItem")
            {
                var unprocessed = JsonNode.Parse(body)!["RequestItems"]!.ToJsonString();
                return ProxyDecision.Respond(200, "application/x-amz-json-1.0", $$"""{"UnprocessedItems":{{unprocessed}}}""");
            }

            return ProxyDecision.Respond(400, "application/x-amz-json-1.0", """{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"Rate of requests exceeds the allowed throughput."}""");
        };
        await using var harness = await PlatformHarness.StartAsync("throttled", stack, Workload.Settings, stack.Endpoints with { DynamoDb = proxy.Endpoint });
        var function = await StreamProcessorFunction.CreateAsync(harness.Environment, CancellationToken.None);

        await DeliverUntilAcknowledgedAsync(function);

        Assert.True(injected.GetValueOrDefault("BatchWriteItem") > 0 && injected.Values.Sum() > 2, "faults were injected: " + string.Join(", ", injected));
        await harness.FlushAsync();
        var checksum = await harness.ChecksumAsync();
        Assert.True(checksum.Matches(baseline.Checksum), "differs from one clean delivery:\n" + baseline.Checksum.Diff(checksum));
        await ((IAsyncDisposable)function).DisposeAsync();
    }

    /// <summary>
    /// Redis is down from the start of a batch: the dedup window cannot be read, so nothing is processed unchecked. The
    /// whole batch fails back from its first record and no store changes. When Redis is back, Lambda's redelivery
    /// leaves every store equal to one clean delivery.
    /// </summary>
    [Fact]
    public async Task RedisDownAtTheWindowRead_BatchRetriedWhole_ThenAllStoresEqualOneCleanDelivery()
    {
        var stack = await TestStack.GetAsync();
        var closed = LocalPorts.Free().Redis;
        await using var harness = await PlatformHarness.StartAsync("redisread", stack, Workload.Settings, stack.Endpoints with { Redis = $"127.0.0.1:{closed}" });
        var before = await harness.ChecksumAsync();
        var down = await StreamProcessorFunction.CreateAsync(harness.Environment, CancellationToken.None);
        var kinesis = baseline.Workload.Kinesis;

        var response = await Workload.InvokeAsync(down, kinesis.Event(..));

        Assert.Equal(kinesis.Records[0].Kinesis.SequenceNumber, Assert.Single(response.BatchItemFailures).ItemIdentifier);
        await harness.FlushAsync();
        var during = await harness.ChecksumAsync();
        Assert.True(during.Matches(before), "a store changed:\n" + before.Diff(during));
        await ((IAsyncDisposable)down).DisposeAsync();

        var env = harness.Environment;
        var back = await StreamProcessorFunction.CreateAsync(env with { Endpoints = env.Endpoints with { Redis = stack.Endpoints.Redis } }, CancellationToken.None);
        var again = await Workload.InvokeAsync(back, kinesis.Event(..));

        Assert.Empty(again.BatchItemFailures);
        await harness.FlushAsync();
        var after = await harness.ChecksumAsync();
        Assert.True(after.Matches(baseline.Checksum), "differs from one clean delivery:\n" + baseline.Checksum.Diff(after));
        await ((IAsyncDisposable)back).DisposeAsync();
    }

    /// <summary>
    /// Redis fails after the dedup window was read, for a whole batch's real-time writes: the batch is still
    /// acknowledged, DynamoDB, the enriched zone and the quarantine hold exactly what one clean delivery gives, the
    /// batch's real-time work waits in the journal and the shard is marked stale (the API reports <c>stale: true</c>).
    /// When Redis is back, the shard's next delivery (here Lambda redelivering the second half, so replayed and live
    /// work overlap) replays the journal first: every store, Redis included, then equals one clean delivery, the
    /// journal is empty and the mark is gone.
    /// </summary>
    [Fact]
    public async Task RedisDownForAWholeBatchsWrites_OtherStoresExact_ThenJournalReplayed_AllStoresEqualOneCleanDelivery()
    {
        var stack = await TestStack.GetAsync();
        await using var harness = await PlatformHarness.StartAsync("redisdown", stack, Workload.Settings);
        await using var down = await RealtimeDownFunction.CreateAsync(harness.Environment, $"127.0.0.1:{LocalPorts.Free().Redis}");
        var kinesis = baseline.Workload.Kinesis;

        var response = await Workload.InvokeAsync(down.Handler, kinesis.Event(..));

        Assert.Empty(response.BatchItemFailures);
        await harness.FlushAsync();
        var during = await harness.ChecksumAsync();
        foreach (var part in baseline.Checksum.Parts.Keys.Where(p => p.StartsWith("dynamodb:", StringComparison.Ordinal) && p != "dynamodb:" + Tables.Watermarks.Id
                     || p.StartsWith("s3:", StringComparison.Ordinal) && p != "s3:realtime-pending" || p == "redis:dedup"))
        {
            Assert.True(during.Parts[part] == baseline.Checksum.Parts[part], $"{part} differs from one clean delivery");
        }

        var users = new UserDataStore(stack.DynamoDbClient, harness.Names);
        Assert.Equal(kinesis.ShardId, Assert.Single(await users.RealtimeStaleAsync(CancellationToken.None)).Key);
        var journal = new S3RealtimeJournal(stack.S3Client, harness.Names);
        Assert.Single(await journal.PendingAsync(kinesis.ShardId, CancellationToken.None));
        Assert.NotEqual(baseline.Checksum.Parts["redis"], during.Parts["redis"]);

        var back = await StreamProcessorFunction.CreateAsync(harness.Environment, CancellationToken.None);
        var again = await Workload.InvokeAsync(back, kinesis.Event((kinesis.Records.Count / 2)..));

        Assert.Empty(again.BatchItemFailures);
        await harness.FlushAsync();
        var after = await harness.ChecksumAsync();
        Assert.True(after.Matches(baseline.Checksum), "differs from one clean delivery:\n" + baseline.Checksum.Diff(after));
        Assert.Empty(await users.RealtimeStaleAsync(CancellationToken.None));
        Assert.Empty(await journal.PendingAsync(kinesis.ShardId, CancellationToken.None));
        await ((IAsyncDisposable)back).DisposeAsync();
    }

    /// <summary>Delivers the workload as Lambda would: from the first unacknowledged record until none fails.</summary>
    private async Task DeliverUntilAcknowledgedAsync(Lambda.Runtime.IFunctionHandler function)
    {
        var kinesis = baseline.Workload.Kinesis;
        var from = 0;
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var response = await Workload.InvokeAsync(function, kinesis.Event(from..));
            if (response.BatchItemFailures.Count == 0) return;
            var failed = response.BatchItemFailures[0].ItemIdentifier;
            from = kinesis.Records.Select((r, i) => (r, i)).First(x => x.r.Kinesis.SequenceNumber == failed).i;
        }

        Assert.Fail("the batch never completed");
    }
}
