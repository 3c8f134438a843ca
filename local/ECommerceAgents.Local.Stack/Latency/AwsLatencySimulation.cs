using System.Globalization;
using ECommerceAgents.Local.Stack.Servers;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Stack.Latency;

/// <summary>
/// The AWS latency simulation (<c>--aws-latency</c>, issue 19): a <see cref="LatencyProxy"/> in front of each local
/// server the functions call (DynamoDB, Kinesis, S3, the Firehose API, Redis), and the endpoints that lead through
/// them. Redis is a cluster whose node tells clients where it is (CLUSTER NODES/SLOTS): while the simulation runs the
/// node announces the proxy's port, so cluster-aware clients that discover it still go through the proxy. Disposing
/// stops the proxies and gives the node its own port back.
/// </summary>
public sealed class AwsLatencySimulation : IAsyncDisposable
{
    private readonly List<LatencyProxy> _proxies = [];
    private int? _redisPort;

    private AwsLatencySimulation(int seed, bool recordActivity)
    {
        Sampler = new LatencySampler(seed);
        Activity = recordActivity ? new StoreActivity() : null;
    }

    public LatencySampler Sampler { get; }

    /// <summary>Each store's calls in flight, when asked for (benchmarks); null otherwise, so a long run keeps nothing.</summary>
    public StoreActivity? Activity { get; }

    /// <summary>The endpoints given, with every simulated service led through its proxy.</summary>
    public ServiceEndpoints Endpoints { get; private set; } = null!;

    /// <summary>Starts a proxy for each service of <paramref name="direct"/> (plain HTTP or Redis on this machine).</summary>
    public static async Task<AwsLatencySimulation> StartAsync(ServiceEndpoints direct, int seed, bool recordActivity, CancellationToken cancellationToken)
    {
        var simulation = new AwsLatencySimulation(seed, recordActivity);
        try
        {
            simulation.Endpoints = direct with
            {
                DynamoDb = simulation.Proxy(direct.DynamoDb, AwsRequestClassifier.DynamoDb),
                Kinesis = simulation.Proxy(direct.Kinesis, AwsRequestClassifier.Kinesis),
                S3 = simulation.Proxy(direct.S3, AwsRequestClassifier.S3),
                Firehose = simulation.Proxy(direct.Firehose, AwsRequestClassifier.Firehose),
                Redis = await simulation.ProxyRedisAsync(direct.Redis, cancellationToken).ConfigureAwait(false),
            };
            return simulation;
        }
        catch
        {
            await simulation.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A proxy in front of one more HTTP endpoint (a benchmark's own Firehose port), stopped with the rest.</summary>
    public Uri Proxy(Uri? endpoint, Func<HttpRequestHead, AwsCall> classify)
    {
        if (endpoint is not { Scheme: "http", IsLoopback: true })
        {
            throw new InvalidOperationException($"The AWS latency simulation needs every service served over plain HTTP on this machine; one endpoint is {endpoint?.ToString() ?? "not set"}.");
        }

        var proxy = new LatencyProxy(endpoint.Port, () => new HttpFraming(classify), Sampler, Activity);
        _proxies.Add(proxy);
        return new UriBuilder(endpoint) { Port = proxy.Port }.Uri;
    }

    private async Task<string> ProxyRedisAsync(string? redis, CancellationToken cancellationToken)
    {
        var parts = redis?.Split(',')[0].Split(':');
        if (parts is not ["127.0.0.1", var portText] || redis!.Contains(',', StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The AWS latency simulation needs the local Redis on 127.0.0.1; the endpoint is {redis ?? "not set"}.");
        }

        var port = int.Parse(portText, CultureInfo.InvariantCulture);
        var proxy = new LatencyProxy(port, () => new RespFraming(), Sampler, Activity);
        _proxies.Add(proxy);
        await RedisClusterServer.AnnouncePortAsync(port, proxy.Port, cancellationToken).ConfigureAwait(false);
        _redisPort = port;
        return $"127.0.0.1:{proxy.Port.ToString(CultureInfo.InvariantCulture)}";
    }

    public async ValueTask DisposeAsync()
    {
        if (_redisPort is { } port)
        {
            try
            {
                await RedisClusterServer.AnnouncePortAsync(port, 0, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
            {
                // The node is down: it announces its own port again when it restarts.
            }
        }

        foreach (var proxy in _proxies) await proxy.DisposeAsync().ConfigureAwait(false);
    }
}
