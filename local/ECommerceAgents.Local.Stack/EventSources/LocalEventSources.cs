using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>
/// The local event-source layer, run by <c>serve</c>: Kinesis pollers with event-source-mapping semantics, the
/// Firehose stand-in (HTTP API, buffering, transformation, partitioning, the Kinesis-sourced raw archive) and S3
/// Object Created events through EventBridge. Functions register themselves; anything not registered simply has no trigger.
/// </summary>
public sealed class LocalEventSources : IAsyncDisposable
{
    private readonly LocalStack _stack;
    private readonly JsonLog _log;
    private readonly List<Func<CancellationToken, Task>> _loops = [];
    private readonly List<Task> _running = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, FirehoseDeliveryStream> _deliveryStreams = new(StringComparer.Ordinal);
    private readonly List<KinesisEventSource> _kinesisSources = [];
    private readonly List<S3EventBridgeSource> _s3Sources = [];
    private FirehoseKinesisSource? _rawArchive;
    private FirehoseEndpoint? _firehose;

    private readonly ResourceBindings _names;
    private readonly int _firehosePort;

    /// <param name="names">The resources to serve (a test class's own); the stack's by default.</param>
    /// <param name="firehosePort">The Firehose API's port; the stack's by default.</param>
    public LocalEventSources(LocalStack stack, JsonLog? log = null, LocalFirehoseOptions? firehoseOptions = null, IReadOnlyDictionary<string, IFunctionHandler>? transforms = null, ResourceBindings? names = null, int? firehosePort = null)
    {
        _stack = stack;
        _names = names ?? stack.Names;
        _firehosePort = firehosePort ?? stack.Options.Ports.Firehose;
        _log = log ?? new JsonLog("event-sources", TextWriter.Null);
        FirehoseOptions = firehoseOptions ?? new LocalFirehoseOptions();
        foreach (var definition in DeliveryStreams.All)
        {
            IFunctionHandler? transform = null;
            if (definition.TransformedByLambda) transforms?.TryGetValue(definition.Id, out transform);
            var name = _names.DeliveryStream(definition);
            _deliveryStreams[name] = new FirehoseDeliveryStream(definition, name, _names.Bucket(definition.Destination), stack.S3Client, transform, FirehoseOptions, _log, stack.Options.Region);
        }
    }

    public LocalFirehoseOptions FirehoseOptions { get; }

    /// <summary>
    /// The <c>transforms</c> of every delivery stream with a Lambda processor, all served by <paramref name="processor"/>
    /// (LogTransformer, as in AWS: the logs stream's transformation and the enriched stream's partition keys).
    /// </summary>
    public static IReadOnlyDictionary<string, IFunctionHandler> Processors(IFunctionHandler processor) =>
        DeliveryStreams.All.Where(d => d.TransformedByLambda).ToDictionary(d => d.Id, _ => processor, StringComparer.Ordinal);

    /// <summary>
    /// A Firehose server process that serves the direct-put delivery streams instead of this layer (the demo's, so
    /// that it can be killed and restarted); the raw archive, which reads the stream, stays here. Set before start.
    /// </summary>
    public Servers.FirehoseServer? ExternalFirehose { get; init; }

    public FirehoseEndpoint? Firehose => _firehose;

    public IReadOnlyList<KinesisEventSource> KinesisSources => _kinesisSources;

    public IReadOnlyList<S3EventBridgeSource> S3Sources => _s3Sources;

    public FirehoseDeliveryStream DeliveryStream(DeliveryStreamDefinition definition) => _deliveryStreams[_names.DeliveryStream(definition)];

    public int FirehosePort => _firehosePort;

    private string StateFile(string name) => Path.Combine(_stack.Options.StateDirectory, "event-sources", name);

