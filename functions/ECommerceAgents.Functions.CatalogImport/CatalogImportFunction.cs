using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Catalog;

namespace ECommerceAgents.Functions.CatalogImport;

/// <summary>
/// CatalogImport: S3 "Object Created" (through EventBridge) under <see cref="ZoneLayout.CatalogIncoming"/> →
/// <see cref="CatalogImporter"/>. This class only wires the DynamoDB, S3 and Kinesis clients (once per container) and
/// maps the event's object to an import.
/// </summary>
public sealed class CatalogImportFunction : IAsyncDisposable
{
    public const string Name = "CatalogImport";

    private readonly CatalogImporter _importer;
    private readonly string _landing;
    private readonly FunctionTelemetry _telemetry;
    private readonly JsonLog _log;
    private readonly OwnedClients _owned;

    private CatalogImportFunction(FunctionEnvironment env, CatalogImportSettings settings, ICatalogStore store, ICatalogFiles files, IProductEventSink events, OwnedClients owned)
    {
        _landing = env.Names.Bucket(Buckets.Landing);
        _owned = owned;
        _telemetry = new FunctionTelemetry(Name, env);
        _log = _telemetry.Log;
        _importer = new CatalogImporter(settings.Cleanser, store, files, events, settings.Import, env.Clock);
        Handler = new JsonFunctionHandler<EventBridgeEvent, CatalogImportResponse>(Name, LambdaEventsJsonContext.Default.EventBridgeEvent, CatalogImportJsonContext.Default.CatalogImportResponse, HandleAsync);
    }

    public IFunctionHandler Handler { get; }

    /// <summary>Builds every client once per container; the classifier is trained on first use. Credentials resolve on first use.</summary>
    public static Task<IFunctionHandler> CreateAsync(FunctionEnvironment env, CancellationToken cancellationToken)
    {
        env = env.For(Name);
        var settings = CatalogImportSettings.From(env);
        var dynamo = DynamoDbClientFactory.Create(env.Endpoints);
        var s3 = S3ClientFactory.Create(env.Endpoints);
        var kinesis = StreamClients.Kinesis(env.Endpoints);
        var function = new CatalogImportFunction(env, settings,
            new CatalogStore(dynamo, env.Names, settings.DynamoDbConcurrency),
            new S3CatalogFiles(s3, env.Names),
            new KinesisProductEvents(kinesis, env.Names.Stream(Streams.Events)),
            new OwnedClients(dynamo, s3));
        return Task.FromResult<IFunctionHandler>(new OwningHandler(function.Handler, function));
    }

    /// <summary>For tests and benchmarks: the function over given ports.</summary>
    public static CatalogImportFunction Create(FunctionEnvironment env, ICatalogStore store, ICatalogFiles files, IProductEventSink events) => new(env, CatalogImportSettings.From(env), store, files, events, OwnedClients.None);

    public async Task<CatalogImportResponse> HandleAsync(EventBridgeEvent evt, LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        _telemetry.Begin(invocation);
        if (evt.AsS3ObjectCreated() is not { } created)
        {
            return Ignored(string.Empty, string.Empty, $"{evt.Source} \"{evt.DetailType}\" is not an S3 Object Created event");
        }

        var bucket = created.Bucket.Name;
        var key = created.Object.Key;
        if (bucket != _landing)
        {
            // The rule already filters on the landing bucket; an object elsewhere is not ours to read (and in AWS the
            // role could not: it reads the landing bucket's incoming prefix only).
            return Ignored(bucket, key, $"not the landing bucket ({_landing})");
        }

        if (!key.StartsWith(ZoneLayout.CatalogIncoming, StringComparison.Ordinal))
        {
            // Only uploads under the incoming prefix are imports: a report or copy must never start one.
            return Ignored(bucket, key, $"not under {ZoneLayout.CatalogIncoming}");
        }

        var report = await _importer.ImportAsync(bucket, key, cancellationToken).ConfigureAwait(false);
        if (report.Status == "not_found" && created.Object.FallbackKey is { } decoded)
        {
            // The event may carry the key URL-encoded, as S3's notifications do (a space as '+').
            report = await _importer.ImportAsync(bucket, decoded, cancellationToken).ConfigureAwait(false);
        }

        Report(report, invocation);
        return new CatalogImportResponse([CatalogImportResult.From(report)]);
    }

    private CatalogImportResponse Ignored(string bucket, string key, string reason)
    {
        _log.Info("event ignored", ("bucket", bucket), ("key", key), ("reason", reason));
        return new CatalogImportResponse([new CatalogImportResult(bucket, key, "ignored", Message: reason)]);
    }

    private void Report(ImportReport report, LambdaInvocation invocation)
    {
        var metrics = _telemetry.Metrics(invocation);
        metrics.Property("importId", report.ImportId);
        metrics.Property("status", report.Status);
        metrics.Add("RowsIn", report.Rows);
        metrics.Add("RowsOk", report.Ok);
        metrics.Add("RowsRejected", report.Rejected);
        metrics.Add("RowsDuplicate", report.Duplicates);
        metrics.Add("ProductsNew", report.New);
        metrics.Add("ProductsChanged", report.Changed);
        metrics.Add("ProductsUnchanged", report.Unchanged);
        metrics.Add("ProductsDeleted", report.Deleted);
        metrics.Add("StockDeltasEmitted", report.StockDeltasEmitted);
        metrics.Add("CategoriesClassified", report.Classifier.Classified);
        metrics.Add("ClassifierLowConfidence", report.Classifier.LowConfidence);
        var ms = (report.CompletedAt - report.StartedAt).TotalMilliseconds;
        metrics.Add("ImportMs", Math.Round(ms, 1), MetricUnit.Milliseconds);
        if (ms > 0 && report.Rows > 0) metrics.Add("RowsPerSecond", Math.Round(report.Rows / (ms / 1000.0)), MetricUnit.None);
        metrics.Flush();
        var level = report.Status is "completed" or "unchanged_same_content" ? LogLevel.Info : LogLevel.Warn;
        _log.Write(level, "catalog import " + report.Status, ("importId", report.ImportId), ("key", report.Key), ("rows", report.Rows), ("rejected", report.Rejected), ("new", report.New), ("changed", report.Changed), ("unchanged", report.Unchanged), ("message", report.Message));
    }

    public ValueTask DisposeAsync() => _owned.DisposeAsync();
}
