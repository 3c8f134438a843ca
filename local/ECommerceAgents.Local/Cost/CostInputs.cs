using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Cost;

/// <summary>
/// The sizes of a deployed stage that cost money whether or not traffic flows. They mirror
/// infra/ECommerceAgents.Infra/StageConfig.cs and the constructs (the CLI does not reference the CDK app, which would pull
/// jsii into it); CostModelTests fails when the two drift apart.
/// </summary>
public sealed record CostStage
{
    public required string Name { get; init; }

    public required int SearchDataNodes { get; init; }

    public required string SearchDataNodeType { get; init; }

    public required int SearchMasterNodes { get; init; }

    public string? SearchMasterNodeType { get; init; }

    /// <summary>EBS gp3 per data node.</summary>
    public required int SearchVolumeGb { get; init; }

    public required int RedshiftBaseRpu { get; init; }

    public required int KinesisRetentionHours { get; init; }

    /// <summary>CloudWatch Logs retention (RetentionDays.TWO_WEEKS, SIX_MONTHS), in months.</summary>
    public required double LogRetentionMonths { get; init; }

    /// <summary>Assumed average data in the cache; Valkey Serverless meters at least 100 MB. The CDK caps it (CacheMaxStorageGb).</summary>
    public required double CacheDataGb { get; init; }

    public required int CacheMaxStorageGb { get; init; }

    /// <summary>Shards of a provisioned events stream (StageConfig.KinesisShards); null: on demand.</summary>
    public int? KinesisShards { get; init; }

    /// <summary>X-Ray fixed-rate sampling of API requests (StageConfig.Sampling, functions pass-through); null: the default rule (1/s + 5 %).</summary>
    public double? XRayFixedRate { get; init; }

    /// <summary>BatchLoader registers partitions in the Glue catalog (CatalogUpdates.BatchLoader): no scheduled crawler runs.</summary>
    public bool CatalogByBatchLoader { get; init; }

    /// <summary>The Fargate service behind the ALB (FrontDoor.ApiGatewayAndAlb); null: API Gateway only.</summary>
    public CostContainer? Container { get; init; }

    /// <summary>
    /// Assumption: the share of API requests that go through the ALB rather than API Gateway. A steady high-rate shop points
    /// its servers at the ALB (no per-request charge); browsers and occasional clients keep API Gateway.
    /// </summary>
    public double AlbShareOfRequests { get; init; }

    /// <summary>Provisioned hot tables (StageConfig.ProvisionedTables), their capacity bounds summed; null: every table on demand.</summary>
    public CostProvisionedTables? ProvisionedTables { get; init; }

    /// <summary>Functions with an error alarm: StreamProcessor, LogTransformer, CatalogImport, BatchLoader, SearchIndexer, Api, ApiStream.</summary>
    public int Functions { get; init; } = 7;

    /// <summary>Seed thresholds (6) + one per function + one per delivery stream (3) + API 5xx (1): Monitoring.cs.</summary>
    public int Alarms => 6 + Functions + 3 + 1;

    public static CostStage Dev { get; } = new()
    {
        Name = "dev",
        SearchDataNodes = 1,
        SearchDataNodeType = "t3.small.search",
        SearchMasterNodes = 0,
        SearchVolumeGb = 10,
        RedshiftBaseRpu = 8,
        KinesisRetentionHours = 24,
        LogRetentionMonths = 14 / (365.0 / 12),
        CacheDataGb = 0.1,
        CacheMaxStorageGb = 1,
    };

    /// <summary>Dev's sizes except two search nodes, the smallest Redshift base, 6-month logs and what a shop needs.</summary>
    public static CostStage Small { get; } = Dev with
    {
        Name = "small",
        SearchDataNodes = 2,
        RedshiftBaseRpu = 4,
        LogRetentionMonths = 6,
        KinesisShards = 2,
        XRayFixedRate = 0.01,
        CatalogByBatchLoader = true,
        CacheMaxStorageGb = 4,
        // The same hot tables as prod at small bounds (DynamoDbCapacity.SmallHotTables), bounds summed over the tables and their indexes.
        ProvisionedTables = new CostProvisionedTables(TargetUtilizationPercent: 70, MinRead: 34, MaxRead: 1_920, MinWrite: 36, MaxWrite: 1_830),
    };

