using System.Text.Json;
using ECommerceAgents.Local.Cost;
using ECommerceAgents.Local.Cost.Measure;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests.Cost;

/// <summary>The comparison with clickstream-analytics-on-aws (its pinned totals, its JSON) and how measured figures become model inputs.</summary>
public sealed class CostComparisonTests
{
    private static readonly Dictionary<string, string> NoStack = new() { [LocalSettingNames.StateDir] = Path.Combine(Path.GetTempPath(), "eca-tests", "cost-unused") };

    private static readonly CostStage[] ProdAtEveryRate = [CostStage.Prod, CostStage.Prod, CostStage.Prod];

    [Fact]
    public void Reference_PublishedTotals_ArePinned()
    {
        // The published monthly totals of the guidance's cost page (QuickSight left out of both sides).
        Assert.Equal([10, 100, 1_000], ClickstreamReference.Rates);
        Assert.Equal(462.08, ClickstreamReference.TheirTotal(0), 2);
        Assert.Equal(1_099.42, ClickstreamReference.TheirTotal(1), 2);
        Assert.Equal(5_706.82, ClickstreamReference.TheirTotal(2), 2);
    }

    [Fact]
    public void Json_RatesInputsAndPerMillionEvents_InTheIssuesShape()
    {
        var json = JsonDocument.Parse(CostComparison.Json(CostModel.Default, ProdAtEveryRate).ToJsonString()).RootElement;

        var rates = json.GetProperty("rates").EnumerateArray().ToArray();
        Assert.Equal(3, rates.Length);
        double[] anchors = [462.08, 1_099.42, 5_706.82];
        for (var i = 0; i < 3; i++)
        {
            var expected = CostModel.Default.Monthly(new Workload(ClickstreamReference.Rates[i]), CostStage.Prod);
            Assert.Equal(ClickstreamReference.Rates[i], rates[i].GetProperty("requestsPerSecond").GetDouble());
            Assert.Equal("prod", rates[i].GetProperty("profile").GetString());
            Assert.Equal(Math.Round(expected.TotalUsd, 2), rates[i].GetProperty("totalMonthly").GetDouble(), 2);
            Assert.Equal(anchors[i], rates[i].GetProperty("anchorMonthly").GetDouble(), 2);
            Assert.Equal(expected.TotalUsd / (ClickstreamReference.Rates[i] * 10 * CostModel.SecondsPerMonth / 1e6), rates[i].GetProperty("perMillionEvents").GetDouble(), tolerance: 0.0001); // the JSON keeps 4 decimals
        }

        Assert.Equal(3, json.GetProperty("perMillionEvents").GetArrayLength());
        Assert.All(json.GetProperty("perMillionEvents").EnumerateArray(), p => Assert.True(p.GetProperty("ours").GetDouble() > 0 && p.GetProperty("anchor").GetDouble() > 0));
        var inputs = json.GetProperty("inputs").EnumerateArray().ToArray();
        Assert.NotEmpty(inputs);
        Assert.All(inputs, i =>
        {
            Assert.False(string.IsNullOrWhiteSpace(i.GetProperty("name").GetString()));
            Assert.Equal(JsonValueKind.Number, i.GetProperty("value").ValueKind);
            Assert.True(i.GetProperty("measured").ValueKind is JsonValueKind.True or JsonValueKind.False);
            Assert.False(string.IsNullOrWhiteSpace(i.GetProperty("source").GetString()));
        });

        // Module by module: every row that is in the totals sums, per rate, to our total.
        var modules = json.GetProperty("modules").EnumerateArray().Where(m => m.GetProperty("inTotals").GetBoolean()).ToArray();
        // Each figure is rounded to cents on its own, so the sum may differ from the total by half a cent per row.
        for (var i = 0; i < 3; i++)
        {
            var total = rates[i].GetProperty("totalMonthly").GetDouble();
            var sum = modules.Sum(m => m.GetProperty("ourMonthly")[i].GetDouble());
            Assert.True(Math.Abs(total - sum) <= (0.005 * (modules.Length + 1)) + 1e-9, $"rate {i}: modules sum to {sum}, total {total}");
        }
    }

