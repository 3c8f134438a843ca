using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Logs;

namespace ECommerceAgents.Functions.LogTransformer;

/// <summary>
/// LogTransformer: the platform's Firehose processor. For the logs delivery stream it is the transformation; for the
/// enriched stream it only returns each record's partition keys (<see cref="ZoneLayout.EnrichedPartitionKeys"/>),
/// in place of Firehose's JQ extraction, which bills every hour it runs. This class only wires the Firehose client
/// (once per container) and maps the transformation event to <see cref="LogBatchTransformer"/> and back.
/// </summary>
public sealed class LogTransformerFunction
{
    public const string Name = "LogTransformer";

    private readonly LogTransformerSettings _settings;
    private readonly FirehoseClient? _firehose;
    private readonly ILogReingestion? _reingestion;
    private readonly FunctionTelemetry _telemetry;
    private readonly JsonLog _log;

    private LogTransformerFunction(FunctionEnvironment env, FirehoseClient? firehose, ILogReingestion? reingestion)
    {
        _firehose = firehose;
        _reingestion = reingestion;
        _telemetry = new FunctionTelemetry(Name, env);
        _log = _telemetry.Log;
        _settings = LogTransformerSettings.From(env);
        Handler = new JsonFunctionHandler<RawTransformationEvent, RawTransformationResponse>(
            Name, TransformationWireJsonContext.Default.RawTransformationEvent, TransformationWireJsonContext.Default.RawTransformationResponse, HandleAsync);
    }

    public IFunctionHandler Handler { get; }

    /// <summary>Builds the Firehose client once per container. Credentials resolve on first use, not here.</summary>
    public static Task<IFunctionHandler> CreateAsync(FunctionEnvironment env, CancellationToken cancellationToken)
    {
        env = env.For(Name);
        return Task.FromResult(new LogTransformerFunction(env, StreamClients.Firehose(env.Endpoints), null).Handler);
    }

    /// <summary>For tests: the function over a given re-ingestion port.</summary>
    public static LogTransformerFunction Create(FunctionEnvironment env, ILogReingestion reingestion) => new(env, null, reingestion);

    public async Task<RawTransformationResponse> HandleAsync(RawTransformationEvent evt, LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        _telemetry.Begin(invocation);
        if (_settings.EnrichedStream is { } enriched && StreamOf(evt) == enriched) return Partition(evt, invocation);
        var reingestion = _reingestion ?? new FirehoseLogReingestion(_firehose!, StreamName(evt));
        var transformer = new LogBatchTransformer(_settings.Transform, reingestion);
        var inputs = evt.Records.Select(r => new LogInputRecord(r.RecordId, r.Data ?? string.Empty, r.ApproximateArrivalTimestamp)).ToArray();
        var result = await transformer.TransformAsync(inputs, cancellationToken).ConfigureAwait(false);

        var response = new RawTransformationResponse(result.Records
            .Select(r => new RawOutputRecord(r.RecordId, r.Result, r.Data, r.PartitionKeys is { } keys ? new FirehoseRecordMetadata { PartitionKeys = keys } : null))
            .ToArray());
        Report(result.Stats, invocation);
        return response;
    }

    /// <summary>
    /// The enriched stream's records, unchanged, each with its partition keys; a record without them (not JSON, no
    /// <c>partition</c> object, an unsafe value) is ProcessingFailed, which Firehose writes under the error prefix.
    /// </summary>
    private RawTransformationResponse Partition(RawTransformationEvent evt, LambdaInvocation invocation)
    {
        var failed = new Dictionary<string, int>(StringComparer.Ordinal);
        var records = new RawOutputRecord[evt.Records.Count];
        for (var i = 0; i < records.Length; i++)
        {
            var r = evt.Records[i];
            var data = r.Data ?? string.Empty; // a null on the wire is an empty record, failed below, not a failed batch
            try
            {
                var keys = ZoneLayout.EnrichedPartitionKeys(Convert.FromBase64String(data));
                records[i] = new RawOutputRecord(r.RecordId, FirehoseResult.Ok, data, new FirehoseRecordMetadata { PartitionKeys = keys });
            }
            catch (FormatException ex)
            {
                records[i] = new RawOutputRecord(r.RecordId, FirehoseResult.ProcessingFailed, data);
                failed[ex.Message] = failed.GetValueOrDefault(ex.Message) + 1;
            }
        }

        var metrics = _telemetry.Metrics(invocation);
        metrics.Add("EnrichedRecordsPartitioned", records.Length - failed.Values.Sum());
        metrics.Add("EnrichedRecordsFailed", failed.Values.Sum());
        metrics.Flush();
        foreach (var (reason, count) in failed) _log.Warn("enriched records without partition keys", ("reason", reason), ("count", count));
        return new RawTransformationResponse(records);
    }

    /// <summary>The delivery stream named by the event's ARN (the stream that invoked us).</summary>
    private static string? StreamOf(RawTransformationEvent evt) =>
        evt.DeliveryStreamArn is { } arn && arn.LastIndexOf('/') is var slash and >= 0 ? arn[(slash + 1)..] : null;

    /// <summary>The configured logs delivery stream; else the one named by the event's ARN (the stream that invoked us).</summary>
    private string StreamName(RawTransformationEvent evt) =>
        _settings.DeliveryStream
        ?? StreamOf(evt)
        ?? throw new InvalidOperationException($"{DeliveryStreams.Logs.EnvironmentVariable} is required to re-ingest overflow records.");

    private void Report(LogBatchStats stats, LambdaInvocation invocation)
    {
        var metrics = _telemetry.Metrics(invocation);
        metrics.Add("RecordsIn", stats.Records);
        metrics.Add("RecordsOk", stats.Ok);
        metrics.Add("RecordsDropped", stats.Dropped);
        metrics.Add("RecordsFailed", stats.Failed);
        metrics.Add("ControlMessages", stats.ControlMessages);
        metrics.Add("LinesIn", stats.LinesIn);
        metrics.Add("LinesOut", stats.LinesOut);
        metrics.Add("NoiseLines", stats.NoiseLines);
        metrics.Add("RecordsReingested", stats.ReingestedRecords);
        metrics.Add("MaskedEmails", stats.Masked.Emails);
        metrics.Add("MaskedCards", stats.Masked.Cards);
        metrics.Add("MaskedSecrets", stats.Masked.Secrets);
        metrics.Add("ResponseBytes", stats.ResponseBytes, MetricUnit.Bytes);
        metrics.Flush();
        foreach (var (reason, count) in stats.FailureReasons)
        {
            _log.Warn("records failed", ("reason", reason), ("count", count));
        }

        if (stats.ReingestedRecords > 0)
        {
            _log.Info("response budget reached: records re-ingested", ("records", stats.ReingestedRecords), ("putRecords", stats.Reingested), ("split", stats.Split));
        }
    }
}