    public static CostStage Prod { get; } = new()
    {
        Name = "prod",
        SearchDataNodes = 2,
        SearchDataNodeType = "r6g.large.search",
        SearchMasterNodes = 3,
        SearchMasterNodeType = "m6g.large.search",
        SearchVolumeGb = 100,
        RedshiftBaseRpu = 32,
        KinesisRetentionHours = 168,
        LogRetentionMonths = 6,
        CacheDataGb = 1,
        CacheMaxStorageGb = 64,
        KinesisShards = 16,
        Container = new CostContainer(Vcpu: 1, MemoryGb: 2, MinTasks: 2, MaxTasks: 20, CpuTargetPercent: 60),
        AlbShareOfRequests = 1,
        // The hot tables (HotTables: DynamoDbCapacity.ProdHotTables), bounds summed over the tables and their indexes.
        ProvisionedTables = new CostProvisionedTables(TargetUtilizationPercent: 70, MinRead: 690, MaxRead: 98_000, MinWrite: 1_115, MaxWrite: 120_000),
    };

    public static IReadOnlyList<CostStage> All { get; } = [Dev, Small, Prod];

    public static CostStage Parse(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown stage '{name}' (dev, small or prod; the local stage runs on LocalStack and has no AWS bill)", nameof(name));
}

/// <summary>The Fargate service behind the ALB: task size, task count range, the average CPU it scales to.</summary>
public sealed record CostContainer(double Vcpu, double MemoryGb, int MinTasks, int MaxTasks, int CpuTargetPercent);

/// <summary>Provisioned hot tables: the target utilisation and the sums of the tables' capacity bounds (units/s).</summary>
public sealed record CostProvisionedTables(int TargetUtilizationPercent, int MinRead, int MaxRead, int MinWrite, int MaxWrite);

/// <summary>Traffic: requests per second of <see cref="EventsPerRequest"/> events of <see cref="EventBytes"/> each.</summary>
public sealed record Workload(double RequestsPerSecond, int EventsPerRequest = 10, int EventBytes = 540)
{
    public double EventsPerSecond => RequestsPerSecond * EventsPerRequest;
}

/// <summary>One model input with its value and where the value comes from.</summary>
public sealed record InputSource(string Name, double Value, string Unit, string Source, bool Measured);

/// <summary>
/// What the model needs beyond prices: our own measurements (each with its source), figures read from the CDK constructs,
/// and labelled assumptions where nothing was measured yet.
/// </summary>
public sealed record CostInputs
{
    // Measured (bench stream and the local runs of issue 7).
    public double StreamProcessorSecondsPerBatch { get; init; } = 0.65;

    public double DynamoRequestsPer1000Events { get; init; } = 283;

    /// <summary>`cost --measure` on 2026-12-04: 627.7 in both runs (item sizes, index writes and conditional writes as AWS bills them), rounded up.</summary>
    public double DynamoWriteUnitsPer1000Events { get; init; } = 630;

    /// <summary>DynamoDB dedup markers: 0 since the markers moved to Redis (RedisDedupWindow); the 983 measured before was the old code.</summary>
    public double DedupMarkersPer1000Events { get; init; }

    /// <summary>`cost --measure` on 2026-12-04: 4,713 and 4,717, the dedup window's commands included.</summary>
    public double RedisCommandsPer1000Events { get; init; } = 4_720;

    public double FirehoseCallsPer1000Events { get; init; } = 2;

    public int EnrichedRecordBytes { get; init; } = 1_200;

    /// <summary>Events that reach the enriched zone: the bench batch wrote 983 dedup markers for 1,000 records.</summary>
    public double ValidFraction { get; init; } = 0.983;

    // From the CDK constructs.
    public int StreamProcessorBatchSize { get; init; } = 500;

    public int StreamProcessorMemoryMb { get; init; } = 1_769;

    public int ApiMemoryMb { get; init; } = 1_024;

    public int BatchLoaderMemoryMb { get; init; } = 3_008;

    public int LogTransformerMemoryMb { get; init; } = 1_024;

    public double DedupWindowHours { get; init; } = 24;

    public int InterfaceEndpoints { get; init; } = 4;

