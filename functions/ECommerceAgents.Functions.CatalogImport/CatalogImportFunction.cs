using System.Text.Json;
using System.Text.Json.Serialization;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Catalog;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Metrics;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Functions.CatalogImport;

/// <summary>
/// CatalogImport: S3 "Object Created" (through EventBridge) under <see cref="Prefixes.CatalogIncoming"/> →
/// <see cref="CatalogImporter"/>. This class only wires the DynamoDB, S3 and Kinesis clients (once per container) and
/// maps the event's object to an import.
/// </summary>
public sealed class CatalogImportFunction : IAsyncDisposable
{
    public const string Name = "CatalogImport";

    private readonly CatalogImporter _importer;
    private readonly FunctionEnvironment _env;
    private readonly JsonLog _log;
    private readonly IDisposable[] _owned;

    private CatalogImportFunction(FunctionEnvironment env, ICatalogStore store, ICatalogFiles files, IProductEventSink events, IDisposable[] owned)
    {
        _env = env;
        _owned = owned;
        _log = new JsonLog(Name, env.Output, env.Clock);
        var cleanser = new ProductCleanser(CategoryClassifier.Default, new CleanserOptions
        {
            DefaultCurrency = env.Setting("ECA_CATALOG_DEFAULT_CURRENCY"),
            LowStockThreshold = env.IntSetting("ECA_CATALOG_LOW_STOCK", 5),
        });
        _importer = new CatalogImporter(cleanser, store, files, events, new CatalogImportOptions
        {
            ChunkSize = env.IntSetting("ECA_CATALOG_CHUNK", 1000),
            TempDirectory = env.Setting("ECA_CATALOG_TEMP"),
        }, env.Clock);
        Handler = new JsonFunctionHandler<EventBridgeEvent, CatalogImportResponse>(Name, LambdaEventsJsonContext.Default.EventBridgeEvent, CatalogImportJsonContext.Default.CatalogImportResponse, HandleAsync);
    }

    public IFunctionHandler Handler { get; }

    /// <summary>Builds every client once per container; the classifier is trained on first use. Credentials resolve on first use.</summary>
    public static Task<IFunctionHandler> CreateAsync(FunctionEnvironment env, CancellationToken cancellationToken)
    {
        env = env.For(Name);
        var dynamo = DynamoDbClientFactory.Create(env.Endpoints);
        var s3 = S3ClientFactory.Create(env.Endpoints);
        var kinesis = StreamClients.Kinesis(env.Endpoints);
        var function = new CatalogImportFunction(env,
            new CatalogStore(dynamo, env.Names, env.IntSetting("ECA_CATALOG_DYNAMODB_CONCURRENCY", 8)),
            new S3CatalogFiles(s3, env.Names),
            new KinesisProductEvents(kinesis, env.Names.Stream(Streams.Events)),
            [dynamo, s3]);
        return Task.FromResult<IFunctionHandler>(new OwningHandler(function.Handler, function));
    }

    /// <summary>For tests and benchmarks: the function over given ports.</summary>
    public static CatalogImportFunction Create(FunctionEnvironment env, ICatalogStore store, ICatalogFiles files, IProductEventSink events) => new(env, store, files, events, []);

    public async Task<CatalogImportResponse> HandleAsync(EventBridgeEvent evt, LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        _log.CorrelationId = invocation.RequestId;
        if (evt.AsS3ObjectCreated() is not { } created)
        {
            return Ignored(string.Empty, string.Empty, $"{evt.Source} \"{evt.DetailType}\" is not an S3 Object Created event");
        }

        var bucket = created.Bucket.Name;
        var key = created.Object.Key;
        if (bucket != _env.Names.Bucket(Buckets.Landing))
        {
            // The rule already filters on the landing bucket; an object elsewhere is not ours to read (and in AWS the
            // role could not: it reads the landing bucket's incoming prefix only).
            return Ignored(bucket, key, $"not the landing bucket ({_env.Names.Bucket(Buckets.Landing)})");
        }

        if (!key.StartsWith(Prefixes.CatalogIncoming, StringComparison.Ordinal))
        {
            // Only uploads under the incoming prefix are imports: a report or copy must never start one.
            return Ignored(bucket, key, $"not under {Prefixes.CatalogIncoming}");
        }

        var report = await _importer.ImportAsync(bucket, key, cancellationToken).ConfigureAwait(false);
        if (report.Status == "not_found" && created.Object.FallbackKey is { } decoded)
        {
            // The event may carry the key URL-encoded, as S3's notifications do (a space as '+').
            report = await _importer.ImportAsync(bucket, decoded, cancellationToken).ConfigureAwait(false);
        }

        Report(report, invocation);
        return new CatalogImportResponse { Imports = [CatalogImportResult.From(report)] };
    }

    private CatalogImportResponse Ignored(string bucket, string key, string reason)
    {
        _log.Info("event ignored", ("bucket", bucket), ("key", key), ("reason", reason));
        return new CatalogImportResponse { Imports = [new CatalogImportResult { Bucket = bucket, Key = key, Status = "ignored", Message = reason }] };
    }

    private void Report(ImportReport report, LambdaInvocation invocation)
    {
        var metrics = new MetricsWriter("ECommerceAgents", new Dictionary<string, string> { ["Function"] = Name }, _env.Output, _env.Clock);
        metrics.Property("requestId", invocation.RequestId);
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

    public ValueTask DisposeAsync()
    {
        foreach (var d in _owned) d.Dispose();
        return ValueTask.CompletedTask;
    }

}

/// <summary>What an invocation answers: one summary for the event's object (the full report is in S3). A list, as callers already read it.</summary>
public sealed record CatalogImportResponse
{
    public required IReadOnlyList<CatalogImportResult> Imports { get; init; }
}

public sealed record CatalogImportResult
{
    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public required string Status { get; init; }

    public string? ImportId { get; init; }

    public string? Report { get; init; }

    public string? Message { get; init; }

    public long Rows { get; init; }

    public long Ok { get; init; }

    public long Rejected { get; init; }

    public long Duplicates { get; init; }

    public long New { get; init; }

    public long Changed { get; init; }

    public long Unchanged { get; init; }

    public long Deleted { get; init; }

    public long StockDeltasEmitted { get; init; }

    public string? SearchOutbox { get; init; }

    public static CatalogImportResult From(ImportReport r) => new()
    {
        Bucket = r.Bucket,
        Key = r.Key,
        Status = r.Status,
        ImportId = r.ImportId,
        Report = r.Status == "not_found" ? null : $"s3://{r.Bucket}/{CatalogImporter.ReportKey(r.ImportId)}",
        Message = r.Message,
        Rows = r.Rows,
        Ok = r.Ok,
        Rejected = r.Rejected,
        Duplicates = r.Duplicates,
        New = r.New,
        Changed = r.Changed,
        Unchanged = r.Unchanged,
        Deleted = r.Deleted,
        StockDeltasEmitted = r.StockDeltasEmitted,
        SearchOutbox = r.SearchOutbox,
    };
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CatalogImportResponse))]
public sealed partial class CatalogImportJsonContext : JsonSerializerContext;
