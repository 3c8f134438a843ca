using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// What <c>serve</c> runs behind the API, for one harness: the API on Kestrel, and StreamProcessor on the events
/// stream through the local event-source mapping (the Kinesis poller), writing the harness's stores.
/// </summary>
public sealed class ApiPipeline : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _polling;
    private readonly IFunctionHandler _processor;

    private ApiPipeline(PlatformHarness harness, ApiInstance api, IFunctionHandler processor, KinesisEventSource source)
    {
        Harness = harness;
        Api = api;
        _processor = processor;
        Source = source;
        _polling = Task.Run(() => source.RunAsync(_stop.Token));
    }

    public PlatformHarness Harness { get; }

    public ApiInstance Api { get; }

    public KinesisEventSource Source { get; }

    /// <param name="settings">Function settings beyond the harness's (the master key that turns sealing on, for one).</param>
    /// <param name="processorOutput">Where StreamProcessor writes its logs and EMF metrics (none by default).</param>
    /// <param name="endpoints">The services' endpoints, when not the shared stack's (a warehouse, for one).</param>
    /// <param name="rawArchive">Whether the stream is copied to the raw archive too.</param>
    public static async Task<ApiPipeline> StartAsync(string owner, IReadOnlyDictionary<string, string>? settings = null, TextWriter? processorOutput = null, ServiceEndpoints? endpoints = null, bool rawArchive = false)
    {
        var harness = await PlatformHarness.StartAsync(owner, settings: settings, endpoints: endpoints, rawArchive: rawArchive);
        var api = await ApiInstance.StartAsync(harness.Environment);
        var processor = await StreamProcessorFunction.CreateAsync(processorOutput is null ? harness.Environment : harness.Environment with { Output = processorOutput }, CancellationToken.None);
        var stream = harness.Names.Stream(Streams.Events);
        var options = new KinesisEventSourceOptions
        {
            BatchSize = 500,
            MaximumBatchingWindow = TimeSpan.FromMilliseconds(100),
            PollInterval = TimeSpan.FromMilliseconds(50),
            OnFailureBucket = harness.Names.Bucket(Buckets.Quarantine),
            CheckpointFile = Path.Combine(Path.GetTempPath(), $"eca-{owner}-{Guid.NewGuid():N}.checkpoints.json"),
        };
        var source = new KinesisEventSource(harness.Stack.KinesisClient, stream, $"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}", processor, options, harness.Stack.S3Client);
        return new ApiPipeline(harness, api, processor, source);
    }

    /// <summary>Waits until StreamProcessor has taken everything on the stream, then flushes the enriched delivery stream.</summary>
    public async Task DrainAsync()
    {
        await Source.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
        await Harness.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _polling;
        }
        catch (OperationCanceledException)
        {
        }

        await Api.DisposeAsync();
        if (_processor is IAsyncDisposable d) await d.DisposeAsync();
        else if (_processor is IDisposable s) s.Dispose();
        await Harness.DisposeAsync();
    }
}