    [Fact]
    public void Ours_ProfilePerRate_PricesEachRateOnItsStage()
    {
        var ours = CostComparison.Ours(CostModel.Default, [CostStage.Dev, CostStage.Prod, CostStage.Prod]);

        Assert.Equal("dev", ours[0].Stage.Name);
        Assert.Equal(CostModel.Default.Monthly(new Workload(10), CostStage.Dev).TotalUsd, ours[0].TotalUsd, 6);
        Assert.Throws<ArgumentException>(() => CostComparison.Ours(CostModel.Default, [CostStage.Prod]));
    }

    [Fact]
    public void ToInputs_MeasuredCounts_BecomePerEventInputsMarkedMeasured()
    {
        var stream = new Usage();
        stream.Table("p-dedup").ItemsWritten = 900;
        stream.Table("p-dedup").WriteUnits = 900;
        stream.Table("p-profiles").WriteUnits = 600;
        stream.Table("p-profiles").ReadUnits = 250;
        stream.S3Puts = 4;
        var enriched = stream.DeliveryStream("enriched");
        (enriched.Calls, enriched.Records, enriched.Bytes, enriched.BilledKb, enriched.Events) = (2, 900, 900_000, 4_500, 900);
        var api = new Usage();
        api.Table("a-dedup").WriteUnits = 200;
        var kinesis = api.KinesisStream("events");
        (kinesis.Records, kinesis.BilledKb, kinesis.PayloadUnits, kinesis.ArchiveBilledKb) = (500, 500, 500, 2_500);
        var run = new MeasuredRun(new StreamPhase(2, 1_000, 10, 5, 20, 900, stream, 2_000), new ApiPhase(100, 1_000, 0, api, 50), new BatchTiming(300, 20, 250, 200, 200, 1, 5));

        var inputs = run.ToInputs(new CostInputs());

        Assert.Equal(1_500, inputs.DynamoWriteUnitsPer1000Events);
        Assert.Equal(250, inputs.DynamoReadUnitsPer1000Events);
        Assert.Equal(900, inputs.DedupMarkersPer1000Events);
        Assert.Equal(2_000, inputs.RedisCommandsPer1000Events);
        Assert.Equal(4, inputs.S3PutsPer1000Events);
        Assert.Equal(0.9, inputs.ValidFraction, 9);
        Assert.Equal(1_000, inputs.EnrichedRecordBytes);
        Assert.Equal(4.5, inputs.EnrichedBilledKbPerEvent);
        Assert.Equal(0.5, inputs.KinesisRecordsPerEvent);
        Assert.Equal(2.5, inputs.RawArchiveBilledKbPerEvent);
        Assert.Equal(2, inputs.ApiWriteUnitsPerRequest);
        Assert.Equal(0.5, inputs.ApiRedisCommandsPerRequest);
        Assert.Equal(0.28, inputs.StreamProcessorSecondsPerBatch, 9); // the event source mapping's 20 ms is not billed
        var sources = inputs.Sources;
        Assert.Contains(sources, s => s.Name == "DynamoDB write units per 1,000 events" && s.Measured && s.Value == 1_500);
        Assert.Contains(sources, s => s.Name == "Redelivered share" && !s.Measured); // not measured by this command: an assumption with its source
        Assert.Equal(sources.Count, sources.Select(s => s.Name).Distinct().Count());
    }

    [Fact]
    public async Task CostCommand_CompareJson_PrintsTheComparison()
    {
        var result = await Cli.RunAsync(NoStack, "cost", "--compare", "--json");

        Assert.Equal(0, result.ExitCode);
        var json = JsonDocument.Parse(result.Stdout).RootElement;
        Assert.Equal(5_706.82, json.GetProperty("rates")[2].GetProperty("anchorMonthly").GetDouble(), 2);
        // The default profiles: small at 10 requests/s, prod at 100 and 1,000.
        Assert.Equal(["small", "prod", "prod"], json.GetProperty("rates").EnumerateArray().Select(r => r.GetProperty("profile").GetString()));
        Assert.All(json.GetProperty("inputs").EnumerateArray(), i => Assert.False(i.GetProperty("measured").GetBoolean() && i.GetProperty("source").GetString()!.StartsWith("assumption", StringComparison.Ordinal)));
    }
}
