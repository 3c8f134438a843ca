using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Lambda.Hosting;
using StackExchange.Redis;

namespace ECommerceAgents.Local;

/// <summary>What the rebuild did per stale shard: the deferred batches replayed, and whether the shard is current again.</summary>
public sealed record RealtimeRebuildResult(IReadOnlyDictionary<string, int> ReplayedByShard, IReadOnlyList<string> StillStale);

/// <summary>
/// Rebuilds the real-time store after a Redis outage for shards that receive no further traffic (a busy shard's next
/// batch replays its own journal): for every shard marked stale, its deferred batches are replayed in stream order and
/// the mark is cleared. Safe to run at any time and any number of times, also while StreamProcessor runs: the replay
/// goes through the same watermarked apply, and the mark is cleared only if it is still the one read.
/// </summary>
public static class RealtimeRebuild
{
    public static async Task<RealtimeRebuildResult> RunAsync(FunctionEnvironment environment, CancellationToken ct)
    {
        using var dynamo = DynamoDbClientFactory.Create(environment.Endpoints);
        using var s3 = S3ClientFactory.Create(environment.Endpoints);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Options(
            environment.Endpoints.Redis ?? throw new CliException("no Redis endpoint is configured", 2))).ConfigureAwait(false);
        var recovery = new RealtimeRecovery(
            new RedisRealtimeProjection(redis, new RealtimeOptions { KeyPrefix = environment.Setting(ECommerceAgents.Resources.SettingNames.RedisPrefix) ?? "" }, environment.Clock),
            new S3RealtimeJournal(s3, environment.Names));
        var state = new StreamStateStore(dynamo, environment.Names, environment.Clock);

        var replayed = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var still = new List<string>();
        foreach (var (shard, since) in await new UserDataStore(dynamo, environment.Names).RealtimeStaleAsync(ct).ConfigureAwait(false))
        {
            replayed[shard] = await recovery.ReplayAsync(shard, ct).ConfigureAwait(false);
            await state.ClearRealtimeStaleAsync(shard, DateTimeOffset.Parse(since, System.Globalization.CultureInfo.InvariantCulture), ct).ConfigureAwait(false);
        }

        foreach (var shard in (await new UserDataStore(dynamo, environment.Names).RealtimeStaleAsync(ct).ConfigureAwait(false)).Keys) still.Add(shard);
        return new RealtimeRebuildResult(replayed, still);
    }
}
