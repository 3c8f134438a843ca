using StackExchange.Redis;

namespace ECommerceAgents.Adapters.Redis;

/// <summary>
/// One multiplexer per container. ElastiCache Serverless is cluster mode with TLS: the client follows MOVED
/// redirects, and every multi-key command must stay in one hash slot (keys share a <c>{hash tag}</c>).
/// </summary>
public static class RedisConnectionFactory
{
    public static ConfigurationOptions Options(string configuration)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 5000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 2000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 2000);
        options.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        options.ClientName ??= "ecommerceagents";
        return options;
    }

    public static Task<ConnectionMultiplexer> ConnectAsync(string configuration, TextWriter? log = null) =>
        ConnectionMultiplexer.ConnectAsync(Options(configuration), log);
}
