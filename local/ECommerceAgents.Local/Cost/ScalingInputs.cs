namespace ECommerceAgents.Local.Cost;

/// <summary>
/// What the scaling model needs beyond the cost model's inputs (<see cref="Cost"/>, whose measured figures it reuses):
/// figures measured by the benchmarks, figures read from the CDK app, and labelled assumptions. Each is a named
/// property whose comment says where its value comes from; <see cref="Sources"/> lists them for the CLI's --json.
/// </summary>
public sealed record ScalingInputs
{
    /// <summary>
    /// Records/s one shard's StreamProcessor drains with AWS's latencies: <c>bench stream --aws-latency</c>, 500-record
    /// batches, Release build, idle machine, seed 19, median of three runs of 5 rounds (2,316, 2,337, 2,262), README "AWS
    /// latency simulation", with the dedup window in Redis and no JIT while the rounds are measured (Lambda runs the AOT
    /// binary). Above a shard's 1,000 records/s write limit, so the shard count follows the writes.
    /// </summary>
    public const double MeasuredRecordsPerSecondPerShard = 2_316;

    /// <summary>The same runs' modelled time of one 500-record batch (event source mapping overhead included), ms.</summary>
    public const double MeasuredBatchMilliseconds = 215.9;

    /// <summary>
    /// One partition's load inside BatchLoader: <c>bench batch</c>, one 50,000-event partition in 2.9 s, README
    /// "Benchmarks" (the local PostgreSQL MERGE included).
    /// </summary>
    public const double MeasuredPartitionEventsPerSecond = 17_081;

    /// <summary>
    /// The warehouse's COPY + MERGE rate: <c>bench batch --million</c>, 970,002 events merged by the local PostgreSQL in
    /// 196 s on this 2-core machine (README "Benchmarks").
    /// </summary>
    public const double MeasuredWarehouseEventsPerSecond = 970_002 / 196.0;

    /// <summary>
    /// The busiest event type's share of the valid events, so of an hour's partitions: product views, 8,159 of the 19,414
    /// valid events the demo's generator makes (TrafficGenerator, seed 42, 20,000 events; 0.422 at 100,000).
    /// </summary>
    public const double MeasuredLargestTypeShare = 8_159 / 19_414.0;

    public CostInputs Cost { get; init; } = new();

    /// <summary>540-byte events, 10 per request: the workload the cost model and the benchmarks use (<see cref="Workload"/>).</summary>
    public int EventBytes { get; init; } = new Workload(0).EventBytes;

    public int EventsPerRequest { get; init; } = new Workload(0).EventsPerRequest;

    /// <summary>One Kinesis record per event: the API's PutRecords sends each event as its own record (COST.md).</summary>
    public double KinesisRecordsPerEvent { get; init; } = 1;

    /// <summary>Assumption: the busiest second, and the busiest hour, carry 3× the day's average rate.</summary>
    public double PeakToAverage { get; init; } = 3;

    public double RecordsPerSecondPerShard { get; init; } = MeasuredRecordsPerSecondPerShard;

    public double BatchMilliseconds { get; init; } = MeasuredBatchMilliseconds;

    /// <summary>CDK: <c>StreamProcessorConstruct.ParallelizationFactor</c> (the per-shard watermarks need 1).</summary>
    public int ParallelizationFactor { get; init; } = 1;

    /// <summary>The Api's own writes to the dedup table per request: the idempotency claim and its completion (IdempotencyStore).</summary>
    public double ApiWritesPerRequest { get; init; } = 2;

    /// <summary>CDK StageConfig, prod: the API stage's throttle and the ApiStream function's reserved concurrency.</summary>
    public int ApiStageRatePerSecond { get; init; } = 2_000;

    public int ApiStreamReservedConcurrency { get; init; } = 100;

    /// <summary>DeliveryStreams.ProcessorBufferMegabytes: Firehose hands LogTransformer 1 MB buffers (logs and enriched streams).</summary>
    public double LogTransformerBufferMb { get; init; } = Resources.DeliveryStreams.ProcessorBufferMegabytes;

    /// <summary>Assumption: one 1 MB log buffer takes LogTransformer about a second (the construct: "well under a second").</summary>
    public double LogTransformerSecondsPerInvocation { get; init; } = 1;

    /// <summary>CDK BatchLoaderConstruct: reserved concurrency, so the fan-out cannot flood the warehouse with MERGEs.</summary>
    public int BatchLoaderReservedConcurrency { get; init; } = 4;

    public double PartitionEventsPerSecond { get; init; } = MeasuredPartitionEventsPerSecond;

    public double LargestPartitionShare { get; init; } = MeasuredLargestTypeShare;

