using System.Text.Json.Serialization;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.S3;
using ECommerceAgents.Domain;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Kms;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Adapters.Warehouse;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.Functions.BatchLoader;

/// <summary>
/// BatchLoader: EventBridge in ("Glue Crawler State Change" of our crawlers, the "Scheduled Event" safety net, a backfill
/// request, or a fanned-out partition), the batch run out. It wires clients once per container and maps events to
/// <see cref="BatchLoaderService"/>: a trigger plans from the watermarks and loads the first pending partition, then fans
/// the rest out — in Lambda by invoking itself asynchronously once per partition, locally by answering with them.
/// </summary>
public sealed class BatchLoaderFunction : IAsyncDisposable
{
    public const string Name = "BatchLoader";

    /// <summary>A backfill request: <c>{"date": "YYYY-MM-DD", "hour": "HH"?}</c> (what the CLI's <c>batch --date</c> sends).</summary>
    public const string BackfillDetailType = "BatchLoader Backfill";

    /// <summary>One partition of a fan-out: <c>{"type": …, "dt": …, "hr": …, "force": false}</c>.</summary>
    public const string PartitionDetailType = "BatchLoader Partition";

    public const string Source = "ecommerceagents.batch";

    private readonly BatchLoaderService _service;
    private readonly IReadOnlySet<string> _crawlers;
    private readonly int _partitionsPerInvocation;
    private readonly LambdaInvoker? _fanOut;
    private readonly string? _functionName;
    private readonly TimeProvider _clock;
    private readonly FunctionTelemetry _telemetry;
    private readonly JsonLog _log;
    private readonly OwnedClients _owned;
    private readonly AuditChainStore? _audit;

    private BatchLoaderFunction(FunctionEnvironment env, BatchLoaderSettings settings, BatchPorts ports, LambdaInvoker? fanOut, OwnedClients owned, AuditChainStore? audit = null)
    {
        _audit = audit;
        _clock = env.Clock;
        _telemetry = new FunctionTelemetry(Name, env);
        _log = _telemetry.Log;
        _owned = owned;
        _fanOut = fanOut;
        _functionName = settings.FunctionName;
        _crawlers = settings.Crawlers;
        _partitionsPerInvocation = settings.PartitionsPerInvocation;
        _service = new BatchLoaderService(ports, settings.Batch, env.Clock, message => _log.Info(message));
        Handler = new JsonFunctionHandler<EventBridgeEvent, BatchRunSummary>(Name, LambdaEventsJsonContext.Default.EventBridgeEvent, DomainJson.BatchRunSummary, HandleAsync);
    }

    public IFunctionHandler Handler { get; }

    public BatchLoaderService Service => _service;

