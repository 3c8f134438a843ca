using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using StackExchange.Redis;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.IntegrationTests.StreamProcessor;

/// <summary>
/// A store's server dies in the middle of a batch's writes (DynamoDB; S3 under the quarantine and the Firehose
/// stand-in's delivery): the batch reports failures (nothing after the first unfinished record is acknowledged), and
/// after a restart the retry from that record completes with nothing lost and nothing doubled. Stops and starts
/// servers, so it runs on a private local stack only. Kinesis killed while the poller delivers a batch is the third
/// case: the event-source mapping keeps its position and resumes after the restart.
/// </summary>
public sealed class StoreDownTests(RedeliveryBaseline baseline) : IClassFixture<RedeliveryBaseline>, IAsyncLifetime
{
    private LocalStack? _stack;

    public async ValueTask InitializeAsync()
    {
        await TestStack.GetAsync();
        if (!TestStack.OwnsServers) return;
        _stack = await TestStack.StartPrivateAsync(nameof(StoreDownTests));
    }

    public async ValueTask DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
            TestStack.TryDelete(_stack.Options.StateDirectory);
        }
    }

    /// <summary>Skips the test where the servers are not ours to stop: an endpoint from the environment, or LocalStack.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_stack))]
    private void SkipUnlessPrivateStack()
    {
        if (_stack is null) Assert.Skip(TestStack.NeedsOwnServers);
    }

    /// <summary>
    /// dynalite is killed as the batch writes its first session, which starts only once the enriched cursor and the
    /// profiles are written (a fixed request number could land before the cursor's answer, whose loss the retry answers
    /// by sending the enriched records again; the crash test covers every other write). The records
    /// fail; after a restart the retry from the first of them leaves every store equal to one clean delivery.
    /// </summary>
    [Fact]
    public async Task DynamoDbStoppedMidBatch_FailuresReported_RetryAfterRestartLosesNothing()
    {
        SkipUnlessPrivateStack();

        await using var proxy = new FaultProxy(_stack.Options.Ports.DynamoDb);
        var killedAt = 0;
        var sessions = "-" + Tables.Sessions.Id + "\"";
        proxy.Decide = (n, target, body) =>
        {
            var session = target.EndsWith(".PutItem", StringComparison.Ordinal) && body.Contains(sessions, StringComparison.Ordinal);
            if (session && Interlocked.CompareExchange(ref killedAt, n, 0) == 0) _stack.DynamoDb.Kill();
            return killedAt > 0 && n >= killedAt ? ProxyDecision.Drop : ProxyDecision.Forward;
        };
        await using var harness = await PlatformHarness.StartAsync("storedown", _stack, Workload.Settings, _stack.Endpoints with { DynamoDb = proxy.Endpoint });
        var function = await StreamProcessorFunction.CreateAsync(harness.Environment, CancellationToken.None);
        var kinesis = baseline.Workload.Kinesis;

        var first = await Workload.InvokeAsync(function, kinesis.Event(..));

        var failure = Assert.Single(first.BatchItemFailures);
        Assert.True(killedAt > 0, "the server was killed during the batch");
        Assert.Null(_stack.DynamoDb.Pid);

        await _stack.DynamoDb.StartAsync(CancellationToken.None);
        proxy.Decide = (_, _, _) => ProxyDecision.Forward;
        var from = kinesis.Records.Select((r, i) => (r, i)).First(x => x.r.Kinesis.SequenceNumber == failure.ItemIdentifier).i;
        var retry = await Workload.InvokeAsync(function, kinesis.Event(from..));

        Assert.Empty(retry.BatchItemFailures);
        await harness.FlushAsync();
        var checksum = await harness.ChecksumAsync();
        Assert.True(checksum.Matches(baseline.Checksum), "differs from one clean delivery:\n" + baseline.Checksum.Diff(checksum));
        await ((IAsyncDisposable)function).DisposeAsync();
    }

    /// <summary>
    /// s3rver is killed as the batch writes its quarantine (at the second of its objects, one per reason): the records whose
    /// objects were not written fail and everything from the first of them is retried; the enriched records already
    /// handed to Firehose wait in the stand-in, which keeps retrying its S3 delivery as Firehose does. After a restart
    /// the retry completes and every store equals one clean delivery.
    /// </summary>
    [Fact]
    public async Task S3KilledDuringQuarantineWrites_FailuresReported_RetryAfterRestartLosesNothing()
    {
        SkipUnlessPrivateStack();

        var stack = _stack;
        await using var harness = await PlatformHarness.StartAsync("s3down", stack, Workload.Settings);
        var env = harness.Environment;
        using var dynamo = DynamoDbClientFactory.Create(env.Endpoints);
        using var s3 = S3ClientFactory.Create(env.Endpoints);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Options(env.Endpoints.Redis!));
        var puts = 0;
        var quarantine = new KillingQuarantine(new S3Quarantine(s3, env.Names), () =>
        {
            if (Interlocked.Increment(ref puts) == 2) stack.S3.Kill();
        });
        var function = StreamProcessorFunction.Create(env, PlatformHarness.PseudonymKey,
            new StreamStateStore(dynamo, env.Names, env.Clock),
            new RedisDedupWindow(redis, new RedisKeys(env.Setting(SettingNames.RedisPrefix) ?? ""), new ProcessorOptions().DedupWindow),
            new FirehoseEnrichedSink(StreamClients.Firehose(env.Endpoints), env.Names.DeliveryStream(DeliveryStreams.Enriched)),
            quarantine,
            new RedisRealtimeProjection(redis, new RealtimeOptions { KeyPrefix = env.Setting(SettingNames.RedisPrefix) ?? "" }),
            new S3RealtimeJournal(s3, env.Names));
        var kinesis = baseline.Workload.Kinesis;

        var first = await Workload.InvokeAsync(function.Handler, kinesis.Event(..));

        var failure = Assert.Single(first.BatchItemFailures);
        Assert.Null(stack.S3.Pid);
        await stack.S3.StartAsync(CancellationToken.None);
        var from = kinesis.Records.Select((r, i) => (r, i)).First(x => x.r.Kinesis.SequenceNumber == failure.ItemIdentifier).i;
        Assert.True(from > 0, "records before the first unwritten quarantine object were acknowledged");
        var retry = await Workload.InvokeAsync(function.Handler, kinesis.Event(from..));

        Assert.Empty(retry.BatchItemFailures);
        await harness.FlushAsync();
        var checksum = await harness.ChecksumAsync();
        Assert.True(checksum.Matches(baseline.Checksum), "differs from one clean delivery:\n" + baseline.Checksum.Diff(checksum));
    }

    /// <summary>
    /// kinesalite is killed while the local event-source mapping delivers the workload to StreamProcessor (during its
    /// second invocation) and restarted a second later. The mapping keeps its checkpoint through the failed polls and
    /// resumes from it, and StreamProcessor's exactly-once rules absorb any batch delivered twice: the enriched zone
    /// holds exactly the workload's valid ids once each, the bot zone its bots, the quarantine its rejected records,
    /// and every table as many items as one clean delivery.
    /// </summary>
    [Fact]
    public async Task KinesisKilledWhileThePollerDelivers_ResumesAfterRestart_NothingLostNothingDoubled()
    {
        SkipUnlessPrivateStack();

        var stack = _stack;
        await using var harness = await PlatformHarness.StartAsync("kinesisdown", stack, Workload.Settings);
        var stream = harness.Names.Stream(Streams.Events);
        var workload = baseline.Workload;
        foreach (var chunk in workload.Records.Chunk(500))
        {
            var put = await stack.KinesisClient.PutRecordsAsync(stream, chunk.Select(r => new PutRecordsRequestEntry(r.Data, r.PartitionKey)).ToArray(), CancellationToken.None);
            Assert.True(put.AllSucceeded);
        }

        var inner = await StreamProcessorFunction.CreateAsync(harness.Environment, CancellationToken.None);
        var function = new KillingFunction(inner, n =>
        {
            if (n == 2) stack.Kinesis.Kill();
        });
        var source = new KinesisEventSource(stack.KinesisClient, stream, "arn:aws:kinesis:us-east-1:000000000000:stream/" + stream, function,
            new KinesisEventSourceOptions { BatchSize = 100, MaximumBatchingWindow = TimeSpan.FromMilliseconds(50), RetryBackoff = TimeSpan.FromMilliseconds(5), MaximumRetryBackoff = TimeSpan.FromMilliseconds(200) },
            stack.S3Client);

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var run = source.RunAsync(cts.Token);
        while (function.Invocations < 2 || stack.Kinesis.Pid is not null) await Task.Delay(20, cts.Token);
        // The mapping reads ahead (two batches per shard): it delivers what it had read before the kill, then stalls.
        int invocationsWhileDown;
        do
        {
            invocationsWhileDown = function.Invocations;
            await Task.Delay(TimeSpan.FromSeconds(1), cts.Token);
        }
        while (function.Invocations != invocationsWhileDown);
        Assert.True(source.Stats.RecordsDelivered < workload.Records.Count, $"the mapping stalled while the stream was down ({source.Stats.RecordsDelivered} of {workload.Records.Count} records delivered)");
        await stack.Kinesis.StartAsync(cts.Token);
        await source.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(90), cts.Token);
        await cts.CancelAsync();
        await run;
        await harness.FlushAsync();

        Assert.True(function.Invocations > invocationsWhileDown, "the mapping resumed after the restart");
        var enriched = await EventIdsAsync(harness, ZoneLayout.EnrichedEvents);
        Assert.Equal(workload.ValidIds.Count, enriched.Count);
        Assert.True(workload.ValidIds.SetEquals(enriched), "the enriched zone holds exactly the workload's valid ids");
        var bots = await EventIdsAsync(harness, ZoneLayout.EnrichedBots);
        Assert.Equal(workload.BotIds.Count, bots.Count);
        Assert.True(workload.BotIds.SetEquals(bots));
        var checksum = await harness.ChecksumAsync();
        Assert.Equal(workload.Rejected, checksum.Count("s3:quarantine"));
        foreach (var table in Tables.All.Where(t => t != Tables.Watermarks))
        {
            Assert.True(baseline.Checksum.Count("dynamodb:" + table.Id) == checksum.Count("dynamodb:" + table.Id), $"{table.Id}: {checksum.Count("dynamodb:" + table.Id)} items, one clean delivery {baseline.Checksum.Count("dynamodb:" + table.Id)}");
        }

        await ((IAsyncDisposable)inner).DisposeAsync();
    }

    private static async Task<List<string>> EventIdsAsync(PlatformHarness harness, string prefix) =>
        (await StoreChecksum.EnrichedLinesAsync(harness.Stack, harness.Names.Bucket(Buckets.Enriched), prefix)).Select(l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>()).ToList();

    /// <summary>The real function, with a hook before each invocation (where the test kills the stream's server).</summary>
    private sealed class KillingFunction(Lambda.Runtime.IFunctionHandler inner, Action<int> beforeInvocation) : Lambda.Runtime.IFunctionHandler
    {
        private int _invocations;

        public int Invocations => Volatile.Read(ref _invocations);

        public string Name => inner.Name;

        public Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, Lambda.Runtime.LambdaInvocation invocation, CancellationToken cancellationToken)
        {
            beforeInvocation(Interlocked.Increment(ref _invocations));
            return inner.InvokeAsync(payload, invocation, cancellationToken);
        }
    }

    /// <summary>The real quarantine, with a hook just before each write (where the test kills the server).</summary>
    private sealed class KillingQuarantine(IQuarantine inner, Action beforeWrite) : IQuarantine
    {
        public Task PutAsync(IReadOnlyList<QuarantineEntry> entries, CancellationToken cancellationToken)
        {
            beforeWrite();
            return inner.PutAsync(entries, cancellationToken);
        }
    }
}
