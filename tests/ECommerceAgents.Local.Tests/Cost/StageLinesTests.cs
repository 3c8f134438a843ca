using ECommerceAgents.Local.Cost;

namespace ECommerceAgents.Local.Tests.Cost;

/// <summary>The lines the small and prod stages add (issue 18): provisioned shards and tables, the ALB and Fargate front door, the Redis dedup window.</summary>
public sealed class StageLinesTests
{
    private static CostLine Line(CostEstimate estimate, string service, string item) =>
        Assert.Single(estimate.Lines, l => l.Service == service && l.Item == item);

    [Theory]
    [InlineData(16, 10_000, 0, 16)] // prod at 1,000 req/s: 13 shards would do, the stage's 16 stay
    [InlineData(16, 20_000, 0, 25)] // 20,000 records/s ÷ 1,000 ÷ 0.8 = 25
    [InlineData(2, 100, 0, 2)]
    [InlineData(2, 100, 3 * 1_048_576, 4)] // packed records: 3 MiB/s ÷ 1 MiB/s ÷ 0.8 = 3.75, though 100 records/s need 1
    [InlineData(16, 2_000, 20 * 1_048_576, 25)]
    public void KinesisShards_AtLeastTheStagesAndEnoughForTheRecordsAndTheBytes(int configured, double recordsPerSecond, double bytesPerSecond, int expected) =>
        Assert.Equal(expected, CostModel.KinesisShards(configured, recordsPerSecond, bytesPerSecond));

    [Fact]
    public void ProvisionedKinesis_PricesShardHoursPutUnitsAndRetention_NoOnDemandLines()
    {
        var prod = CostModel.Default.Monthly(new Workload(1_000), CostStage.Prod);

        // 16 shards × 730 h × $0.015 = $175.20; extended retention 16 × 730 × $0.02 = $233.60.
        Assert.Equal(175.20, Line(prod, "Kinesis Data Streams", "Shard-hours").Usd, 6);
        Assert.Equal(233.60, Line(prod, "Kinesis Data Streams", "Extended retention").Usd, 6);
        // 10,000 events/s × 2,628,000 s = 26.28 billion PUT units × $0.014 per million = $367.92.
        Assert.Equal(367.92, Line(prod, "Kinesis Data Streams", "PUT payload units").Usd, 6);
        Assert.DoesNotContain(prod.Lines, l => l.Item is "Stream-hours" or "Data in" or "Data out");
        var small = CostModel.Default.Monthly(new Workload(10), CostStage.Small);
        Assert.Equal(2 * 730 * 0.015, Line(small, "Kinesis Data Streams", "Shard-hours").Usd, 6);
        Assert.DoesNotContain(small.Lines, l => l.Item == "Extended retention");
    }

    [Theory]
    [InlineData(100, 0.7, 1_020, 92_000, 1_020)] // below the minimum
    [InlineData(7_000, 0.7, 1_020, 92_000, 10_000)]
    [InlineData(70_000, 0.7, 1_020, 92_000, 92_000)] // capped at the maximum
    public void ProvisionedUnits_AverageOverTargetWithinBounds(double average, double target, int min, int max, double expected) =>
        Assert.Equal(expected, CostModel.ProvisionedUnits(average, target, min, max), 6);

    [Fact]
    public void ProvisionedTables_HotShareProvisionedTheRestOnDemand()
    {
        var inputs = new CostInputs { HotTableWriteShare = 0.9, HotTableReadShare = 0.5 };
        var model = new CostModel(PriceTable.UsEast1, inputs);
        var prod = model.Monthly(new Workload(1_000), CostStage.Prod);

        // Hot tables: 10,000 events/s × 630 WRU per 1,000 × 0.9 + 1,000 requests × 2 WRU = 7,670 WRU/s ÷ 0.7 → 10,958 WCU.
        Assert.Equal(10_958 * 730 * 0.00065, Line(prod, "DynamoDB", "Provisioned write capacity").Usd, 4);
        // The other 10 % of the stream's units stay on demand; the Api's are provisioned.
        var onDemand = 10_000 * CostModel.SecondsPerMonth * 0.63 * 0.1;
        Assert.Equal(onDemand / 1e6 * 0.625, Line(prod, "DynamoDB", "Write request units").Usd, 4);
        Assert.Equal(0, Line(prod, "DynamoDB", "Api write units").Usd);
        // Reads split on their own share: half of 10,000 events/s × the typed read units stay on demand.
        Assert.Equal(10_000 * CostModel.SecondsPerMonth * inputs.DynamoReadUnitsPer1000Events / 1_000 * 0.5 / 1e6 * 0.125, Line(prod, "DynamoDB", "Read request units").Usd, 4);

        // Small at its rate: 100 events/s × 630 WRU per 1,000 × 0.9 + 10 requests × 2 WRU = 76.7 WRU/s ÷ 0.7 → 110 WCU.
        var small = model.Monthly(new Workload(10), CostStage.Small);
        Assert.Equal(110 * 730 * 0.00065, Line(small, "DynamoDB", "Provisioned write capacity").Usd, 4);
        Assert.DoesNotContain(CostModel.Default.Monthly(new Workload(10), CostStage.Dev).Lines, l => l.Item.StartsWith("Provisioned", StringComparison.Ordinal));
    }