    /// <summary>Builds every client once per container: S3, DynamoDB, the warehouse (Redshift Data API when a workgroup is configured, else PostgreSQL), the Glue catalog when partitions are registered.</summary>
    public static Task<IFunctionHandler> CreateAsync(FunctionEnvironment env, CancellationToken cancellationToken)
    {
        env = env.For(Name);
        var settings = BatchLoaderSettings.From(env);
        var s3 = S3ClientFactory.Create(env.Endpoints);
        var dynamo = DynamoDbClientFactory.Create(env.Endpoints);
        var codec = new EventParquet();
        var currency = settings.Batch.ReportingCurrency;
        var owned = new List<object> { s3, dynamo };
        IWarehouse warehouse;
        if (settings.Redshift is { } target)
        {
            var client = AwsHttp.Client(AwsJsonService.RedshiftData, settings.RedshiftDataEndpoint, env.Endpoints);
            warehouse = new RedshiftWarehouse(new RedshiftDataClient(client, target, env.Clock), currency);
        }
        else
        {
            var pg = new PostgresWarehouse(PostgresWarehouse.DataSource(env.Endpoints.Warehouse
                ?? throw new InvalidOperationException($"{ServiceEndpoints.WarehouseVariable} (PostgreSQL) or {SettingNames.RedshiftWorkgroup} (Redshift) is required.")), codec, currency);
            owned.Add(pg);
            warehouse = pg;
        }

        S3ObjectStore Zone(BucketDefinition bucket) => new(s3, env.Names.Bucket(bucket));
        // The audit chain's retention rides on the schedule, where the stage gives this function the audit table.
        var audit = env.Setting(Tables.Audit.EnvironmentVariable) is null ? null : new AuditChainStore(dynamo, env.Names, env.Clock);
        if (audit is not null) owned.Add(audit);
        // Data subjects' requests, where the stage gives this function their table and the exports bucket.
        var privacy = audit is not null && env.Setting(Tables.PrivacyRequests.EnvironmentVariable) is not null && env.Setting(Buckets.Exports.EnvironmentVariable) is not null
            ? new PrivacyPorts(new PrivacyRequestStore(dynamo, env.Names), audit, new UserDataStore(dynamo, env.Names, env.Clock), Zone(Buckets.Exports))
            : null;
        var ports = new BatchPorts(
            Zone(Buckets.Raw), Zone(Buckets.Quarantine), Zone(Buckets.Enriched), Zone(Buckets.Processed),
            new DynamoWatermarkStore(dynamo, env.Names, env.Clock), new DynamoTombstoneStore(dynamo, env.Names),
            codec, warehouse)
        {
            // Nothing registers without Glue (locally) or where the crawlers add the partitions.
            RegisterPartition = settings.GlueDatabase is { } database
                ? new GluePartitionCatalog(new GlueClient(AwsHttp.Client(AwsJsonService.Glue, settings.GlueEndpoint, env.Endpoints)), database).RegisterAsync
                : null,
            Keys = SubjectKeyringFactory.Create(env.Endpoints, env.Names, dynamo, env.Setting, env.Clock),
            Privacy = privacy,
        };

        // Fan-out by asynchronous self-invocation only inside Lambda (and not when switched off); locally the caller loops.
        var fanOut = settings.FanOut ? LambdaInvoker.For(env.Endpoints, settings.LambdaEndpoint) : null;
        var function = new BatchLoaderFunction(env, settings, ports, fanOut, new OwnedClients([.. owned]), audit);
        return Task.FromResult<IFunctionHandler>(new OwningHandler(function.Handler, function));
    }

    /// <summary>For tests: the function over given ports.</summary>
    public static BatchLoaderFunction Create(FunctionEnvironment env, BatchPorts ports) => new(env, BatchLoaderSettings.From(env), ports, null, OwnedClients.None);

