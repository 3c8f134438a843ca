using System.Text.Json;
using System.Text.RegularExpressions;
using ECommerceAgents.Local.Cost;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests;

/// <summary>The cost model's arithmetic, its fixed/variable split, its sources, its agreement with the CDK app, and the <c>cost</c> command.</summary>
public sealed partial class CostModelTests
{
    private static readonly Dictionary<string, string> NoStack = new() { [LocalSettingNames.StateDir] = Path.Combine(Path.GetTempPath(), "eca-tests", "cost-unused") };

    private static CostLine Line(CostEstimate estimate, string service, string item) =>
        Assert.Single(estimate.Lines, l => l.Service == service && l.Item == item);

    [Fact]
    public void Monthly_TenRequestsPerSecondDev_MatchesHandComputedLines()
    {
        // 10 requests/s × 10 events = 100 events/s; a 730 h month has 2,628,000 s, so 262,800,000 events and 26,280,000 requests.
        var estimate = CostModel.Default.Monthly(new Workload(10), CostStage.Dev);

        // Kinesis data in: each 540 B record billed as 1 KiB → 262.8e6 / 1,048,576 = 250.6256 GB × $0.08 = $20.0500.
        Assert.Equal(20.0500, Line(estimate, "Kinesis Data Streams", "Data in").Usd, 4);
        // Two consumers read it back: 501.2512 GB × $0.04 = $20.0500.
        Assert.Equal(20.0500, Line(estimate, "Kinesis Data Streams", "Data out").Usd, 4);
        // Stream-hours: 730 × $0.04 = $29.20.
        Assert.Equal(29.20, Line(estimate, "Kinesis Data Streams", "Stream-hours").Usd, 6);
        // StreamProcessor: 525,600 batches of 500 × 0.65 s × 1,769 MB (1.727539 GB) = 590,196.4453 GB-s × $0.0000166667 = $9.836627.
        Assert.Equal(9.836627, Line(estimate, "Lambda", "StreamProcessor duration").Usd, 5);
        // DynamoDB: 630 WRU per 1,000 events (measured; the dedup markers are in Redis) → 165,564,000 WRU × $0.625 per million = $103.4775.
        Assert.Equal(103.4775, Line(estimate, "DynamoDB", "Write request units").Usd, 6);
        // API Gateway: 26.28 M requests, all in the first tier: × $3.50 per million = $91.98.
        Assert.Equal(91.98, Line(estimate, "API Gateway", "REST requests, first 333 M").Usd, 6);
        // Raw archive through Firehose: each record billed as 5 KiB → 1,253.128 GB × $0.029 = $36.3407.
        Assert.Equal(36.3407, Line(estimate, "Data Firehose", "Raw archive ingestion").Usd, 4);
        // Interface endpoints: 4 endpoints (Kinesis, Firehose, SSM, KMS) × 2 AZ × 730 h × $0.01 = $58.40.
        Assert.Equal(58.40, Line(estimate, "VPC interface endpoints", "Endpoint-AZ hours").Usd, 6);
        // OpenSearch dev: one t3.small.search, 730 h × $0.036 = $26.28; 10 GB gp3 × $0.122 = $1.22.
        Assert.Equal(26.28, Line(estimate, "OpenSearch", "1 × t3.small.search").Usd, 6);
        Assert.Equal(1.22, Line(estimate, "OpenSearch", "EBS gp3").Usd, 6);
        // Redshift dev: 8 RPU × 730 loads × 5 min = 486.67 RPU-hours × $0.375 = $182.50.
        Assert.Equal(182.50, Line(estimate, "Redshift Serverless", "Base RPU for the batch hours").Usd, 6);
        // Valkey minimum: 0.1 GB × 730 h × $0.084 = $6.132.
        Assert.Equal(6.132, Line(estimate, "ElastiCache Serverless", "Data stored (minimum)").Usd, 6);

        Assert.Equal(estimate.Lines.Sum(l => l.Usd), estimate.TotalUsd, 9);
        Assert.Equal(estimate.FixedUsd + estimate.VariableUsd + estimate.SteppedUsd, estimate.TotalUsd, 9);
    }