    public int AvailabilityZones { get; init; } = 2;

    public int Crawlers { get; init; } = 3;

    public double CrawlsPerHour { get; init; } = 1;

    public double BatchLoadsPerHour { get; init; } = 1;

    public int FirehoseBufferSeconds { get; init; } = 60;

    public int FirehoseBufferMb { get; init; } = 64;

    public int KinesisConsumers { get; init; } = 2;

    public int WafRules { get; init; } = 5;

    public int Dashboards { get; init; } = 1;

    public int Secrets { get; init; } = 1;

    public int KmsKeys { get; init; } = 1;

    /// <summary>Redis bytes per dedup marker: a member of a ~256-member set of integers (intset) plus its share of the key.</summary>
    public double RedisDedupBytesPerMarker { get; init; } = 10;

    /// <summary>Markers live 1.25 × the window on average (a hash expires with its newest field).</summary>
    public double RedisDedupResidency { get; init; } = 1.25;

    /// <summary>Redis commands per event for dedup, beside <see cref="RedisCommandsPer1000Events"/>: 0 since those were measured with the dedup window's commands in them.</summary>
    public double DedupRedisCommandsPerEvent { get; init; }

    /// <summary>The API's CPU per request, seconds (bench api's apiOnlyCpuMicrosecondsPerRequest, load loop included).</summary>
    public double ApiCpuSecondsPerRequest { get; init; } = 0.00016;

    /// <summary>The tables a stage with provisioned capacity provisions (DynamoDbCapacity.SmallHotTables, ProdHotTables).</summary>
    public static IReadOnlyList<string> HotTables { get; } =
        [Tables.Dedup.Id, Tables.Sessions.Id, Tables.Profiles.Id, Tables.ProductStats.Id, Tables.Watermarks.Id, Tables.Consent.Id, Tables.SubjectKeys.Id, Tables.Identities.Id, Tables.Orders.Id];

    /// <summary>Share of the stream's DynamoDB write units that land on the <see cref="HotTables"/>.</summary>
    public double HotTableWriteShare { get; init; } = 1;

    /// <summary>Share of the stream's DynamoDB read units that land on the <see cref="HotTables"/>.</summary>
    public double HotTableReadShare { get; init; } = 1;

    /// <summary>Request plus response bytes per API request through the ALB (10 events of 540 B in JSON, a short reply).</summary>
    public double AlbBytesPerRequest { get; init; } = 6_000;

    /// <summary>New connections per ALB request: the servers keep connections alive.</summary>
    public double AlbNewConnectionsPerRequest { get; init; } = 0.01;

    /// <summary>Bytes of one ALB access-log entry before GZIP (about 30 space-separated fields, two ARNs among them).</summary>
    public double AlbLogBytesPerRequest { get; init; } = 700;

    /// <summary>Days the ALB's access logs stay in the access-log bucket (DataLake.AccessLogsExpireAfterDays).</summary>
    public double AlbLogRetentionDays { get; init; } = 90;

    /// <summary>Glue catalog requests per loaded partition (GetPartition + BatchCreatePartition) when BatchLoader registers them.</summary>
    public double GlueRequestsPerPartition { get; init; } = 2;

    /// <summary>`cost --measure` on 2026-12-04: 839.3 in both runs (4 KB units of the items returned, a missing item billed as one), rounded up.</summary>
    public double DynamoReadUnitsPer1000Events { get; init; } = 840;

    // Assumptions (nothing measured yet).

    public double DedupMarkerBytes { get; init; } = 150;

    public double EntityStateGb { get; init; } = 10;

    public double EcpusPerRedisCommand { get; init; } = 1;

    public double ApiSecondsPerRequest { get; init; } = 0.025;

    public double BatchLoaderBaseSeconds { get; init; } = 5;

    public double BatchLoaderSecondsPerMillionEvents { get; init; } = 20;

    public double WarehouseMinutesPerLoad { get; init; } = 5;

    public double CrawlerDpu { get; init; } = 1;

    public double CrawlerMinimumMinutes { get; init; } = 10;

    /// <summary>LogTransformer's time per invocation as the enriched stream's partitioner (about 1 MB of records).</summary>
    public double PartitionerSecondsPerInvocation { get; init; } = 0.1;

