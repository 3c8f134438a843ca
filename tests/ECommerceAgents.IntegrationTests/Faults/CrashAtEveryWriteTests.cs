using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.IntegrationTests.StreamProcessor;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using StackExchange.Redis;

namespace ECommerceAgents.IntegrationTests.Faults;

/// <summary>
/// A crash between two writes, at every write point: StreamProcessor's ports (quarantine, enriched zone, each DynamoDB
/// write, Redis, markers) over the real stores, with the N-th write of the run failing as a crash would. Lambda then
/// redelivers from the first unacknowledged record (the whole batch when the invocation itself fails). For every N the
/// stores must end exactly as after one clean delivery.
/// </summary>
public sealed class CrashAtEveryWriteTests
{
    [Fact]
    public async Task CrashAtEachWrite_ThenRedelivery_StoresEqualOneCleanDelivery()
    {
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 31, Users = 6, Events = 70 });
        var builder = new KinesisEventBuilder();
        foreach (var r in generator.Generate()) builder.Add(r.Data, r.PartitionKey);

        var (clean, writes, _) = await RunAsync("crash0", builder, crashAt: 0);
        Assert.True(writes > 10, $"the workload makes writes of every kind ({writes})");

        var points = Enumerable.Range(1, writes).ToList();
        var failures = new List<string>();
        foreach (var n in points)
        {
            var (checksum, _, crashed) = await RunAsync($"crash{n}", builder, crashAt: n);
            // A failed cursor write is retried in place (the records are in the enriched zone already), so a crash there
            // too ends equal to one clean delivery, the watermarks included.
            if (!checksum.Matches(clean))
            {
                failures.Add($"crash at write {n} ({crashed}):\n{clean.Diff(checksum)}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {points.Count} crash points left different stores:\n" + string.Join("\n", failures.Take(3)));
    }

    private static async Task<(StoreChecksum Checksum, int Writes, string? Crashed)> RunAsync(string owner, KinesisEventBuilder builder, int crashAt)
    {
        var stack = await TestStack.GetAsync();
        await using var harness = await PlatformHarness.StartAsync(owner, stack, Workload.Settings);
        var env = harness.Environment;
        var crash = new CrashPoint(crashAt);
        using var dynamo = DynamoDbClientFactory.Create(env.Endpoints);
        using var s3 = S3ClientFactory.Create(env.Endpoints);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Options(env.Endpoints.Redis!));
        var function = StreamProcessorFunction.Create(env, PlatformHarness.PseudonymKey,
            new CrashingStore(new StreamStateStore(dynamo, env.Names, env.Clock), crash),
            new CrashingDedup(new RedisDedupWindow(redis, new RedisKeys(env.Setting(SettingNames.RedisPrefix) ?? ""), new ProcessorOptions().DedupWindow), crash),
            new CrashingSink(new FirehoseEnrichedSink(StreamClients.Firehose(env.Endpoints), env.Names.DeliveryStream(DeliveryStreams.Enriched)), crash),
            new CrashingQuarantine(new S3Quarantine(s3, env.Names), crash),
            new CrashingRealtime(new RedisRealtimeProjection(redis, new RealtimeOptions { KeyPrefix = env.Setting(SettingNames.RedisPrefix) ?? "" }), crash),
            new S3RealtimeJournal(s3, env.Names));

        var from = 0;
        for (var attempt = 0; ; attempt++)
        {
            Assert.True(attempt < 10, "the batch never completed");
            Lambda.Events.StreamsEventResponse response;
            try
            {
                response = await Workload.InvokeAsync(function.Handler, builder.Event(from..));
            }
            catch (Exception ex) when (ex is IOException || ex.InnerException is IOException)
            {
                continue; // the invocation failed: Lambda delivers the same records again
            }

            if (response.BatchItemFailures.Count == 0) break;
            var failed = response.BatchItemFailures[0].ItemIdentifier;
            from = builder.Records.Select((r, i) => (r, i)).First(x => x.r.Kinesis.SequenceNumber == failed).i;
        }

        if (crash.Crashed == "redis")
        {
            // A Redis failure does not fail the records: the batch's real-time work went to the journal and the shard
            // was marked stale. The shard's next delivery (here Lambda's redelivery of the same batch) replays the
            // journal before its own writes, so the store ends as after one clean delivery and the mark is cleared.
            var again = await Workload.InvokeAsync(function.Handler, builder.Event(..));
            Assert.Empty(again.BatchItemFailures);
        }

        await harness.FlushAsync();
        return (await harness.ChecksumAsync(), crash.Writes, crash.Crashed);
    }

    /// <summary>Counts writes across every port; the chosen one fails once, as if the process died there.</summary>
    private sealed class CrashPoint(int at)
    {
        private int _writes;

        public int Writes => _writes;

        /// <summary>The kind of write that failed, once it has.</summary>
        public string? Crashed { get; private set; }

        public void Hit(string point)
        {
            if (Interlocked.Increment(ref _writes) != at) return;
            Crashed = point;
            throw new IOException($"simulated crash at write {at} ({point})");
        }
    }

    private sealed class CrashingStore(IStreamStateStore inner, CrashPoint crash) : IStreamStateStore
    {
        public Task<StateSnapshot> LoadAsync(StateRequest request, CancellationToken cancellationToken) => inner.LoadAsync(request, cancellationToken);

        public async Task SaveSubjectAsync(SubjectState state, CancellationToken cancellationToken)
        {
            crash.Hit("subject");
            await inner.SaveSubjectAsync(state, cancellationToken);
        }

        public async Task SaveProfileAsync(UserProfile profile, CancellationToken cancellationToken)
        {
            crash.Hit("profile");
            await inner.SaveProfileAsync(profile, cancellationToken);
        }

        public async Task SaveOrderAsync(OrderRecord order, CancellationToken cancellationToken)
        {
            crash.Hit("order");
            await inner.SaveOrderAsync(order, cancellationToken);
        }

        public async Task SaveIdentityLinkAsync(IdentityLink link, CancellationToken cancellationToken)
        {
            crash.Hit("identity");
            await inner.SaveIdentityLinkAsync(link, cancellationToken);
        }

        public async Task RecordSaleShareOptOutAsync(string subject, DateTimeOffset at, CancellationToken cancellationToken)
        {
            crash.Hit("consent");
            await inner.RecordSaleShareOptOutAsync(subject, at, cancellationToken);
        }

        public async Task AddProductStatsAsync(string shardId, IReadOnlyList<(string Sku, IReadOnlyList<ProductStatsDelta> Deltas)> products, CancellationToken cancellationToken)
        {
            crash.Hit("product-stats");
            await inner.AddProductStatsAsync(shardId, products, cancellationToken);
        }

        public async Task SetEnrichedCursorAsync(string shardId, string paddedSequence, CancellationToken cancellationToken)
        {
            crash.Hit("cursor");
            await inner.SetEnrichedCursorAsync(shardId, paddedSequence, cancellationToken);
        }

        public Task MarkRealtimeStaleAsync(string shardId, DateTimeOffset since, CancellationToken cancellationToken) => inner.MarkRealtimeStaleAsync(shardId, since, cancellationToken);

        public Task ClearRealtimeStaleAsync(string shardId, DateTimeOffset since, CancellationToken cancellationToken) => inner.ClearRealtimeStaleAsync(shardId, since, cancellationToken);
    }

    private sealed class CrashingDedup(IDedupWindow inner, CrashPoint crash) : IDedupWindow
    {
        public Task<IReadOnlyList<DedupMarker>> FindAsync(IReadOnlyCollection<DedupMarker> candidates, CancellationToken cancellationToken) => inner.FindAsync(candidates, cancellationToken);

        public async Task RememberAsync(IReadOnlyList<DedupMarker> markers, CancellationToken cancellationToken)
        {
            crash.Hit("markers");
            await inner.RememberAsync(markers, cancellationToken);
        }
    }

    private sealed class CrashingSink(IEnrichedSink inner, CrashPoint crash) : IEnrichedSink
    {
        public async Task SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken)
        {
            crash.Hit("enriched");
            await inner.SendAsync(records, cancellationToken);
        }
    }

    private sealed class CrashingQuarantine(IQuarantine inner, CrashPoint crash) : IQuarantine
    {
        public async Task PutAsync(IReadOnlyList<QuarantineEntry> entries, CancellationToken cancellationToken)
        {
            crash.Hit("quarantine");
            await inner.PutAsync(entries, cancellationToken);
        }
    }

    private sealed class CrashingRealtime(IRealtimeProjection inner, CrashPoint crash) : IRealtimeProjection
    {
        public async Task ApplyAsync(RealtimeBatch batch, CancellationToken cancellationToken)
        {
            crash.Hit("redis");
            await inner.ApplyAsync(batch, cancellationToken);
        }
    }
}