    [Fact]
    public void Monthly_SubjectKeyRequests_FollowContainersAndShardsNotEvents()
    {
        // Dev at 10 requests/s: 10 × 0.025 s = 0.25 of a warm Api function → 1 container, 1 GenerateDataKey an hour; the
        // on-demand stream's 4 shards each Decrypt its key once an hour: 5 calls an hour × 730 h = 3,650 × $0.03 per 10,000.
        var low = CostModel.Default.Monthly(new Workload(10), CostStage.Dev);
        var line = Line(low, "KMS", "Subject key requests");
        Assert.Equal(CostKind.Stepped, line.Kind);
        Assert.Equal(3_650, line.Quantity, 6);
        Assert.Equal(0.01095, line.Usd, 6);

        // A hundred times the rate: 25 containers, each met by every shard; more calls, far fewer than a hundred times.
        var high = Line(CostModel.Default.Monthly(new Workload(1_000), CostStage.Dev), "KMS", "Subject key requests");
        Assert.InRange(high.Usd, 5 * line.Usd, 100 * line.Usd);
        Assert.Equal(0, Line(CostModel.Default.Monthly(new Workload(0), CostStage.Dev), "KMS", "Subject key requests").Usd, 9);
    }

    [Fact]
    public void Monthly_TenTimesTheRate_VariableTenTimesFixedUnchanged()
    {
        // 10 and 100 requests/s both stay inside API Gateway's first tier and Firehose's time-driven buffering. S3's
        // lifecycle is the exception (issue 18): S3 transitions no object under 128 KB, and prod's enriched objects cross
        // that size between the two rates, so the zone's storage classes and transitions differ (S3LifecycleTests prices
        // both sides by hand). So is DynamoDB's provisioned capacity: the larger of the tables' minimum and the need over
        // the target, and at 100 req/s the need passes prod's minimum, for writes and reads
        // (StageLinesTests.ProvisionedTables_AtProd100_TheNeedPassesTheFloors prices both by hand).
        var low = CostModel.Default.Monthly(new Workload(10), CostStage.Prod);
        var high = CostModel.Default.Monthly(new Workload(100), CostStage.Prod);
        static bool BySize(CostLine l) =>
            (l.Service == "S3" && (l.Item.StartsWith("Transitions to", StringComparison.Ordinal) || l.Item.EndsWith(" storage", StringComparison.Ordinal)))
            || (l.Service == "DynamoDB" && l.Item.StartsWith("Provisioned", StringComparison.Ordinal));
        static double Sum(CostEstimate e, CostKind kind) => e.Lines.Where(l => l.Kind == kind && !BySize(l)).Sum(l => l.Usd);

        Assert.Equal(Sum(low, CostKind.Fixed), Sum(high, CostKind.Fixed), 9);
        Assert.Equal(10 * Sum(low, CostKind.Variable), Sum(high, CostKind.Variable), 6);
        foreach (var line in low.Lines.Where(l => l.Kind == CostKind.Variable && !BySize(l)))
        {
            Assert.Equal(10 * line.Usd, Line(high, line.Service, line.Item).Usd, 6);
        }
    }

    [Fact]
    public void Monthly_ZeroTraffic_OnlyFixedCosts()
    {
        var idle = CostModel.Default.Monthly(new Workload(0), CostStage.Prod);

        Assert.Equal(0, idle.VariableUsd, 9);
        Assert.Equal(0, idle.SteppedUsd, 9);
        Assert.True(idle.FixedUsd > 0);
    }

    [Fact]
    public void Monthly_AboveTheFirstApiTier_CheaperPerRequest()
    {
        // 1,000 requests/s is 2.628 billion requests: 333 M at $3.50, 667 M at $2.80, the rest at $2.38 (dev: all through API Gateway).
        var estimate = CostModel.Default.Monthly(new Workload(1_000), CostStage.Dev);

        Assert.Equal(1_165.50 + 1_867.60 + (2_628 - 1_000) * 2.38, estimate.Usd("API Gateway"), 4);
    }