    /// <summary>Assumption: compaction holds a partition's events in memory at about the enriched record's size each.</summary>
    public double PartitionMemoryBytesPerEvent { get; init; } = 1_200;

    /// <summary>Objects BatchLoader writes per partition: events Parquet, order-lines Parquet, quality report.</summary>
    public int ObjectsPerPartition { get; init; } = 3;

    public double WarehouseEventsPerSecondPerRpu { get; init; } = MeasuredWarehouseEventsPerSecond;

    /// <summary>Assumption: the hourly load finishes within a quarter of the hour.</summary>
    public double WarehouseLoadWindowShare { get; init; } = 0.25;

    /// <summary>CDK StageConfig, prod.</summary>
    public int RedshiftBaseRpu { get; init; } = CostStage.Prod.RedshiftBaseRpu;

    public int RedshiftMaxRpu { get; init; } = 128;

    /// <summary>
    /// How long one credential's KMS data key or decrypted parameter is reused, s: Kinesis asks KMS "approximately every
    /// five minutes" per credential; the Parameters and Secrets extension caches for 300 s (StreamProcessor and the Api).
    /// Assumed the same for an S3 Bucket Key per requester.
    /// </summary>
    public double KmsReuseSeconds { get; init; } = 300;

    /// <summary>SecureString parameters each environment decrypts: the Api two (webhook secrets, bootstrap admin key), StreamProcessor one (pseudonym key).</summary>
    public int ApiSecureParameters { get; init; } = 2;

    public int StreamProcessorSecureParameters { get; init; } = 1;

    /// <summary>Events rejected into the quarantine, one S3 object each (S3Quarantine).</summary>
    public double QuarantineFraction => 1 - Cost.ValidFraction;

    public IReadOnlyList<InputSource> Sources =>
    [
        new("Records/s per shard StreamProcessor drains", RecordsPerSecondPerShard, "records/s", "measured: bench stream --aws-latency, median of 3 runs (2,316, 2,337, 2,262), README \"AWS latency simulation\"", true),
        new("Modelled 500-record batch", BatchMilliseconds, "ms", "measured: the same runs", true),
        new("Event bytes", EventBytes, "bytes", "the bench workload (COST.md)", false),
        new("Events per request", EventsPerRequest, "events", "the bench workload (COST.md)", false),
        new("Kinesis records per event", KinesisRecordsPerEvent, "records", "the API's packing at its worst, every event under its own partition key: one record per event (COST.md)", false),
        new("Peak to average", PeakToAverage, "×", "assumption: the busiest second and hour carry 3× the day's average", false),
        new("Parallelization factor", ParallelizationFactor, "batches per shard", "CDK: StreamProcessorConstruct", false),
        new("Api writes per request", ApiWritesPerRequest, "WRU", "code: IdempotencyStore claim + completion (issue 18)", false),
        new("Api stage throttle", ApiStageRatePerSecond, "requests/s", "CDK: StageConfig prod", false),
        new("ApiStream reserved concurrency", ApiStreamReservedConcurrency, "executions", "CDK: StageConfig prod", false),
        new("LogTransformer buffer", LogTransformerBufferMb, "MB", "Resources: DeliveryStreams.ProcessorBufferMegabytes (the CDK app's processor buffering hint)", false),
        new("LogTransformer seconds per invocation", LogTransformerSecondsPerInvocation, "s", "assumption", false),
        new("BatchLoader reserved concurrency", BatchLoaderReservedConcurrency, "executions", "CDK: BatchLoaderConstruct", false),
        new("Partition load rate", PartitionEventsPerSecond, "events/s", "measured: bench batch, one 50,000-event partition in 2.9 s", true),
        new("Largest partition's share of an hour", LargestPartitionShare, "fraction", "measured: product views in the demo's generated traffic (seed 42, 20,000 events); assumed to hold hour by hour", true),
        new("Compaction memory per event", PartitionMemoryBytesPerEvent, "bytes", "assumption", false),
        new("Warehouse load rate per RPU", WarehouseEventsPerSecondPerRpu, "events/s", "measured locally (bench batch --million, MERGE 196 s for 970,002 events); assumption: one RPU loads as fast as this 2-core machine", true),
        new("Warehouse load window", WarehouseLoadWindowShare, "of the hour", "assumption", false),
        new("Redshift base / max RPU", RedshiftBaseRpu, "RPU", $"CDK: StageConfig prod (max {RedshiftMaxRpu})", false),
        new("KMS reuse per credential", KmsReuseSeconds, "s", "Kinesis developer guide (about every 5 minutes per credential); extension cache 300 s; assumed for S3 Bucket Keys", false),
    ];
}
