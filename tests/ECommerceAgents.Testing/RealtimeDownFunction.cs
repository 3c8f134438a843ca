using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;
using StackExchange.Redis;

namespace ECommerceAgents.Testing;

/// <summary>
/// StreamProcessor whose real-time writes go to a Redis that does not answer, while its dedup window (the same cache
/// in AWS) is read and written on the real one: a Redis failure between the window's read and the real-time writes,
/// held for a whole batch. (A Redis down from the start fails the batch at the window's read, and it is retried.)
/// </summary>
public sealed class RealtimeDownFunction : IAsyncDisposable
{
    private readonly IDisposable[] _owned;
    private readonly IConnectionMultiplexer[] _redis;

    private RealtimeDownFunction(IFunctionHandler handler, IDisposable[] owned, IConnectionMultiplexer[] redis)
    {
        Handler = handler;
        _owned = owned;
        _redis = redis;
    }

    public IFunctionHandler Handler { get; }

    /// <param name="env">The function's environment; its Redis endpoint is the one that answers.</param>
    /// <param name="unreachableRedis">host:port where nothing listens.</param>
    public static async Task<RealtimeDownFunction> CreateAsync(FunctionEnvironment env, string unreachableRedis)
    {
        var dynamo = DynamoDbClientFactory.Create(env.Endpoints);
        var s3 = S3ClientFactory.Create(env.Endpoints);
        var prefix = env.Setting(SettingNames.RedisPrefix) ?? "";
        var live = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Options(env.Endpoints.Redis!)).ConfigureAwait(false);
        var down = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Options(unreachableRedis)).ConfigureAwait(false);
        var function = StreamProcessorFunction.Create(env, PlatformHarness.PseudonymKey,
            new StreamStateStore(dynamo, env.Names, env.Clock),
            new RedisDedupWindow(live, new RedisKeys(prefix), new ProcessorOptions().DedupWindow, env.Clock),
            new FirehoseEnrichedSink(StreamClients.Firehose(env.Endpoints), env.Names.DeliveryStream(DeliveryStreams.Enriched)),
            new S3Quarantine(s3, env.Names),
            new RedisRealtimeProjection(down, new RealtimeOptions { KeyPrefix = prefix }, env.Clock),
            new S3RealtimeJournal(s3, env.Names));
        return new RealtimeDownFunction(function.Handler, [dynamo, s3], [live, down]);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned) owned.Dispose();
        foreach (var redis in _redis) await redis.DisposeAsync().ConfigureAwait(false);
    }
}
