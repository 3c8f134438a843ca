using System.Text.Json;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests;

/// <summary>
/// <c>rebuild-realtime</c> for a shard that gets no further traffic after a Redis outage: StreamProcessor acknowledged
/// the batch with Redis failing after its dedup window was read (its real-time work deferred, the shard marked stale); the rebuild replays the journal,
/// after which Redis and every other store equal one clean delivery and no shard is stale. A second run does nothing.
/// </summary>
public sealed class RealtimeRebuildTests
{
    [Fact]
    public async Task RebuildRealtime_AfterRedisOutage_IdleShard_StoresEqualOneCleanDelivery_SecondRunNoOp()
    {
        var stack = await TestStack.GetAsync();
        var builder = new KinesisEventBuilder();
        foreach (var r in new TrafficGenerator(new TrafficOptions { Seed = 41, Users = 8, Events = 150 }).Generate()) builder.Add(r.Data, r.PartitionKey);

        await using var clean = await PlatformHarness.StartAsync("rtclean", stack);
        await DeliverAsync(clean.Environment, builder);
        await clean.FlushAsync();
        var expected = await clean.ChecksumAsync();

        await using var outage = await PlatformHarness.StartAsync("rtidle", stack);
        await using (var down = await RealtimeDownFunction.CreateAsync(outage.Environment, $"127.0.0.1:{LocalPorts.Free().Redis}"))
        {
            await DeliverAsync(down.Handler, builder);
        }

        await outage.FlushAsync();
        var during = await outage.ChecksumAsync();
        Assert.NotEqual(expected.Parts["redis"], during.Parts["redis"]);

        var first = await RealtimeRebuild.RunAsync(outage.Environment, CancellationToken.None);
        var second = await RealtimeRebuild.RunAsync(outage.Environment, CancellationToken.None);

        Assert.Equal(1, first.ReplayedByShard[builder.ShardId]);
        Assert.Empty(first.StillStale);
        Assert.Empty(second.ReplayedByShard);
        var after = await outage.ChecksumAsync();
        Assert.True(after.Matches(expected), "differs from one clean delivery:\n" + expected.Diff(after));
    }

    private static async Task DeliverAsync(Lambda.Hosting.FunctionEnvironment environment, KinesisEventBuilder builder)
    {
        var function = await StreamProcessorFunction.CreateAsync(environment, CancellationToken.None);
        await DeliverAsync(function, builder);
        await ((IAsyncDisposable)function).DisposeAsync();
    }

    private static async Task DeliverAsync(Lambda.Runtime.IFunctionHandler function, KinesisEventBuilder builder)
    {
        var response = JsonSerializer.Deserialize(await function.InvokeAsync(builder.Event(..), LambdaInvocation.Local(TimeSpan.FromMinutes(1)), CancellationToken.None), LambdaEventsJsonContext.Default.StreamsEventResponse)!;
        Assert.Empty(response.BatchItemFailures);
    }
}
