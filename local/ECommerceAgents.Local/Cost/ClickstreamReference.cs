namespace ECommerceAgents.Local.Cost;

/// <summary>One row of the comparison: the clickstream solution's published figure and the lines of ours that do the same job.</summary>
public sealed record ComparisonRow(string Module, string Theirs, IReadOnlyList<double?> TheirUsd, string Ours, Func<CostLine, bool> OurLines, bool InTotals = true);

/// <summary>
/// The published monthly cost of AWS's "Guidance for Clickstream Analytics on AWS" (awslabs/clickstream-analytics-on-aws),
/// us-east-1 on-demand, at 10, 100 and 1,000 requests/s of 10 events each: the same rates and request shape as ours.
/// Their module rows are set beside the lines of our model that do the same job.
/// </summary>
public static class ClickstreamReference
{
    public const string SourceUrl = "https://docs.aws.amazon.com/solutions/latest/clickstream-analytics-on-aws/cost.html";

    public const string SourceNote =
        "Implementation guide, \"Cost\" page (stored copy read 2026-11-23). Their assumptions: on-demand prices in us-east-1; " +
        "compressed request payload 2 KB with 10 events per request (10 RPS = 49 GB/month); ingestion on an ALB with ECS on EC2; " +
        "data processing by EMR Serverless running three built-in plugins, hourly; Redshift Serverless with 8 base RPU (16 at 1,000 RPS); " +
        "QuickSight Enterprise; CloudWatch logs, metrics and dashboard \"around $14 per month\".";

    public static IReadOnlyList<double> Rates { get; } = [10, 100, 1_000];

    public static IReadOnlyList<ComparisonRow> Rows { get; } =
    [
        new("Ingestion endpoint", "ALB + EC2 for ECS (ALB $28.80 / $53.80 / $262.80, EC2 $122)", [150.80, 175.80, 384.80],
            "API Gateway REST + WAF + the Api function (Lambda, its idempotency writes and Redis commands); prod: ALB + Fargate tasks",
            IsIngestion),
        new("Buffer", "Kinesis Data Streams on-demand", [38, 115, 1_051],
            "Kinesis Data Streams: provisioned shards (small, prod), on demand (dev)",
            l => l.Service == "Kinesis Data Streams"),
        new("S3", "ingestion sink $3 / $4 / $14 + processing $0.36 / $3.60 / $36", [3.36, 7.60, 50],
            "S3: raw, enriched and Parquet zones (month-12 storage, requests, transitions)",
            l => l.Service == "S3" && !IsAccessLog(l)),
        new("Processing", "EMR Serverless, hourly", [65.50, 353, 1_260],
            "StreamProcessor, BatchLoader and the enriched partitioner (LogTransformer) on Lambda, Firehose (raw + enriched), Glue crawlers",
            l => l.Service is "Data Firehose" or "Glue" || (l.Service == "Lambda" && !l.Item.StartsWith("Api", StringComparison.Ordinal))),
        new("Warehouse compute", "Redshift Serverless load (8 base RPU; 16 at 1,000 RPS), hourly", [172, 385, 2_325],
            "Redshift Serverless base RPU for the hourly loads",
            l => l.Service == "Redshift Serverless" && l.Kind == CostKind.Fixed),
        new("Warehouse storage", "Redshift storage, one month of data", [3.40, 34, 340],
            "Redshift managed storage, 12 months of data",
            l => l.Service == "Redshift Serverless" && l.Kind == CostKind.Variable),
        new("Logs and monitoring", "CloudWatch Logs, metrics, dashboard (\"around $14\")", [14, 14, 14],
            "CloudWatch logs, EMF metrics, alarms, dashboard; X-Ray; prod: the ALB's access logs in S3",
            l => l.Service is "CloudWatch" or "X-Ray" || IsAccessLog(l)),
        new("Secrets", "Secrets Manager, one secret", [0.40, 0.40, 0.40],
            "Secrets Manager, SSM parameters, KMS key",
            l => l.Service is "Secrets Manager" or "SSM Parameter Store" or "KMS"),
        new("Private networking", "Kinesis interface endpoint, 2 AZ ($14.62; data processed published only at 1,000 RPS: $267)", [14.62, 14.62, 281.62],
            "4 interface endpoints (Kinesis, Firehose, SSM, KMS; prod: + ECR API, ECR Docker, Logs) × 2 AZ + data processed",
            l => l.Service == "VPC interface endpoints"),
        new("Real-time state", "none (no real-time profile store)", [null, null, null],
            "DynamoDB (profiles, sessions, dedup) + ElastiCache Serverless",
            l => l.Service is "DynamoDB" or "ElastiCache Serverless" && !IsIngestion(l)),
        new("Search", "none", [null, null, null],
            "OpenSearch domain",
            l => l.Service == "OpenSearch"),
        new("Reporting", "QuickSight Enterprise, authors (\"All size\" $24)", [24, 24, 24],
            "QuickSight is optional here (-c quicksight) and not modelled",
            _ => false, InTotals: false),
    ];

    /// <summary>Our ingestion lines: API Gateway, WAF, and the Api function's own lines (its Lambda time, its idempotency writes, its Redis commands).</summary>
    private static bool IsIngestion(CostLine l) =>
        l.Service is "API Gateway" or "WAF" or "Elastic Load Balancing" or "VPC" or "ECS Fargate" || (l.Service is "Lambda" or "DynamoDB" or "ElastiCache Serverless" && l.Item.StartsWith("Api", StringComparison.Ordinal));

    /// <summary>The ALB's access logs: S3 lines, but logs, so they sit with the logs.</summary>
    private static bool IsAccessLog(CostLine l) => l.Item.StartsWith("ALB access logs", StringComparison.Ordinal);

    /// <summary>The sum of their published rows that both totals include (QuickSight is left out of both).</summary>
    public static double TheirTotal(int rateIndex) => Rows.Where(r => r.InTotals).Sum(r => r.TheirUsd[rateIndex] ?? 0);
}
