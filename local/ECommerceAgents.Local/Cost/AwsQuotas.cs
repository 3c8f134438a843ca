namespace ECommerceAgents.Local.Cost;

/// <summary>One documented AWS quota or hard limit, with the page that states it (us-east-1 where it varies by Region).</summary>
public sealed record AwsQuota(string Key, string Name, double Value, string Unit, string Url, bool Adjustable);

/// <summary>
/// The AWS quotas and limits the scaling model (<see cref="ScalingModel"/>) checks, each with its documented default
/// value and the page that states it. Read on <see cref="ReadOn"/> from the stored copies of those pages.
/// </summary>
public static class AwsQuotas
{
    public const string ReadOn = "2026-12-03";

    private const string KinesisQuotasPage = "https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html";
    private const string KinesisFaqPage = "https://aws.amazon.com/kinesis/data-streams/faqs/";
    private const string UpdateShardCountPage = "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html";
    private const string LambdaQuotasPage = "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html";
    private const string LambdaMemoryPage = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html";
    private const string EventSourceMappingPage = "https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html";
    private const string DynamoQuotasPage = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html";
    private const string DynamoPartitionsPage = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html";
    private const string FirehoseQuotasPage = "https://docs.aws.amazon.com/firehose/latest/dev/limits.html";
    private const string S3PerformancePage = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html";
    private const string KmsQuotasPage = "https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html";
    private const string RedshiftCapacityPage = "https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html";
    private const string ApiGatewayQuotasPage = "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html";

    // Kinesis Data Streams.
    public static AwsQuota ShardWriteRecords { get; } = new("kinesis.shardWriteRecords", "Kinesis shard writes, records", 1_000, "records/s per shard", KinesisQuotasPage, false);

    public static AwsQuota ShardWriteMiB { get; } = new("kinesis.shardWriteMiB", "Kinesis shard writes, bytes", 1, "MiB/s per shard", KinesisQuotasPage, false);

    public static AwsQuota OnDemandInitialWriteRecords { get; } = new("kinesis.onDemandInitialRecords", "On-demand stream at creation", 4_000, "records/s (and 4 MB/s)", KinesisFaqPage, false);

    public static AwsQuota OnDemandPeakMultiple { get; } = new("kinesis.onDemandPeakMultiple", "On-demand stream scales to a multiple of its 30-day peak", 2, "× previous peak", KinesisFaqPage, false);

    public static AwsQuota OnDemandMaxWriteGiB { get; } = new("kinesis.onDemandMaxWrite", "On-demand stream write ceiling (us-east-1)", 10, "GB/s", KinesisQuotasPage, true);

    public static AwsQuota UpdateShardCountPerDay { get; } = new("kinesis.updateShardCountPerDay", "UpdateShardCount calls per stream", 10, "per rolling 24 h (each at most doubles or halves)", UpdateShardCountPage, true);

    // Lambda.
    public static AwsQuota AccountConcurrency { get; } = new("lambda.concurrency", "Lambda concurrent executions per account and Region", 1_000, "executions", LambdaQuotasPage, true);

    public static AwsQuota FunctionTimeout { get; } = new("lambda.timeout", "Lambda function timeout", 900, "s", LambdaQuotasPage, false);

    public static AwsQuota FunctionMemory { get; } = new("lambda.memory", "Lambda function memory", 10_240, "MB", LambdaQuotasPage, false);

    public static AwsQuota FullVcpuMemory { get; } = new("lambda.fullVcpuMemory", "Lambda memory that gives one full vCPU", 1_769, "MB", LambdaMemoryPage, false);

    public static AwsQuota MaxParallelizationFactor { get; } = new("lambda.parallelizationFactor", "Kinesis event source mapping: concurrent batches per shard", 10, "batches per shard", EventSourceMappingPage, false);

    // DynamoDB, on demand.
    public static AwsQuota TableWriteUnits { get; } = new("dynamodb.tableWrite", "On-demand table throughput, writes", 40_000, "WRU/s per table", DynamoQuotasPage, true);

    public static AwsQuota TableReadUnits { get; } = new("dynamodb.tableRead", "On-demand table throughput, reads", 40_000, "RRU/s per table", DynamoQuotasPage, true);