    /// <summary>A function triggered by the events stream, with Lambda's event-source-mapping semantics.</summary>
    public KinesisEventSource AddKinesis(IFunctionHandler function, KinesisEventSourceOptions? options = null, StreamDefinition? stream = null)
    {
        stream ??= Streams.Events;
        var name = _names.Stream(stream);
        options ??= new KinesisEventSourceOptions();
        options = options with
        {
            OnFailureBucket = options.OnFailureBucket ?? _names.Bucket(Buckets.Quarantine),
            CheckpointFile = options.CheckpointFile ?? StateFile($"{function.Name}.{name}.checkpoints.json"),
        };
        var source = new KinesisEventSource(_stack.KinesisClient, name, $"arn:aws:kinesis:{_stack.Options.Region}:000000000000:stream/{name}", function, options, _stack.S3Client, _log, _stack.Options.Region);
        _kinesisSources.Add(source);
        _loops.Add(source.RunAsync);
        return source;
    }

    /// <summary>A function triggered by objects created under a prefix (S3 → EventBridge "Object Created", a rule on bucket and prefix).</summary>
    public S3EventBridgeSource AddS3(IFunctionHandler function, BucketDefinition bucket, string prefix)
    {
        var source = new S3EventBridgeSource(_stack.S3Client, _names.Bucket(bucket), prefix, function, StateFile($"{function.Name}.{_names.Bucket(bucket)}.s3-seen.json"), _log, _stack.Options.Region);
        _s3Sources.Add(source);
        _loops.Add(source.RunAsync);
        return source;
    }

    /// <summary>Starts the Firehose API, the raw archive's reader of the events stream and every registered source.</summary>
    /// <param name="rawArchive">False for a one-off <c>invoke</c>: only the Firehose API runs, and nothing reads the stream.</param>
    public async Task StartAsync(CancellationToken cancellationToken, bool rawArchive = true)
    {
        Directory.CreateDirectory(StateFile(string.Empty));
        if (ExternalFirehose is null)
        {
            _firehose = new FirehoseEndpoint(_firehosePort, _deliveryStreams.Values);
            await _firehose.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        if (rawArchive)
        {
            var raw = DeliveryStream(DeliveryStreams.RawArchive);
            _rawArchive = new FirehoseKinesisSource(_stack.KinesisClient, _names.Stream(Streams.Events), raw, StateFile(_names.Stream(Streams.Events) + ".raw-archive.checkpoints.json"), _log);
            _running.Add(Task.Run(() => _rawArchive.RunAsync(_stop.Token), CancellationToken.None));
        }

        foreach (var stream in _deliveryStreams.Values.Where(s => s.Definition.Source == DeliverySource.DirectPut && ExternalFirehose is null))
        {
            _running.Add(Task.Run(() => stream.RunAsync(_stop.Token), CancellationToken.None));
        }

        foreach (var loop in _loops)
        {
            _running.Add(Task.Run(() => loop(_stop.Token), CancellationToken.None));
        }
    }

    /// <summary>
    /// Waits until everything written before this call has gone through: the stream pollers and S3 Object Created events
    /// have caught up, then every delivery stream is flushed to S3.
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        foreach (var source in _kinesisSources) await source.WaitUntilCaughtUpAsync(timeout, cancellationToken).ConfigureAwait(false);
        foreach (var source in _s3Sources) await source.WaitUntilCaughtUpAsync(timeout, cancellationToken).ConfigureAwait(false);
        // Functions triggered above may have written to the stream again (catalog stock deltas): one more pass.
        foreach (var source in _kinesisSources) await source.WaitUntilCaughtUpAsync(timeout, cancellationToken).ConfigureAwait(false);
        if (_rawArchive is not null) await _rawArchive.WaitUntilCaughtUpAsync(timeout, cancellationToken).ConfigureAwait(false);
        if (ExternalFirehose is { } server)
        {
            await server.FlushAsync(timeout, cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var stream in _deliveryStreams.Values.Where(s => s.Definition.Source == DeliverySource.DirectPut))
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_running).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        if (_firehose is not null) await _firehose.DisposeAsync().ConfigureAwait(false);
        foreach (var s in _deliveryStreams.Values) s.Dispose();
        _stop.Dispose();
    }
}