    public async Task<BatchRunSummary> HandleAsync(EventBridgeEvent evt, LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        _telemetry.Begin(invocation);
        BatchRunResult result;
        switch (evt.DetailType)
        {
            case EventBridgeDetailTypes.GlueCrawlerStateChange:
                var crawler = evt.Detail.Deserialize(LambdaEventsJsonContext.Default.GlueCrawlerStateChange);
                if (crawler is null || !_crawlers.Contains(crawler.CrawlerName))
                {
                    return Ignored($"crawler '{crawler?.CrawlerName}' is not one of ours ({string.Join(", ", _crawlers.Order(StringComparer.Ordinal))})");
                }

                if (crawler.State != "Succeeded") return Ignored($"crawler '{crawler.CrawlerName}' is {crawler.State}, not Succeeded");
                result = await RunTriggerAsync(BatchScope.Recent(_clock.GetUtcNow()), invocation, cancellationToken).ConfigureAwait(false);
                break;
            case EventBridgeDetailTypes.ScheduledEvent:
                result = await RunTriggerAsync(BatchScope.Recent(_clock.GetUtcNow()), invocation, cancellationToken).ConfigureAwait(false);
                await PruneAuditAsync(invocation, cancellationToken).ConfigureAwait(false);
                break;
            case BackfillDetailType:
                var backfill = evt.Detail.Deserialize(BatchLoaderJsonContext.Default.BackfillRequest);
                if (backfill is null || !PartitionId.IsDate(backfill.Date) || backfill.Hour is { Length: not 2 }) throw new InvalidEventException("A backfill needs {\"date\": \"YYYY-MM-DD\", \"hour\": \"HH\"?}.");
                result = await RunTriggerAsync(BatchScope.Day(backfill.Date, backfill.Hour), invocation, cancellationToken).ConfigureAwait(false);
                break;
            case PartitionDetailType:
                var partition = evt.Detail.Deserialize(BatchLoaderJsonContext.Default.PartitionRequest);
                if (partition is null || !PartitionId.IsDate(partition.Dt) || partition.Hr.Length != 2) throw new InvalidEventException("A partition needs {\"type\", \"dt\", \"hr\"}.");
                result = await _service.RunPartitionAsync(new PartitionId(partition.Type, partition.Dt, partition.Hr), partition.Force, cancellationToken).ConfigureAwait(false);
                break;
            default:
                return Ignored($"{evt.Source} \"{evt.DetailType}\" does not start the batch");
        }

        var fannedOut = false;
        if (_fanOut is not null && _functionName is not null && result.Remaining.Count > 0)
        {
            foreach (var p in result.Remaining)
            {
                await _fanOut.InvokeEventAsync(_functionName, PartitionEvent(p), cancellationToken).ConfigureAwait(false);
            }

            fannedOut = true;
        }

        Report(result, invocation);
        return Summary(result, fannedOut);
    }

