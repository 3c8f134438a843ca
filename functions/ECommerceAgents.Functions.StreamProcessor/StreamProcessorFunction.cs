using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Kms;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Validation;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Metrics;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;
using ConnectionMultiplexer = StackExchange.Redis.ConnectionMultiplexer;

namespace ECommerceAgents.Functions.StreamProcessor;

/// <summary>
/// StreamProcessor: Kinesis → validate → enrich → DynamoDB, Redis, the enriched zone and the quarantine. This class
/// only wires clients (once per container) and maps the Kinesis event to the domain service and back.
/// </summary>
public sealed class StreamProcessorFunction : IAsyncDisposable
{
    public const string Name = "StreamProcessor";

    /// <summary>The per-event processing lag (arrival on the stream → last write acknowledged), one EMF value per event.</summary>
    public const string EventLagMetric = "EventProcessingLagMs";

    /// <summary>The message of the per-batch log line listing the acknowledged event ids (with <see cref="SettingNames.LogAcknowledgedEvents"/>).</summary>
    public const string AcknowledgedMessage = "batch acknowledged";

    private readonly StreamProcessorService _service;
    private readonly TimeProvider _clock;
    private readonly TextWriter _output;
    private readonly JsonLog _log;
    private readonly IDisposable[] _owned;
    private readonly bool _logAcknowledged;

    private StreamProcessorFunction(FunctionEnvironment env, string pseudonymKey, IStreamStateStore store, IDedupWindow dedup, IEnrichedSink enriched, IQuarantine quarantine, IRealtimeProjection realtime, IRealtimeJournal journal, IDisposable[] owned, SubjectKeyring? keyring)
    {
        _owned = owned;
        _clock = env.Clock;
        _output = env.Output;
        _log = new JsonLog(Name, env.Output, env.Clock);
        var settings = StreamProcessorSettings.From(env);
        _logAcknowledged = settings.LogAcknowledgedEvents;
        _service = new StreamProcessorService(pseudonymKey, store, dedup, enriched, quarantine, realtime, journal, settings.Processor, env.Clock, keyring);
        Handler = new JsonFunctionHandler<KinesisEvent, StreamsEventResponse>(Name, LambdaEventsJsonContext.Default.KinesisEvent, LambdaEventsJsonContext.Default.StreamsEventResponse, HandleAsync);
    }

    public IFunctionHandler Handler { get; }

    /// <summary>Builds every client once per container. Credentials resolve on first use, not here.</summary>
    public static async Task<IFunctionHandler> CreateAsync(FunctionEnvironment env, CancellationToken cancellationToken)
    {
        env = env.For(Name);
        var key = await StreamProcessorSettings.PseudonymKeyAsync(env, cancellationToken).ConfigureAwait(false);
        var dynamo = DynamoDbClientFactory.Create(env.Endpoints);
        var s3 = S3ClientFactory.Create(env.Endpoints);
        var firehose = StreamClients.Firehose(env.Endpoints);
        var redis = ConnectionMultiplexer.Connect(RedisConnectionFactory.Options(env.Endpoints.Redis ?? throw new InvalidOperationException($"{ServiceEndpoints.RedisVariable} is required.")));
        var settings = StreamProcessorSettings.From(env);
        var redisPrefix = settings.RedisPrefix;
        var function = new StreamProcessorFunction(
            env,
            key,
            new StreamStateStore(dynamo, env.Names, env.Clock),
            new RedisDedupWindow(redis, new RedisKeys(redisPrefix), settings.Processor.DedupWindow, env.Clock),
            new FirehoseEnrichedSink(firehose, env.Names.DeliveryStream(DeliveryStreams.Enriched)),
            new S3Quarantine(s3, env.Names),
            new RedisRealtimeProjection(redis, new RealtimeOptions { KeyPrefix = redisPrefix }, env.Clock),
            new S3RealtimeJournal(s3, env.Names),
            [dynamo, s3, redis],
            SubjectKeyringFactory.Create(env.Endpoints, env.Names, dynamo, env.Setting, env.Clock));
        return new OwningHandler(function.Handler, function);
    }