    [Fact]
    public void PriceRun_MatchesTheMonthScaledToTheRun()
    {
        // 100,000 events in 100 s is 1,000 events/s = 100 requests/s; the run is 100 / 2,628,000 of a month.
        var run = CostModel.PriceRun(100_000, TimeSpan.FromSeconds(100), CostStage.Dev);
        var month = CostModel.Default.Monthly(new Workload(100), CostStage.Dev);
        var share = 100 / CostModel.SecondsPerMonth;

        Assert.Equal(month.VariableUsd * share, run.VariableUsd, 9);
        Assert.Equal(month.FixedUsd * share, run.FixedUsd, 9);
        Assert.Equal(month.SteppedUsd * share, run.SteppedUsd, 9);
        Assert.Equal(run.FixedUsd + run.VariableUsd + run.SteppedUsd, run.TotalUsd, 12);
    }

    [Fact]
    public void PriceTable_EveryEntry_NamesItsPageAndEvidence()
    {
        var prices = PriceTable.UsEast1.All;

        Assert.Equal(prices.Count, prices.Select(p => p.Key).Distinct().Count());
        foreach (var price in prices)
        {
            Assert.False(string.IsNullOrWhiteSpace(price.Evidence), price.Key);
            Assert.StartsWith("https://aws.amazon.com/", price.PageUrl, StringComparison.Ordinal);
            Assert.Equal(PriceTable.ReadOn, price.ReadOn);
            Assert.True(price.Usd >= 0, price.Key);
            if (price.Assumption) Assert.Contains("assumption", price.Evidence, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Monthly_EveryLine_UsesAPriceFromTheTable()
    {
        var keys = PriceTable.UsEast1.All.Select(p => p.Key).ToHashSet();

        foreach (var stage in CostStage.All)
        {
            foreach (var line in CostModel.Default.Monthly(new Workload(1_000), stage).Lines)
            {
                Assert.Contains(line.PriceKey, keys);
                Assert.False(string.IsNullOrWhiteSpace(line.Basis), line.Item);
            }
        }
    }

    [Fact]
    public void CostInputs_EveryInput_HasASource()
    {
        var sources = new CostInputs().Sources;

        Assert.All(sources, s => Assert.False(string.IsNullOrWhiteSpace(s.Source), s.Name));
        // Typed figures from earlier measurements are not marked measured: only a `cost --measure` run marks its own (issue 18).
        Assert.Contains(sources, s => !s.Measured && s.Value == 0.65 && s.Source.Contains("earlier measurement", StringComparison.Ordinal));
        Assert.DoesNotContain(sources, s => s.Measured);
    }

    [Fact]
    public void Comparison_EveryOneOfOurLines_FallsInExactlyOneRow()
    {
        var estimate = CostModel.Default.Monthly(new Workload(100), CostStage.Prod);

        foreach (var line in estimate.Lines)
        {
            Assert.Single(ClickstreamReference.Rows, r => r.InTotals && r.OurLines(line));
        }

        Assert.Equal(5_706.82, ClickstreamReference.TheirTotal(2), 2);
    }

    [Fact]
    public void CostStages_MatchTheCdkApp()
    {
        var infra = Path.Combine(LocalStackOptions.FindRepositoryRoot(), "infra", "ECommerceAgents.Infra");
        var stageConfig = File.ReadAllText(Path.Combine(infra, "StageConfig.cs"));
        string Block(string stage) => Regex.Match(stageConfig, $@"StageName\.{stage} => new StageConfig\s*\{{(?<body>.*?)\n        \}},", RegexOptions.Singleline).Groups["body"].Value;

        foreach (var (stage, name) in new[] { (CostStage.Dev, "Dev"), (CostStage.Small, "Small"), (CostStage.Prod, "Prod") })
        {
            var block = Block(name);
            Assert.Contains($"DataNodes: {stage.SearchDataNodes}, DataNodeType: \"{stage.SearchDataNodeType}\"", block, StringComparison.Ordinal);
            Assert.Contains($"MasterNodes: {stage.SearchMasterNodes}, MasterNodeType: {(stage.SearchMasterNodeType is null ? "null" : $"\"{stage.SearchMasterNodeType}\"")}, VolumeGb: {stage.SearchVolumeGb}", block, StringComparison.Ordinal);
            Assert.Contains($"RedshiftBaseRpu = {stage.RedshiftBaseRpu},", block, StringComparison.Ordinal);
            Assert.Contains($"KinesisRetentionHours = {stage.KinesisRetentionHours},", block, StringComparison.Ordinal);
            Assert.Contains($"CacheMaxStorageGb = {stage.CacheMaxStorageGb},", block, StringComparison.Ordinal);
            Assert.Contains($"LogRetention = RetentionDays.{(stage.LogRetentionMonths == 6 ? "SIX_MONTHS" : "TWO_WEEKS")},", block, StringComparison.Ordinal);
            Assert.Contains($"KinesisShards = {(stage.KinesisShards is { } shards ? shards.ToString(System.Globalization.CultureInfo.InvariantCulture) : "null")},", block, StringComparison.Ordinal);
            Assert.Contains(stage.XRayFixedRate is { } rate ? $"Sampling = new XRaySampling(FixedRate: {rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}, ReservoirPerSecond: 0)," : "Sampling = null,", block, StringComparison.Ordinal);
            Assert.Contains($"CatalogUpdates = CatalogUpdates.{(stage.CatalogByBatchLoader ? "BatchLoader" : "Crawlers")},", block, StringComparison.Ordinal);
            Assert.Contains(stage.Container is { } c
                ? $"FrontDoor = FrontDoor.ApiGatewayAndAlb,\n            Container = new ContainerService(Cpu: {c.Vcpu * 1024}, MemoryMiB: {c.MemoryGb * 1024}, MinTasks: {c.MinTasks}, MaxTasks: {c.MaxTasks}, CpuTargetPercent: {c.CpuTargetPercent}),"
                : "FrontDoor = FrontDoor.ApiGateway,\n            Container = null,", block.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Contains(stage.ProvisionedTables is null ? "ProvisionedTables = null," : $"ProvisionedTables = DynamoDbCapacity.{name}HotTables,", block, StringComparison.Ordinal);
            Assert.Equal(stage.Container is null ? 0.0 : 1.0, stage.AlbShareOfRequests);

            // At its storage cap ElastiCache Serverless evicts keys that have a TTL, the dedup markers among them, so the
            // window would shrink unseen: the cap holds the window's markers at the stage's API rate limit, plus the
            // real-time data. Dev (one developer's traffic) keeps 1 GB and may evict.
            if (stage != CostStage.Dev)
            {
                var limit = int.Parse(Regex.Match(block, @"Api = new ApiLimits\(RatePerSecond: (?<r>[\d_]+),").Groups["r"].Value.Replace("_", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
                var needed = CostModel.RedisDedupGb(new Workload(limit).EventsPerSecond, new CostInputs()) + stage.CacheDataGb;
                Assert.True(needed <= stage.CacheMaxStorageGb, $"{name}: {needed:0.0} GB needed at {limit} requests/s, cap {stage.CacheMaxStorageGb} GB");
            }
        }

        // The hot tables' bounds of small and prod, summed as the model prices them.
        foreach (var (stage, name) in new[] { (CostStage.Small, "Small"), (CostStage.Prod, "Prod") })
        {
            var declaration = Regex.Match(stageConfig, $@"{name}HotTables {{ get; }} = new\(70,(?<body>.*?)\]\);", RegexOptions.Singleline).Groups["body"].Value;
            var bounds = Regex.Matches(declaration, @"new TableCapacity\(Resources\.Tables\.(?<table>\w+)\.Id, MinRead: (?<minR>[\d_]+), MaxRead: (?<maxR>[\d_]+), MinWrite: (?<minW>[\d_]+), MaxWrite: (?<maxW>[\d_]+)\)");
            // A provisioned table's indexes get the table's bounds (OperationalTables).
            int Copies(Match m) => 1 + Tables.All.Single(t => string.Concat(t.Id.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..])) == m.Groups["table"].Value).GlobalIndexes.Count;
            int Sum(string group) => bounds.Sum(m => Copies(m) * int.Parse(m.Groups[group].Value.Replace("_", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(CostInputs.HotTables.Count, bounds.Count);
            Assert.All(CostInputs.HotTables, id => Assert.Contains($"Tables.{string.Concat(id.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]))}.Id", declaration, StringComparison.Ordinal));
            Assert.Equal(stage.ProvisionedTables, new CostProvisionedTables(70, Sum("minR"), Sum("maxR"), Sum("minW"), Sum("maxW")));
        }

        var inputs = new CostInputs();
        string Construct(string file) => File.ReadAllText(Path.Combine(infra, "Constructs", "Functions", file));
        Assert.Contains($"MemoryMb = {inputs.StreamProcessorMemoryMb},", Construct("StreamProcessorConstruct.cs"), StringComparison.Ordinal);
        Assert.Contains($"BatchSize = {inputs.StreamProcessorBatchSize};", Construct("StreamProcessorConstruct.cs"), StringComparison.Ordinal);
        Assert.Contains($"MemoryMb = {inputs.ApiMemoryMb},", Construct("ApiConstruct.cs"), StringComparison.Ordinal);
        Assert.Contains($"MemoryMb = {inputs.BatchLoaderMemoryMb},", Construct("BatchLoaderConstruct.cs"), StringComparison.Ordinal);
        var network = File.ReadAllText(Path.Combine(infra, "Constructs", "Network.cs"));
        Assert.Equal(inputs.InterfaceEndpoints, InterfaceEndpoint().Count(network));
    }

    [Fact]
    public async Task CostCommand_Default_PrintsTheThreeRatesSplitIntoFixedAndVariable()
    {
        var result = await Cli.RunAsync(NoStack, "cost");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("1,000 rps", result.Stdout);
        Assert.Contains("fixed total", result.Stdout);
        Assert.Contains("variable total", result.Stdout);
        Assert.Contains("Total per month", result.Stdout);
        var total = CostModel.Default.Monthly(new Workload(1_000), CostStage.Prod).TotalUsd;
        Assert.Contains("$" + total.ToString("N2", System.Globalization.CultureInfo.InvariantCulture), result.Stdout);
    }

    [Fact]
    public async Task CostCommand_Json_CarriesEstimatesPricesAndSources()
    {
        var result = await Cli.RunAsync(NoStack, "cost", "--json", "--rps", "10", "100", "--stage", "dev");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Stdout);
        var estimates = json.RootElement.GetProperty("estimates");
        Assert.Equal(2, estimates.GetArrayLength());
        Assert.Equal(100, estimates[1].GetProperty("requestsPerSecond").GetDouble());
        var expected = CostModel.Default.Monthly(new Workload(100), CostStage.Dev);
        Assert.Equal(Math.Round(expected.TotalUsd, 2), estimates[1].GetProperty("totalUsd").GetDouble(), 2);
        Assert.All(json.RootElement.GetProperty("prices").EnumerateArray(), p => Assert.NotEmpty(p.GetProperty("evidence").GetString()!));
    }

    [Fact]
    public async Task CostCommand_Run_PrintsTheModelledCostOfTheRun()
    {
        var result = await Cli.RunAsync(NoStack, "cost", "--events", "100000", "--seconds", "100", "--stage", "dev");

        Assert.Equal(0, result.ExitCode);
        var run = CostModel.PriceRun(100_000, TimeSpan.FromSeconds(100), CostStage.Dev);
        Assert.Contains("the modelled AWS cost of the run: $" + run.TotalUsd.ToString("N4", System.Globalization.CultureInfo.InvariantCulture), result.Stdout);
    }

    [Fact]
    public async Task CostCommand_EventsWithoutSeconds_OneLineError()
    {
        var result = await Cli.RunAsync(NoStack, "cost", "--events", "10");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --events and --seconds go together", result.Stderr.Trim());
    }

    [GeneratedRegex(@"\(""\w+"", InterfaceVpcEndpointAwsService\.")]
    private static partial Regex InterfaceEndpoint();
}