    [Fact]
    public void ProvisionedTables_AtProd100_TheNeedPassesTheFloors()
    {
        var prod = CostModel.Default.Monthly(new Workload(100), CostStage.Prod);

        // Writes: 1,000 events/s × 630 WRU per 1,000 + 100 requests × 2 WRU = 830 WRU/s ÷ 0.7 → 1,186 WCU, over the
        // floors' 1,115 (the nine hot tables' minimums, each index at its table's).
        Assert.Equal(1_186 * 730 * 0.00065, Line(prod, "DynamoDB", "Provisioned write capacity").Usd, 4);
        // Reads: 1,000 events/s × 840 RRU per 1,000 (the Api's reads typed 0) = 840 RRU/s ÷ 0.7 → 1,200 RCU, over 690.
        Assert.Equal(1_200 * 730 * 0.00013, Line(prod, "DynamoDB", "Provisioned read capacity").Usd, 4);
    }

    [Theory]
    [InlineData(1_000, 0.00016, 2)] // 0.16 vCPU: the minimum
    [InlineData(10_000, 0.00016, 3)] // 1.6 vCPU ÷ 0.6 = 2.67
    [InlineData(1_000_000, 0.00016, 20)] // capped at the maximum
    public void FargateTasks_CpuAtTheTargetWithinTheRange(double requestsPerSecond, double cpuSeconds, int expected) =>
        Assert.Equal(expected, CostModel.FargateTasks(requestsPerSecond, cpuSeconds, CostStage.Prod.Container!));

    [Fact]
    public void AlbShare_TakesApiGatewayAndTheApiLambdaOff_WafStays()
    {
        var half = CostStage.Prod with { AlbShareOfRequests = 0.5 };
        var all = CostModel.Default.Monthly(new Workload(100), CostStage.Prod);
        var split = CostModel.Default.Monthly(new Workload(100), half);
        var requests = 100 * CostModel.SecondsPerMonth;

        Assert.Equal(0, all.Usd("API Gateway"), 9);
        Assert.Equal(0, Line(all, "Lambda", "Api requests").Usd, 9);
        Assert.Equal(requests / 2 / 1e6 * 3.50, split.Usd("API Gateway"), 6);
        Assert.Equal(requests / 2 / 1e6 * 0.20, Line(split, "Lambda", "Api requests").Usd, 6);
        Assert.Equal(requests / 1e6 * 0.60, Line(all, "WAF", "Requests").Usd, 6);
        Assert.Equal(Line(all, "WAF", "Requests").Usd, Line(split, "WAF", "Requests").Usd, 9);
        // The ALB: 730 h × $0.0225; 2 IPv4 × 730 h × $0.005; 2 tasks × (1 vCPU × $0.04048 + 2 GB × $0.004445) × 730 h.
        Assert.Equal(16.425, Line(all, "Elastic Load Balancing", "ALB hours").Usd, 6);
        Assert.Equal(7.30, Line(all, "VPC", "Public IPv4 addresses").Usd, 6);
        Assert.Equal(2 * 730 * 0.04048, Line(all, "ECS Fargate", "Fargate vCPU").Usd, 6);
        Assert.Equal(2 * 2 * 730 * 0.004445, Line(all, "ECS Fargate", "Fargate memory").Usd, 6);
        // LCUs: 100 requests/s × 6,000 B × 3,600 s = 2.16 GB/h → 2.16 LCU × 730 h × $0.008.
        Assert.Equal(2.16 * 730 * 0.008, Line(all, "Elastic Load Balancing", "ALB LCUs").Usd, 6);
        Assert.Equal(2.16 / 2 * 730 * 0.008, Line(split, "Elastic Load Balancing", "ALB LCUs").Usd, 6);
    }