    public static AwsQuota PartitionWriteUnits { get; } = new("dynamodb.partitionWrite", "One partition (one hot key), writes", 1_000, "WCU/s", DynamoPartitionsPage, false);

    public static AwsQuota PartitionReadUnits { get; } = new("dynamodb.partitionRead", "One partition (one hot key), reads", 3_000, "RCU/s", DynamoPartitionsPage, false);

    // Data Firehose, Direct PUT, us-east-1. A stream with Kinesis Data Streams as its source has none of these.
    public static AwsQuota FirehoseMiB { get; } = new("firehose.mib", "Firehose Direct PUT stream, bytes (us-east-1)", 5, "MiB/s per delivery stream", FirehoseQuotasPage, true);

    public static AwsQuota FirehoseRecords { get; } = new("firehose.records", "Firehose Direct PUT stream, records (us-east-1)", 500_000, "records/s per delivery stream", FirehoseQuotasPage, true);

    public static AwsQuota FirehoseCalls { get; } = new("firehose.calls", "Firehose Direct PUT stream, PutRecord + PutRecordBatch (us-east-1)", 2_000, "requests/s per delivery stream", FirehoseQuotasPage, true);

    public static AwsQuota FirehoseLambdaInvocationsPerShard { get; } = new("firehose.lambdaInvocations", "Firehose data transformation, outstanding Lambda invocations", 5, "per internal shard (S3 destination)", FirehoseQuotasPage, false);

    public static AwsQuota FirehoseActivePartitions { get; } = new("firehose.activePartitions", "Firehose dynamic partitioning, active partitions", 500, "per delivery stream", FirehoseQuotasPage, true);

    // S3.
    public static AwsQuota S3PutsPerPrefix { get; } = new("s3.putsPerPrefix", "S3 PUT/COPY/POST/DELETE per partitioned prefix", 3_500, "requests/s", S3PerformancePage, false);

    // KMS: one shared quota for Decrypt, Encrypt, GenerateDataKey, … on symmetric keys, AWS managed keys and calls AWS
    // services make on our behalf included.
    public static AwsQuota KmsSymmetric { get; } = new("kms.symmetric", "KMS cryptographic operations (symmetric), shared (us-east-1)", 100_000, "requests/s per account", KmsQuotasPage, true);

    public static AwsQuota KmsSymmetricElsewhere { get; } = new("kms.symmetricElsewhere", "KMS cryptographic operations (symmetric), shared (most other Regions)", 10_000, "requests/s per account", KmsQuotasPage, true);

    // Redshift Serverless.
    public static AwsQuota RedshiftMinBaseRpu { get; } = new("redshift.minBaseRpu", "Redshift Serverless base capacity, smallest step above 4", 8, "RPU (steps of 8 up to 512)", RedshiftCapacityPage, false);

    public static AwsQuota RedshiftMaxBaseRpu { get; } = new("redshift.maxBaseRpu", "Redshift Serverless base capacity, largest (us-east-1)", 1_024, "RPU", RedshiftCapacityPage, false);

    // API Gateway.
    public static AwsQuota ApiGatewayAccountRate { get; } = new("apigateway.accountRate", "API Gateway throttle per account and Region", 10_000, "requests/s", ApiGatewayQuotasPage, true);

    public static IReadOnlyList<AwsQuota> All { get; } =
    [
        ShardWriteRecords, ShardWriteMiB, OnDemandInitialWriteRecords, OnDemandPeakMultiple, OnDemandMaxWriteGiB, UpdateShardCountPerDay,
        AccountConcurrency, FunctionTimeout, FunctionMemory, FullVcpuMemory, MaxParallelizationFactor,
        TableWriteUnits, TableReadUnits, PartitionWriteUnits, PartitionReadUnits,
        FirehoseMiB, FirehoseRecords, FirehoseCalls, FirehoseLambdaInvocationsPerShard, FirehoseActivePartitions,
        S3PutsPerPrefix, KmsSymmetric, KmsSymmetricElsewhere, RedshiftMinBaseRpu, RedshiftMaxBaseRpu, ApiGatewayAccountRate,
    ];
}
