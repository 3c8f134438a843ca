using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Search;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Search;

namespace ECommerceAgents.Functions.SearchIndexer;

/// <summary>
/// SearchIndexer: S3 "Object Created" (through EventBridge) on the processed zone's <c>search-outbox/</c> (or the hourly schedule, which re-drives
/// today's and yesterday's outbox) → <c>_bulk</c> into OpenSearch's <c>products</c> and <c>daily-metrics</c> indexes, or,
/// without <c>OPENSEARCH_ENDPOINT</c>, the same <c>_bulk</c> NDJSON into <c>search-export/</c>.
/// </summary>
public sealed class SearchIndexerFunction : IFunctionHandler, IAsyncDisposable
{
    public const string FunctionName = "SearchIndexer";

    private readonly SearchIndexingService _service;
    private readonly string _bucket;
    private readonly TimeProvider _clock;
    private readonly FunctionTelemetry _telemetry;
    private readonly JsonLog _log;
    private readonly OwnedClients _owned;

    private SearchIndexerFunction(FunctionEnvironment env, SearchIndexingService service, string bucket, OwnedClients owned)
    {
        _service = service;
        _bucket = bucket;
        _clock = env.Clock;
        _telemetry = new FunctionTelemetry(FunctionName, env);
        _log = _telemetry.Log;
        _owned = owned;
    }

    public string Name => FunctionName;

    public static Task<IFunctionHandler> CreateAsync(FunctionEnvironment env, CancellationToken cancellationToken)
    {
        env = env.For(FunctionName);
        var s3 = S3ClientFactory.Create(env.Endpoints);
        var processed = new S3ObjectStore(s3, env.Names.Bucket(Buckets.Processed));
        var quarantine = new S3ObjectStore(s3, env.Names.Bucket(Buckets.Quarantine));
        ISearchIndex? index = null;
        if (env.Endpoints.OpenSearch is { } endpoint)
        {
            var auth = OpenSearchAuth.For(endpoint, env.Setting, () => AwsHttp.Credentials(env.Endpoints), env.Endpoints.Region);
            index = new OpenSearchClient(AwsHttp.Http, endpoint, auth, caller: env.Endpoints.Caller);
        }

        var service = new SearchIndexingService(processed, quarantine, index, env.Clock);
        return Task.FromResult<IFunctionHandler>(new SearchIndexerFunction(env, service, processed.Bucket, new OwnedClients(s3)));
    }

    /// <summary>For tests: the function over a given search index (null for export mode).</summary>
    public static IFunctionHandler Create(FunctionEnvironment env, Amazon.S3.IAmazonS3 s3, ISearchIndex? index)
    {
        var service = new SearchIndexingService(new S3ObjectStore(s3, env.Names.Bucket(Buckets.Processed)), new S3ObjectStore(s3, env.Names.Bucket(Buckets.Quarantine)), index, env.Clock);
        return new SearchIndexerFunction(env, service, env.Names.Bucket(Buckets.Processed), OwnedClients.None);
    }

    public async Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        _telemetry.Begin(invocation);
        EventBridgeEvent evt;
        try
        {
            evt = JsonSerializer.Deserialize(payload.Span, LambdaEventsJsonContext.Default.EventBridgeEvent)
                ?? throw new InvalidEventException("SearchIndexer expects an EventBridge event (S3 Object Created or the schedule), got null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidEventException("SearchIndexer expects an EventBridge event (S3 Object Created or the schedule): " + ex.Message, ex);
        }

        SearchIndexingResult result;
        if (evt.DetailType == EventBridgeDetailTypes.ObjectCreated)
        {
            var created = evt.AsS3ObjectCreated();
            if (created is null || created.Bucket.Name != _bucket || !created.Object.Key.StartsWith(ZoneLayout.SearchOutbox, StringComparison.Ordinal))
            {
                var reason = $"not an S3 Object Created event under s3://{_bucket}/{ZoneLayout.SearchOutbox}";
                _log.Info("event ignored", ("bucket", created?.Bucket.Name), ("key", created?.Object.Key), ("reason", reason));
                return JsonSerializer.SerializeToUtf8Bytes(new SearchIndexingResult { Mode = "ignored", Note = reason }, SearchIndexerJsonContext.Default.SearchIndexingResult);
            }

            // The event may carry the key URL-encoded, as S3's notifications do (dt= as dt%3D): the decoded key is the fallback.
            result = await _service.IndexObjectAsync(created.Object.Key, created.Object.FallbackKey, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // The schedule (or any other EventBridge event) re-drives today's and yesterday's outbox.
            var today = _clock.GetUtcNow().UtcDateTime.Date;
            var keys = await _service.OutboxKeysAsync([today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)], cancellationToken).ConfigureAwait(false);
            result = await _service.IndexObjectsAsync(keys, cancellationToken).ConfigureAwait(false);
        }

        if (result.Note is { } note) _log.Info(note, ("objects", result.Objects), ("actions", result.Actions));
        var metrics = _telemetry.Metrics(invocation);
        metrics.Property("mode", result.Mode);
        metrics.Add("OutboxObjects", result.Objects);
        metrics.Add("DocumentsIndexed", result.Succeeded);
        metrics.Add("DocumentsRetried", result.Retried);
        metrics.Add("DocumentsRejected", result.Rejected + result.InvalidLines);
        metrics.Flush();
        return JsonSerializer.SerializeToUtf8Bytes(result, SearchIndexerJsonContext.Default.SearchIndexingResult);
    }

    public ValueTask DisposeAsync() => _owned.DisposeAsync();
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SearchIndexingResult))]
public sealed partial class SearchIndexerJsonContext : JsonSerializerContext;