    [Fact]
    public void Prod_AlbRequestsLogToS3_NotToCloudWatch_AndAreNotTraced()
    {
        var prod = CostModel.Default.Monthly(new Workload(100), CostStage.Prod);
        const double GiB = 1024.0 * 1024 * 1024;
        var requests = 100 * 2_628_000.0; // 262.8 M requests, all through the ALB
        var batches = 100 * 10 * 2_628_000.0 / 500; // 5,256,000 StreamProcessor invocations

        // CloudWatch gets StreamProcessor's 2,048 B per invocation only: 10.025 GB × $0.50, kept 6 months × $0.03.
        var logGb = batches * 2_048 / GiB;
        Assert.Equal(logGb * 0.50, Line(prod, "CloudWatch", "Logs ingestion").Usd, 6);
        Assert.Equal(logGb * 6 * 0.03, Line(prod, "CloudWatch", "Logs storage").Usd, 6);
        // ALB access logs: 700 B per request, GZIP 4:1 = 42.83 GB a month, kept 90 days (90 ÷ 30.4167 months) in Standard at $0.023.
        var albGb = requests * 700 / 4 / GiB;
        Assert.Equal(albGb * 90 / (365.0 / 12) * 0.023, Line(prod, "S3", "ALB access logs storage").Usd, 6);
        // One file every 5 minutes from each of 2 nodes: 2 × 12 × 730 = 17,520 PUTs × $0.005 per 1,000.
        Assert.Equal(17_520 * 0.005 / 1_000, Line(prod, "S3", "ALB access logs PUTs").Usd, 9);
        // X-Ray: 5 % of the invocations (no API Gateway requests: the ALB sends nothing to X-Ray) × $5 per million.
        Assert.Equal(0.05 * batches * 5 / 1e6, Line(prod, "X-Ray", "Sampled traces").Usd, 9);
        // The reservoir: 1 trace/s for StreamProcessor only (API Gateway serves none of these requests): 2,628,000 × $5 per million.
        Assert.Equal(2_628_000 * 5 / 1e6, Line(prod, "X-Ray", "Trace reservoir").Usd, 9);
        // The web ACL's five rules (three rate-based, two managed groups) at $1 each.
        Assert.Equal(5.0, Line(prod, "WAF", "Rules").Usd, 9);
    }

    [Fact]
    public void RedisDedup_StorageAndEcpusFollowTheEvents()
    {
        var small = CostModel.Default.Monthly(new Workload(10), CostStage.Small);
        // Dedup commands typed beside the measured ones (the typed inputs count them in the Redis commands: 0 beside).
        var beside = new CostModel(PriceTable.UsEast1, new CostInputs { DedupRedisCommandsPerEvent = 5 }).Monthly(new Workload(10), CostStage.Small);

        // 100 events/s × 1.25 × 86,400 s × 10 B = 0.108 GB × 730 h × $0.084.
        Assert.Equal(0.108, CostModel.RedisDedupGb(100, new CostInputs()), 9);
        Assert.Equal(0.108 * 730 * 0.084, Line(small, "ElastiCache Serverless", "Dedup markers stored").Usd, 6);
        // 5 commands per event: 262.8 M events × 5 = 1.314 billion ECPUs × $0.0023 per million.
        Assert.Equal(1_314 * 0.0023, Line(beside, "ElastiCache Serverless", "Dedup ECPUs").Usd, 6);
        Assert.Equal(0, Line(small, "ElastiCache Serverless", "Dedup ECPUs").Usd);
        Assert.DoesNotContain(small.Lines, l => l.Item.StartsWith("Dedup markers storage", StringComparison.Ordinal));
    }

    [Fact]
    public void Small_SamplesOnePercentOfRequestsAndRegistersPartitionsWithoutCrawlers()
    {
        var small = CostModel.Default.Monthly(new Workload(10), CostStage.Small);

        Assert.Equal(0.01 * 10 * CostModel.SecondsPerMonth, Line(small, "X-Ray", "Sampled traces").Quantity, 6);
        Assert.DoesNotContain(small.Lines, l => l.Item == "Trace reservoir");
        Assert.Equal(0, Line(small, "Glue", "Crawlers").Usd);
        Assert.Equal(16 * 730 * 2, Line(small, "Glue", "Catalog requests").Quantity, 6);
        Assert.Equal(4 * 2 * 730 * 0.01, Line(small, "VPC interface endpoints", "Endpoint-AZ hours").Usd, 6); // BatchLoader's Glue calls leave from outside the VPC
        Assert.Contains(CostStage.Small, CostStage.All);
        Assert.Equal(CostStage.Small, CostStage.Parse("small"));
    }
}