    /// <summary>For tests and benchmarks: the function over given ports.</summary>
    public static StreamProcessorFunction Create(FunctionEnvironment env, string pseudonymKey, IStreamStateStore store, IDedupWindow dedup, IEnrichedSink enriched, IQuarantine quarantine, IRealtimeProjection realtime, IRealtimeJournal journal, SubjectKeyring? keyring = null) =>
        new(env, pseudonymKey, store, dedup, enriched, quarantine, realtime, journal, [], keyring);

    public async Task<StreamsEventResponse> HandleAsync(KinesisEvent evt, LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        _log.CorrelationId = invocation.RequestId;
        // Decoded per record: data that is not base64 rejects its record alone, never the batch. A record the API
        // packed with several events is split into them; a retry names the record, and its events already applied are
        // recognised by their sub-sequence.
        var inputs = evt.Records.SelectMany(r => StreamInput.FromBase64(
            new StreamPosition(r.ShardId, r.Kinesis.SequenceNumber),
            r.Kinesis.PartitionKey,
            r.Kinesis.Data,
            r.Kinesis.ApproximateArrivalTime).SubRecords()).ToArray();

        var outcome = await _service.ProcessAsync(inputs, cancellationToken).ConfigureAwait(false);
        Report(outcome, invocation);
        return outcome.RetryFrom is { } from ? StreamsEventResponse.FailFrom(from.SequenceNumber) : StreamsEventResponse.Success;
    }

    private void Report(StreamOutcome outcome, LambdaInvocation invocation)
    {
        var metrics = new MetricsWriter("ECommerceAgents", new Dictionary<string, string> { ["Function"] = Name }, _output, _clock);
        metrics.Property("requestId", invocation.RequestId);
        metrics.Add("RecordsIn", outcome.Records);
        metrics.Add("RecordsValid", outcome.Valid);
        metrics.Add("RecordsQuarantined", outcome.Quarantined);
        metrics.Add("RecordsBot", outcome.Bots);
        metrics.Add("DuplicatesDropped", outcome.Duplicates);
        metrics.Add("RecordsConsentDropped", outcome.ConsentDropped);
        metrics.Add("RealtimeStale", outcome.RealtimeStale ? 1 : 0);
        metrics.Add("BatchRetried", outcome.RetryFrom is null ? 0 : 1);
        metrics.Add("ConflictRetries", outcome.ConflictRetries);
        if (outcome.Records > 0)
        {
            metrics.Add("ErrorRate", Math.Round(100.0 * outcome.Quarantined / outcome.Records, 3), MetricUnit.Percent);
        }

        if (outcome.LagMilliseconds.Count > 0)
        {
            // One value per event, so the alarm's p99 is a p99 over events, not over batches (EMF pages them by 100).
            metrics.AddRange(EventLagMetric, outcome.LagMilliseconds.Select(l => Math.Round(l)), MetricUnit.Milliseconds);
            metrics.Add("ProcessingLagMaxMs", Math.Round(outcome.LagMilliseconds.Max()), MetricUnit.Milliseconds);
        }

        foreach (var (store, ms) in outcome.StoreMilliseconds)
        {
            metrics.Add("LatencyMs." + store, Math.Round(ms, 2), MetricUnit.Milliseconds);
        }

        metrics.Flush();
        if (_logAcknowledged && outcome.AcknowledgedAt is { } at)
        {
            _log.Info(AcknowledgedMessage, ("acknowledgedAt", at.ToString("O", System.Globalization.CultureInfo.InvariantCulture)), ("events", outcome.Acknowledged.Count), ("eventIds", outcome.Acknowledged));
        }

        foreach (var error in outcome.Errors.Take(5))
        {
            _log.Warn("write failed", ("error", error), ("retryFrom", outcome.RetryFrom?.ToString()));
        }
    }

    public ValueTask DisposeAsync()
    {
        _service.Dispose();
        foreach (var d in _owned) d.Dispose();
        return ValueTask.CompletedTask;
    }
}
