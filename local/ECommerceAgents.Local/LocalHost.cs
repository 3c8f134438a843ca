using System.Net;
using Microsoft.AspNetCore.Builder;
using ECommerceAgents.Functions.Api;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Local;

/// <summary>
/// What <c>serve</c> runs: the local stack, the event-source layer with every built function registered on its
/// trigger, and (once built) the API. Also used by <c>demo</c> and the end-to-end tests.
/// </summary>
public sealed class LocalHost : IAsyncDisposable
{
    private readonly Dictionary<string, IFunctionHandler> _functions = new(StringComparer.Ordinal);

    private WebApplication? _api;
    private Stack.Servers.FirehoseServer? _firehoseServer;

    private LocalHost(LocalStack stack, LocalEventSources sources, IReadOnlyList<string> registered)
    {
        Stack = stack;
        Sources = sources;
        Registered = registered;
    }

    /// <summary>The API's base address when it is served (<see cref="LocalHostOptions.Api"/>).</summary>
    public Uri? ApiBase { get; private set; }

    /// <summary>The administrator key the local API was started with.</summary>
    public string AdminKey => LocalFunctions.LocalAdminKey;

    public LocalStack Stack { get; }

    /// <summary>The Firehose server process this host started, when it runs one (a chaos demo).</summary>
    public Stack.Servers.FirehoseServer? FirehoseServer => _firehoseServer;

    public LocalEventSources Sources { get; }

    /// <summary>The environment every hosted function and the API were built from.</summary>
    public FunctionEnvironment Environment { get; private init; } = null!;

    /// <summary>Lines saying which function listens on which trigger.</summary>
    public IReadOnlyList<string> Registered { get; }

    public IFunctionHandler? Function(string name) => _functions.GetValueOrDefault(name);

    public static async Task<LocalHost> StartAsync(LocalStack stack, LocalHostOptions options, CancellationToken cancellationToken)
    {
        var environment = LocalFunctions.Environment(stack, options.Settings);
        if (options.FunctionOutput is { } output) environment = environment with { Output = output };
        if (options.Names is { } names) environment = environment with { Names = names };
        if (options.Endpoints is { } endpoints) environment = environment with { Endpoints = endpoints };
        var functions = new Dictionary<string, IFunctionHandler>(StringComparer.Ordinal);
        foreach (var entry in FunctionCatalog.All.Where(e => e.IsBuilt))
        {
            functions[entry.Name] = await entry.Create!(environment, cancellationToken).ConfigureAwait(false);
        }

        var log = new JsonLog("serve", options.Log ?? TextWriter.Null);
        var transforms = functions.TryGetValue("LogTransformer", out var logTransformer) ? LocalEventSources.Processors(logTransformer) : null;
        if (options.FirehoseServer is { } firehoseServer) await firehoseServer.StartAsync(cancellationToken).ConfigureAwait(false);
        var sources = new LocalEventSources(stack, log, options.Firehose, transforms, environment.Names) { ExternalFirehose = options.FirehoseServer };
        var registered = new List<string>();
        if (functions.TryGetValue("StreamProcessor", out var streamProcessor))
        {
            sources.AddKinesis(streamProcessor, options.StreamProcessor);
            registered.Add($"StreamProcessor ← Kinesis {environment.Names.Stream(Streams.Events)}");
        }

        if (logTransformer is not null) registered.Add($"LogTransformer ← Firehose {environment.Names.DeliveryStream(DeliveryStreams.Logs)} (transformation)");
        if (functions.TryGetValue("CatalogImport", out var catalogImport))
        {
            sources.AddS3(catalogImport, Buckets.Landing, ZoneLayout.CatalogIncoming);
            registered.Add($"CatalogImport ← S3 Object Created (EventBridge) s3://{environment.Names.Bucket(Buckets.Landing)}/{ZoneLayout.CatalogIncoming}");
        }

        if (functions.TryGetValue("SearchIndexer", out var searchIndexer))
        {
            sources.AddS3(searchIndexer, Buckets.Processed, ZoneLayout.SearchOutbox);
            registered.Add($"SearchIndexer ← S3 Object Created (EventBridge) s3://{environment.Names.Bucket(Buckets.Processed)}/{ZoneLayout.SearchOutbox}");
        }

        registered.Add(options.FirehoseServer is null
            ? $"Firehose API on http://127.0.0.1:{stack.Options.Ports.Firehose} → raw archive, enriched, logs"
            : $"Firehose server process on http://127.0.0.1:{stack.Options.Ports.Firehose} → enriched, logs (spooled); raw archive in process");
        await sources.StartAsync(cancellationToken).ConfigureAwait(false);
        var host = new LocalHost(stack, sources, registered) { Environment = environment, _firehoseServer = options.FirehoseServer };
        foreach (var (name, f) in functions) host._functions[name] = f;
        if (options.Api)
        {
            // The API exactly as it runs behind the Lambda Web Adapter, on Kestrel at 127.0.0.1.
            host._api = await ApiApplication.CreateAsync(environment, new IPEndPoint(IPAddress.Loopback, stack.Options.Ports.Api), cancellationToken).ConfigureAwait(false);
            SampleShop.SampleShopPage.Map(host._api);
            await host._api.StartAsync(cancellationToken).ConfigureAwait(false);
            host.ApiBase = new Uri($"http://127.0.0.1:{stack.Options.Ports.Api}/");
            registered.Add($"Api on {host.ApiBase} (x-api-key; local admin key from ECA_BOOTSTRAP_ADMIN_KEY)");
            registered.Add($"Sample shop on {new Uri(host.ApiBase, SampleShop.SampleShopPage.Path)}?writeKey=<an ingest key> (the browser tracker, {TrackerScript.Path})");
        }

        return host;
    }

    public Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken) => Sources.DrainAsync(timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_api is not null)
        {
            await _api.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _api.DisposeAsync().ConfigureAwait(false);
        }

        await Sources.DisposeAsync().ConfigureAwait(false);
        if (_firehoseServer is not null) await _firehoseServer.StopAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var f in _functions.Values)
        {
            if (f is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
            else if (f is IDisposable s) s.Dispose();
        }
    }
}

public sealed record LocalHostOptions
{
    public IReadOnlyDictionary<string, string>? Settings { get; init; }

    public KinesisEventSourceOptions StreamProcessor { get; init; } = new() { BatchSize = 500, MaximumBatchingWindow = TimeSpan.FromMilliseconds(250) };

    public LocalFirehoseOptions Firehose { get; init; } = new();

    public TextWriter? Log { get; init; }

    /// <summary>Another set of resources than the stack's own (a demo run's).</summary>
    public ResourceBindings? Names { get; init; }

    /// <summary>Other endpoints than the stack's (e.g. a demo run's own warehouse database).</summary>
    public ServiceEndpoints? Endpoints { get; init; }

    /// <summary>A Firehose server process to serve the direct-put delivery streams (started and stopped with the host), instead of the in-process stand-in.</summary>
    public Stack.Servers.FirehoseServer? FirehoseServer { get; init; }

    /// <summary>Serve the ingest and query API on the stack's API port.</summary>
    public bool Api { get; init; } = true;

    /// <summary>Where the functions' EMF metrics and JSON logs go (stdout in Lambda); null keeps stderr.</summary>
    public TextWriter? FunctionOutput { get; init; }
}