    public int EnrichedActivePartitions { get; init; } = 16;

    public double GzipRatio { get; init; } = 4;

    public double ParquetBytesPerEvent { get; init; } = 150;

    public int KinesisWireBytesPerEvent { get; init; } = 820;

    public int FirehoseWireBytesPerEvent { get; init; } = 1_700;

    public double LogBytesPerBatch { get; init; } = 2_048;

    public double LogBytesPerRequest { get; init; } = 1_024;

    public int CustomMetrics { get; init; } = 30;

    public double StorageHorizonMonths { get; init; } = 12;

    // Per-record and per-request figures `cost --measure` measures (Measure/CostMeasurement); the defaults are the
    // figures derived from the 540-byte event and the code, each labelled in Sources.

    /// <summary>The Api's own DynamoDB write units per request: the idempotency claim and its completion (IdempotencyStore), each under 1 KB.</summary>
    public double ApiWriteUnitsPerRequest { get; init; } = 2;

    public double ApiReadUnitsPerRequest { get; init; }

    public double ApiRedisCommandsPerRequest { get; init; }

    public double KinesisRecordsPerEvent { get; init; } = 1;

    /// <summary>On-demand data in per event, KB; null: one record per event of the workload's size, rounded up to 1 KB.</summary>
    public double? KinesisBilledKbPerEvent { get; init; }

    /// <summary>Provisioned PUT payload units (25 KB) per event, for a provisioned stream (not priced by the on-demand stages).</summary>
    public double KinesisPayloadUnitsPerEvent { get; init; } = 1;

    /// <summary>Raw-archive Firehose KB per event (each Kinesis record rounded up to 5 KB); null: one 5 KB record per event.</summary>
    public double? RawArchiveBilledKbPerEvent { get; init; }

    /// <summary>Enriched Firehose KB per event (each record rounded up to 5 KB); null: <see cref="ValidFraction"/> records of <see cref="EnrichedRecordBytes"/>.</summary>
    public double? EnrichedBilledKbPerEvent { get; init; }

    /// <summary>S3 PUTs the functions make themselves (quarantine, real-time journal), beyond Firehose's and BatchLoader's objects.</summary>
    public double S3PutsPer1000Events { get; init; }

    public double S3GetsPer1000Events { get; init; }

    /// <summary>Records delivered again per record delivered once: a redelivered batch bills its writes again.</summary>
    public double RedeliveredShare { get; init; }

    /// <summary>In-invocation retries of a micro-batch lost to another shard's conditional write, per invocation.</summary>
    public double ConflictRetriesPerBatch { get; init; } = 88 / 735.0;

    /// <summary>Write units each conflict retry bills: the refused conditional write that caused it (a lower bound).</summary>
    public double WriteUnitsPerConflictRetry { get; init; } = 1;

    /// <summary>Inputs measured by a run (<c>cost --measure</c>): they replace the declared entry of the same name in <see cref="Sources"/>.</summary>
    public IReadOnlyList<InputSource> Measured { get; init; } = [];

    /// <summary>Every input with its source, for the document, the CLI's --json and the tests; measured entries replace declared ones.</summary>
    public IReadOnlyList<InputSource> Sources
    {
        get
        {
            var measured = Measured.ToDictionary(m => m.Name, StringComparer.Ordinal);
            var declared = Declared;
            return [.. declared.Select(d => measured.GetValueOrDefault(d.Name, d)), .. Measured.Where(m => !declared.Any(d => d.Name == m.Name))];
        }
    }

