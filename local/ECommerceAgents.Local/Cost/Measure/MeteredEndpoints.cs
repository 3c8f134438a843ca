using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Cost.Measure;

/// <summary>
/// A <see cref="MeteringProxy"/> in front of each HTTP service of a set of endpoints (DynamoDB, Kinesis, S3, and any
/// Firehose stand-in asked for), all counting into one <see cref="UsageTally"/>. Redis stays direct: its commands are
/// counted on the server (INFO commandstats).
/// </summary>
public sealed class MeteredEndpoints : IAsyncDisposable
{
    private readonly List<MeteringProxy> _proxies = [];
    private readonly HttpClient _sideCalls = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(1) };

    private MeteredEndpoints()
    {
    }

    public UsageTally Tally { get; } = new();

    /// <summary>The endpoints given, DynamoDB, Kinesis and S3 led through the meters.</summary>
    public ServiceEndpoints Endpoints { get; private set; } = null!;

    public static async Task<MeteredEndpoints> StartAsync(ServiceEndpoints direct, CancellationToken cancellationToken)
    {
        var metered = new MeteredEndpoints();
        try
        {
            var dynamo = Require(direct.DynamoDb, "DynamoDB");
            metered.Endpoints = direct with
            {
                DynamoDb = await metered.ProxyAsync(dynamo, new DynamoMeter(metered.Tally, metered._sideCalls, dynamo), cancellationToken).ConfigureAwait(false),
                Kinesis = await metered.ProxyAsync(Require(direct.Kinesis, "Kinesis"), new RecordMeter("kinesis", metered.Tally), cancellationToken).ConfigureAwait(false),
                S3 = await metered.ProxyAsync(Require(direct.S3, "S3"), new S3Meter(metered.Tally), cancellationToken).ConfigureAwait(false),
            };
            return metered;
        }
        catch
        {
            await metered.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// A meter in front of a Firehose endpoint (a benchmark's own stand-in port, which the benchmark picks and hands
    /// over synchronously; binding a loopback port does not block).
    /// </summary>
    public Uri Firehose(Uri endpoint) =>
        ProxyAsync(Require(endpoint, "Firehose"), new RecordMeter("firehose", Tally), CancellationToken.None).GetAwaiter().GetResult();

    private async Task<Uri> ProxyAsync(Uri target, ServiceMeter meter, CancellationToken cancellationToken)
    {
        var proxy = await MeteringProxy.StartAsync(target, meter, cancellationToken).ConfigureAwait(false);
        _proxies.Add(proxy);
        return proxy.Endpoint;
    }

    private static Uri Require(Uri? endpoint, string service) =>
        endpoint is { Scheme: "http", IsLoopback: true }
            ? endpoint
            : throw new InvalidOperationException($"cost --measure meters {service} through a loopback HTTP proxy, which needs it served over plain HTTP on this machine; the endpoint is {endpoint?.ToString() ?? "not set"}.");

    public async ValueTask DisposeAsync()
    {
        foreach (var proxy in _proxies) await proxy.DisposeAsync().ConfigureAwait(false);
        _sideCalls.Dispose();
    }
}