    /// <summary>
    /// <c>eca audit prune</c> on the hourly schedule: audit entries older than a year (seed 002) go, behind a checkpoint.
    /// With nothing to prune it costs one read and one query. A failure is logged and left to the next hour: the
    /// batch's own outcome does not depend on it. A chain that does not verify is not pruned, and raises AuditChainBroken.
    /// </summary>
    private async Task PruneAuditAsync(LambdaInvocation invocation, CancellationToken cancellationToken)
    {
        if (_audit is null) return;
        AuditPruneResult pruned;
        try
        {
            pruned = await _audit.PruneAsync(AuditChain.Retention, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _log.Error("audit prune failed; the next scheduled run tries again", ("error", ex.GetType().Name + ": " + ex.Message));
            return;
        }

        if (pruned.Refused is { } problem) _log.Error("audit chain does not verify: not pruned", ("kind", problem.Kind.ToString()), ("seq", problem.Seq), ("detail", problem.Detail));
        var m = _telemetry.Metrics(invocation);
        m.Add("AuditEntriesPruned", pruned.Pruned);
        m.Add("AuditChainBroken", pruned.Refused is null ? 0 : 1);
        m.Flush();
    }

    private Task<BatchRunResult> RunTriggerAsync(BatchScope scope, LambdaInvocation invocation, CancellationToken cancellationToken) =>
        _service.RunAsync(scope, _partitionsPerInvocation, () => invocation.Deadline - _clock.GetUtcNow() > TimeSpan.FromMinutes(5), cancellationToken);

    /// <summary>The EventBridge-shaped event that loads one partition (fan-out, and the CLI's loop).</summary>
    public static byte[] PartitionEvent(PartitionId p, bool force = false) =>
        JsonSerializer.SerializeToUtf8Bytes(new EventBridgeEvent(
            Guid.NewGuid().ToString(), PartitionDetailType, Source,
            Time: DateTimeOffset.UtcNow,
            Detail: JsonSerializer.SerializeToElement(new PartitionRequest(p.Type, p.Dt, p.Hr, force), BatchLoaderJsonContext.Default.PartitionRequest)), LambdaEventsJsonContext.Default.EventBridgeEvent);

    public static byte[] BackfillEvent(string date, string? hour = null) =>
        JsonSerializer.SerializeToUtf8Bytes(new EventBridgeEvent(
            Guid.NewGuid().ToString(), BackfillDetailType, Source,
            Time: DateTimeOffset.UtcNow,
            Detail: JsonSerializer.SerializeToElement(new BackfillRequest(date, hour), BatchLoaderJsonContext.Default.BackfillRequest)), LambdaEventsJsonContext.Default.EventBridgeEvent);

    private BatchRunSummary Ignored(string reason)
    {
        _log.Info("event acknowledged and ignored", ("reason", reason));
        return new BatchRunSummary { Outcome = "ignored", Reason = reason };
    }

    private static BatchRunSummary Summary(BatchRunResult r, bool fannedOut) => new()
    {
        Outcome = "ran",
        Loaded = [.. r.Loaded.Where(o => !o.Skipped).Select(o => o.Partition.ToString())],
        Remaining = [.. r.Remaining.Select(p => p.ToString())],
        BeyondWindow = [.. r.BeyondWindow.Select(p => p.ToString())],
        UpToDate = r.UpToDate,
        Events = r.Loaded.Sum(o => o.Report.Loaded),
        QualityPassed = r.Loaded.Where(o => !o.Skipped).All(o => o.Report.Passed),
        TombstonesApplied = r.Erasure?.Applied.Count ?? 0,
        RecordsErased = r.Erasure?.Total.Total ?? 0,
        FannedOut = fannedOut,
        Partitions = [.. r.Loaded.Where(o => !o.Skipped).Select(o => new PartitionSummary(o.Partition.ToString(), o.Report.Loaded, o.Report.Lines,
            o.Report.InvalidByReason.Values.Sum(), o.Report.DuplicatesWithin + o.Report.DuplicatesAcross, o.Report.CompletenessPercent,
            o.Report.ErrorRatePercent, o.Report.FreshnessSeconds, o.Report.ProcessingLatencyP95Ms, o.Report.Passed, o.Timings))],
        SearchOutbox = r.SearchOutboxKeys,
    };

    /// <summary>EMF: one line per loaded partition with the seed's quality figures (names the CDK alarms use), one for the run.</summary>
    private void Report(BatchRunResult result, LambdaInvocation invocation)
    {
        foreach (var o in result.Loaded.Where(o => !o.Skipped))
        {
            var m = _telemetry.Metrics(invocation);
            m.Property("partition", o.Partition.ToString());
            m.Add("DataCompleteness", o.Report.CompletenessPercent, MetricUnit.Percent);
            m.Add("DataValidity", o.Report.ValidityPercent, MetricUnit.Percent);
            m.Add("ErrorRate", o.Report.ErrorRatePercent, MetricUnit.Percent);
            m.Add("FreshnessSeconds", o.Report.FreshnessSeconds, MetricUnit.None);
            m.Add("ProcessingLagMs", o.Report.ProcessingLatencyP95Ms, MetricUnit.Milliseconds);
            m.Add("EventsLoaded", o.Report.Loaded);
            m.Add("DuplicatesDropped", o.Report.DuplicatesWithin + o.Report.DuplicatesAcross);
            m.Add("PartitionMs", Math.Round(o.Timings.TotalMs, 1), MetricUnit.Milliseconds);
            m.Flush();
        }

        var run = _telemetry.Metrics(invocation);
        run.Add("PartitionsLoaded", result.Loaded.Count(o => !o.Skipped));
        run.Add("PartitionsRemaining", result.Remaining.Count);
        run.Add("PartitionsBeyondWindow", result.BeyondWindow.Count);
        if (result.Erasure is { } erasure)
        {
            run.Add("TombstonesApplied", erasure.Applied.Count);
            run.Add("RecordsErased", erasure.Total.Total);
        }

        run.Flush();
    }

    public ValueTask DisposeAsync() => _owned.DisposeAsync();
}

public sealed record BackfillRequest(string Date, string? Hour = null);

public sealed record PartitionRequest(string Type, string Dt, string Hr, bool Force = false);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BackfillRequest))]
[JsonSerializable(typeof(PartitionRequest))]
public sealed partial class BatchLoaderJsonContext : JsonSerializerContext;