    private IReadOnlyList<InputSource> Declared =>
    [
        new("StreamProcessor seconds per 500-record batch", StreamProcessorSecondsPerBatch, "s", "typed from an earlier measurement, not measured by this run (`cost --measure` measures it): measured locally: about 1.3 s for one 1,000-record batch through the real function code against the local stack (issue 7); 0.65 s per 500 assumes the time scales with records", false),
        new("DynamoDB requests per 1,000 events", DynamoRequestsPer1000Events, "requests", "typed from `cost --measure` on 2026-12-04 (two runs, sealed, Release), not measured by this run (`cost --measure` measures it): 283 and 283 (the bench workload's six 500-record batches, state reads and writes, the dedup window in Redis)", false),
        new("DynamoDB write units per 1,000 events", DynamoWriteUnitsPer1000Events, "WRU", "typed from `cost --measure` on 2026-12-04 (two runs, sealed, Release), not measured by this run (`cost --measure` measures it): 627.7 in both runs, rounded up: item sizes before and after, index writes and conditional writes as AWS bills them (profiles, sessions, identities, product stats, orders, watermarks; no dedup markers, they are in Redis). Was 420, an estimate that left out index writes and items over 1 KB", false),
        new("Dedup markers per 1,000 events", DedupMarkersPer1000Events, "items", "0 since the markers moved to Redis (RedisDedupWindow); the earlier 983 was measured on the old code (`cost --measure` measures it)", false),
        new("Redis bytes per dedup marker", RedisDedupBytesPerMarker, "bytes", "an 8-byte integer in intsets of ~256 members: 9.1 B measured with MEMORY USAGE over every key of a 100,000-marker generation (redis-server 7.0), rounded up to the bound RedisDedupWindowTests holds it under (the earlier layout, hashes of an 8-byte field and a 4-byte value: 19.3 B, priced 24)", false),
        new("Dedup marker residency", RedisDedupResidency, "× window", "from the code: a hash of markers expires with its newest field, so markers stay 1 to 1.5 windows (1.25 on average)", false),
        new("Dedup Redis commands per event", DedupRedisCommandsPerEvent, "commands", "0: the typed Redis commands per 1,000 events were measured with the dedup window's commands in them (was 5, from the code: 3 lookups + 1 write + an amortised EXPIRE, beside the 1,900 measured before the window moved to Redis)", false),
        new("Api CPU seconds per request", ApiCpuSecondsPerRequest, "s", "measured: `bench api` apiOnlyCpuMicrosecondsPerRequest 135–159 µs (README), rounded up to 160 µs", false),
        new("Hot-table share of the stream's write units", HotTableWriteShare, "fraction", "typed from `cost --measure` (2026-12-04: every table StreamProcessor writes is provisioned since identities and orders joined, 1,883 of 1,883 write units, index writes included), which measures it", false),
        new("Hot-table share of the stream's read units", HotTableReadShare, "fraction", "typed from `cost --measure` (2026-12-04: every table StreamProcessor reads is provisioned, 2,518 of 2,518 read units), which measures it", false),
        new("ALB bytes per request", AlbBytesPerRequest, "bytes", "assumption: 10 events of 540 B in the JSON body plus headers and a short reply", false),
        new("ALB new connections per request", AlbNewConnectionsPerRequest, "connections", "assumption: the shop's servers keep connections alive", false),
        new("Glue catalog requests per loaded partition", GlueRequestsPerPartition, "requests", "from the code: BatchLoader's partition lookup and BatchCreatePartition", false),
        new("Redis commands per 1,000 events", RedisCommandsPer1000Events, "commands", "typed from `cost --measure` on 2026-12-04 (two runs, sealed, Release), not measured by this run (`cost --measure` measures it): 4,713 and 4,717, rounded up, the dedup window's SISMEMBER and SADD included (was 1,900, measured by `eca bench stream` before the window moved to Redis)", false),
        new("Firehose calls per 1,000 events", FirehoseCallsPer1000Events, "PutRecordBatch", "typed from an earlier measurement, not measured by this run (`cost --measure` measures it): measured: `eca bench stream`; Firehose bills per GB (5 KB per record), not per call", false),
        new("Enriched record size", EnrichedRecordBytes, "bytes", "typed from an earlier measurement, not measured by this run (`cost --measure` measures it): measured: enriched JSON written by StreamProcessor, about 1.2 KB", false),
        new("Events reaching the enriched zone", ValidFraction, "fraction", "typed from an earlier measurement, not measured by this run (`cost --measure` measures it): measured: 983 of the bench batch's 1,000 records", false),
        new("StreamProcessor batch size", StreamProcessorBatchSize, "records", "CDK: StreamProcessorFunction.BatchSize (full batches assumed)", false),
        new("StreamProcessor memory", StreamProcessorMemoryMb, "MB", "CDK: StreamProcessorFunction MemoryMb", false),
        new("Api memory", ApiMemoryMb, "MB", "CDK: ApiFunction MemoryMb", false),
        new("BatchLoader memory", BatchLoaderMemoryMb, "MB", "CDK: BatchLoaderFunction MemoryMb", false),
        new("LogTransformer memory", LogTransformerMemoryMb, "MB", "CDK: LogTransformerConstruct MemoryMb (also the enriched stream's partitioner)", false),
        new("Dedup window", DedupWindowHours, "h", "CDK: StreamProcessorFunctionProps.DedupWindowHours (markers expire by TTL)", false),
        new("Interface endpoints", InterfaceEndpoints, "endpoints", "CDK: Network.cs (Kinesis, Firehose, SSM, KMS: what the functions in the VPC call, checked by VpcRoutes; BatchLoader runs outside the VPC, so no Redshift Data, Lambda or Glue endpoint; no Secrets Manager endpoint: nothing in the VPC calls it)", false),
        new("Availability zones", AvailabilityZones, "AZ", "CDK: Network.cs (MaxAzs = 2; the third warehouse subnet has no endpoint)", false),
        new("Glue crawlers", Crawlers, "crawlers", "CDK: GlueCatalog.cs (enriched, logs, processed)", false),
        new("Crawls per hour", CrawlsPerHour, "runs", "CDK: GlueCatalog.cs, trigger cron(10 * * * ? *)", false),
        new("Warehouse loads per hour", BatchLoadsPerHour, "loads", "CDK: BatchLoaderFunction schedule (hourly); a crawler event may start it early, the watermark makes the second a no-op", false),
        new("Firehose buffer", FirehoseBufferSeconds, "s", "Resources: DeliveryStreamDefinition (60 s or 64 MB)", false),
        new("Kinesis consumers", KinesisConsumers, "consumers", "CDK: the StreamProcessor event source mapping and the raw-archive Firehose", false),
        new("WAF rules", WafRules, "rules", "CDK: PublicApi.cs (three rate-based rules: per IP, per x-api-key, per Authorization header; two AWS managed rule groups), each billed as a rule", false),
        new("DynamoDB read units per 1,000 events", DynamoReadUnitsPer1000Events, "RRU", "typed from `cost --measure` on 2026-12-04 (two runs, sealed, Release), not measured by this run (`cost --measure` measures it): 839.3 in both, rounded up: the state snapshot's BatchGetItem; a key with no item is billed too, as DynamoDB bills a read of a missing item (consent and identity lookups mostly find none). Was 400, an assumption that counted found items only", false),
        new("Dedup marker size", DedupMarkerBytes, "bytes", "assumption: key + TTL + DynamoDB's 100-byte item overhead", false),
        new("Entity state in DynamoDB", EntityStateGb, "GB", "assumption: profiles, sessions, orders and product stats grow with users and products, not with the event rate", false),
        new("ECPUs per Redis command", EcpusPerRedisCommand, "ECPU", "assumption: each command moves under 1 KB (1 ECPU per KB transferred)", false),
        new("Api function seconds per request", ApiSecondsPerRequest, "s", "assumption: the Api function is not benchmarked on Lambda yet (one PutRecords of 10 records)", false),
        new("BatchLoader seconds per run", BatchLoaderBaseSeconds, "s", "assumption (BatchLoader not implemented yet)", false),
        new("BatchLoader seconds per million events", BatchLoaderSecondsPerMillionEvents, "s", "assumption (BatchLoader not implemented yet)", false),
        new("Warehouse minutes per load", WarehouseMinutesPerLoad, "min", "assumption: COPY + MERGE keep the workgroup at base RPU for 5 minutes per hourly load", false),
        new("Crawler DPU", CrawlerDpu, "DPU", "assumption: AWS does not publish a crawler's DPUs; each run billed at least 10 minutes", false),
        new("Partitioner seconds per invocation", PartitionerSecondsPerInvocation, "s", "assumption: LogTransformer parses about 1,000 enriched records (Firehose's 1 MB processor buffer) and returns their partition keys; not benchmarked on Lambda", false),
        new("Active enriched partitions", EnrichedActivePartitions, "partitions", "assumption: 16 event types in the current hour (zone × type × dt × hr)", false),
        new("GZIP ratio", GzipRatio, "×", "assumption for JSON events", false),
        new("Parquet bytes per event", ParquetBytesPerEvent, "bytes", "assumption for the processed zone and Redshift managed storage", false),
        new("Kinesis wire bytes per event", KinesisWireBytesPerEvent, "bytes", "assumption: 540 B base64 in the PutRecords JSON body through the Kinesis endpoint", false),
        new("Firehose wire bytes per event", FirehoseWireBytesPerEvent, "bytes", "assumption: 1.2 KB base64 in the PutRecordBatch JSON body through the Firehose endpoint", false),
        new("Log bytes per StreamProcessor invocation", LogBytesPerBatch, "bytes", "assumption: START/END/REPORT + one EMF line + one summary line", false),
        new("Log bytes per API request", LogBytesPerRequest, "bytes", "assumption: API Gateway access log line + Lambda's platform lines, for requests through API Gateway (the Api app itself logs nothing per request: ApiApplication clears the logging providers)", false),
        new("ALB access-log bytes per request", AlbLogBytesPerRequest, "bytes", "assumption: one ALB access-log entry (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html, about 30 fields), GZIP at the model's ratio", false),
        new("ALB access-log retention", AlbLogRetentionDays, "days", "CDK: DataLake.AccessLogsExpireAfterDays (the access-log bucket's expiry)", false),
        new("Custom metrics", CustomMetrics, "metrics", "assumption from the code: StreamProcessor's EMF set (about 15) plus BatchLoader and Api", false),
        new("Storage horizon", StorageHorizonMonths, "months", "assumption: storage is priced in the 12th month of operation, by lifecycle class", false),
        new("Api write units per request", ApiWriteUnitsPerRequest, "WRU", "assumption from the code: IdempotencyStore's claim and completion, each under 1 KB, on every request (ApiIngestClient sends an Idempotency-Key with each)", false),
        new("Api read units per request", ApiReadUnitsPerRequest, "RRU", "assumption: a claim that succeeds reads nothing", false),
        new("Api Redis commands per request", ApiRedisCommandsPerRequest, "commands", "assumption: not counted before `cost --measure`", false),
        new("Kinesis records per event", KinesisRecordsPerEvent, "records", "assumption: the worst case of the Api's packing, every event of a request under its own partition key, so one record per event (a request of one visitor's events is one record: `--measure` counts it)", false),
        new("Kinesis billed KB per event", KinesisBilledKbPerEvent ?? 1, "KB", "assumption: one 540 B record per event (the packing's worst case), rounded up to 1 KB (Kinesis on-demand data in)", false),
        new("Kinesis PUT payload units per event", KinesisPayloadUnitsPerEvent, "25 KB units", "assumption: one record per event (the packing's worst case), each under 25 KB (provisioned mode)", false),
        new("Raw archive Firehose billed KB per event", RawArchiveBilledKbPerEvent ?? 5, "KB", "assumption: one Kinesis record per event (the packing's worst case), rounded up to 5 KB", false),
        new("Enriched Firehose billed KB per event", EnrichedBilledKbPerEvent ?? ValidFraction * EnrichedRecordBytes / 1_024.0, "KB", "derived: FirehoseEnrichedSink packs up to 500 records per Firehose record (about events/500 records), so the 5 KB rounding is negligible: billed KB ≈ enriched bytes", false),
        new("Function S3 PUTs per 1,000 events", S3PutsPer1000Events, "requests", "assumption: not modelled before `cost --measure` (quarantine objects, the real-time journal)", false),
        new("Function S3 GETs per 1,000 events", S3GetsPer1000Events, "requests", "assumption: not modelled before `cost --measure`", false),
        new("Redelivered share", RedeliveredShare, "fraction", "assumption, measured by `bench soak --minutes 2` (README \"Contention\": 0 records redelivered for 60,000 sent); a redelivered batch bills its writes again", false),
        new("Conflict retries per invocation", ConflictRetriesPerBatch, "retries", "assumption, measured by `bench soak --minutes 2` (README \"Contention\": conflictRetries 88 over 735 invocations), each priced as the refused conditional write that caused it (a lower bound)", false),
    ];
}
