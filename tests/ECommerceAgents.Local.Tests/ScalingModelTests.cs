using System.Text.Json;
using ECommerceAgents.Local.Cost;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests;

/// <summary>
/// The scaling model's arithmetic against figures computed by hand, its inputs against the CDK app and the README's
/// measurements, the README table against the model (so the two cannot drift), and the <c>scale</c> command.
/// </summary>
public sealed class ScalingModelTests
{
    private static readonly Dictionary<string, string> NoStack = new() { [LocalSettingNames.StateDir] = Path.Combine(Path.GetTempPath(), "eca-tests", "scale-unused") };

    private static string Repository(params string[] path) => File.ReadAllText(Path.Combine([LocalStackOptions.FindRepositoryRoot(), .. path]));

    [Fact]
    public void Estimate_OneBillionADay_ShardsFromRecordsBytesAndDrain()
    {
        // 1e9 / 86,400 s = 11,574.07 events/s; × 3 at the peak = 34,722.22 records/s of 540 B = 17.88 MiB/s.
        var e = ScalingModel.Default.Estimate(1e9);

        Assert.Equal(34_722.22, e.PeakEventsPerSecond, 2);
        Assert.Equal(17.881, e.PeakMiBPerSecond, 3);
        // Writes: ceil(34,722.22 / 1,000) = 35 shards (bytes need only ceil(17.88 / 1) = 18).
        Assert.Equal(35, e.ShardsToWrite);
        // Drain: ceil(34,722.22 / 2,316) = ceil(14.99) = 15, fewer than the writes need; StreamProcessor runs one batch
        // per shard of the 35.
        Assert.Equal(15, e.ShardsToDrain);
        Assert.Equal(35, e.StreamProcessorConcurrency);
        Assert.Equal(34_722.22 / 35, e.RecordsPerShardAtWriteCount, 2);
    }

    [Fact]
    public void Estimate_LargeEvents_ShardsBoundByBytes()
    {
        // 2,000-byte events: 34,722.22 × 2,000 / 1,048,576 = 66.23 MiB/s → 67 shards, more than the 35 the records need.
        var model = new ScalingModel(new ScalingInputs { EventBytes = 2_000 });

        var e = model.Estimate(1e9);

        Assert.Equal(67, e.ShardsToWrite);
    }

    [Fact]
    public void Estimate_OneBillionADay_DynamoFirehoseAndKmsByHand()
    {
        var e = ScalingModel.Default.Estimate(1e9);

        // Dedup table: no per-event markers since they moved to Redis; 3,472.22 requests × 2 Api writes = 6,944.44.
        Assert.Equal(6_944.44, e.DedupTableWriteUnits, 2);
        // The other tables: 630 WRU per 1,000 events of the peak's 34,722.22 events/s; reads 840 RRU per 1,000.
        Assert.Equal(21_875.00, e.OtherTablesWriteUnits, 2);
        Assert.Equal(29_166.67, e.ReadUnits, 2);
        // A hot item: 35 shards × one write per 215.9 ms batch = 162.11 writes/s.
        Assert.Equal(162.11, e.HotItemWritesPerSecond, 2);
        // Enriched Firehose: 34,131.94 records/s × 1,200 B = 39.06 MiB/s; 2 calls per 1,000 events = 69.44 calls/s.
        Assert.Equal(39.061, e.EnrichedMiBPerSecond, 3);
        Assert.Equal(69.44, e.EnrichedCallsPerSecond, 2);
        // KMS: Api ceil(3,472.22 × 0.025) = 87 and StreamProcessor 35 environments. Stream data keys 87 + 35 + 1 Firehose role,
        // SecureStrings 87 × 2 + 35 × 1, Bucket Keys 35 + 1: 368 requests per 300 s. Subjects' key-encryption keys: 87
        // GenerateDataKey an hour, each Decrypted by the 35: 87 × 36 = 3,132 requests per 3,600 s.
        Assert.Equal(87, e.ApiConcurrency);
        Assert.Equal((368 / 300.0) + (3_132 / 3_600.0), e.KmsRequestsPerSecond, 6);
    }

    [Fact]
    public void Estimate_HundredMillionADay_BatchPartitionByHand()
    {
        var e = ScalingModel.Default.Estimate(100e6);

        // Peak hour: 100e6 / 24 × 3 = 12.5 M events; product views are 8,159 / 19,414 of them: 5,253,296.59.
        Assert.Equal(12_500_000, e.PeakHourEvents, 3);
        Assert.Equal(5_253_296.59, e.LargestPartitionEvents, 2);
        // 5 s + 5,253,296.59 / 17,081 events/s = 312.55 s; × 1,200 B = 6,011.92 MB, over BatchLoader's 3,008 MB.
        Assert.Equal(312.55, e.LargestPartitionSeconds, 2);
        Assert.Equal(6_011.92, e.LargestPartitionMemoryMb, 2);
        // 16 partitions × 5 s + 12.5 M / 17,081 = 811.81 s of loads: one BatchLoader at a time finishes within the hour.
        Assert.Equal(811.81, e.BatchSecondsPerPeakHour, 2);
        Assert.Equal(1, e.BatchLoaderConcurrency);
    }

    [Fact]
    public void Estimate_RedshiftRpu_RoundsUpToStepsOfEight()
    {
        // 1 B a day: 125 M events in the peak hour / (4,949 events/s per RPU × 900 s) = 28.06 RPU → 32.
        Assert.Equal(32, ScalingModel.Default.Estimate(1e9).RedshiftRpuNeeded);
        // 10 M a day needs 0.28 RPU: the smallest step, 8.
        Assert.Equal(8, ScalingModel.Default.Estimate(10e6).RedshiftRpuNeeded);
        // 2 B a day: 56.1 → 64.
        Assert.Equal(64, ScalingModel.Default.Estimate(2e9).RedshiftRpuNeeded);
    }

    [Fact]
    public void Estimate_S3ObjectsPerDay_ByHand()
    {
        var e = ScalingModel.Default.Estimate(10e6);

        // Raw: 1,440 flushes (10 M × 540 B = 80 buffers of 64 MiB, fewer); enriched 16 × 1,440; quarantine 1.7 % = 170,000;
        // BatchLoader 16 × 24 × 3 = 1,152.
        Assert.Equal(1_440 + 16 * 1_440 + 170_000 + 1_152, e.ObjectsPerDay, 3);
        Assert.Equal(347.22 * 0.017, e.PeakPutsPerPrefix, 2);
    }

    [Fact]
    public void ScalingInputs_MatchTheCdkAppAndTheReadme()
    {
        var inputs = new ScalingInputs();
        string Construct(string file) => Repository("infra", "ECommerceAgents.Infra", "Constructs", "Functions", file);

        Assert.Contains($"public const int ParallelizationFactor = {inputs.ParallelizationFactor};", Construct("StreamProcessorConstruct.cs"), StringComparison.Ordinal);
        Assert.Contains($"ReservedConcurrency = {inputs.BatchLoaderReservedConcurrency},", Construct("BatchLoaderConstruct.cs"), StringComparison.Ordinal);
        var stages = Repository("infra", "ECommerceAgents.Infra", "StageConfig.cs");
        var prod = stages[stages.IndexOf("StageName.Prod => new StageConfig", StringComparison.Ordinal)..stages.IndexOf("StageName.Local => new StageConfig", StringComparison.Ordinal)];
        Assert.Contains($"RedshiftMaxRpu = {inputs.RedshiftMaxRpu},", prod, StringComparison.Ordinal);
        Assert.Contains($"RatePerSecond: {inputs.ApiStageRatePerSecond:0},", prod.Replace("_", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains($"StreamConcurrency: {inputs.ApiStreamReservedConcurrency})", prod, StringComparison.Ordinal);
        // The LogTransformer buffer is DeliveryStreams.ProcessorBufferMegabytes, which the synthesized template carries
        // (FirehoseDeliveryTests.LambdaProcessor_BuffersAsTheResourcesSay).

        // The measured drain per shard is the README's (issue 19, measured without the JIT).
        Assert.Contains($"**{ScalingInputs.MeasuredRecordsPerSecondPerShard:#,0}** (2,316, 2,337, 2,262)", Repository("README.md"), StringComparison.Ordinal);
    }

    [Fact]
    public void LargestTypeShare_IsTheDemoGeneratorsProductViews()
    {
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 42, Events = 20_000 });
        _ = generator.Generate();
        var byType = generator.Truth.ValidByType;

        var largest = byType.MaxBy(t => t.Value);
        Assert.Equal("product_view", largest.Key);
        Assert.Equal(ScalingInputs.MeasuredLargestTypeShare, (double)largest.Value / byType.Values.Sum(), 9);
    }

    [Fact]
    public void AwsQuotas_EveryQuota_NamesItsPageOnce()
    {
        Assert.Equal(AwsQuotas.All.Count, AwsQuotas.All.Select(q => q.Key).Distinct().Count());
        Assert.All(AwsQuotas.All, q =>
        {
            Assert.Matches("^https://(docs\\.aws\\.amazon\\.com|aws\\.amazon\\.com)/", q.Url);
            Assert.True(q.Value > 0, q.Key);
        });
        var rows = ScalingTable.Rows(ScalingModel.Default, ScalingModel.IssueVolumes);
        Assert.All(rows.SelectMany(r => r.Quotas), q => Assert.Contains(q, AwsQuotas.All));
    }

    [Fact]
    public void Readme_ScalingSection_IsTheModelsOutput()
    {
        var readme = Repository("README.md").Replace("\r\n", "\n", StringComparison.Ordinal);
        var start = readme.IndexOf("### Scaling model (issue 19)", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no \"Scaling model (issue 19)\" section");
        var end = readme.IndexOf("\n#", start + 4, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];

        var rows = ScalingTable.Rows(ScalingModel.Default, ScalingModel.IssueVolumes);
        Assert.Contains(ScalingTable.Markdown(rows, ScalingModel.IssueVolumes), section, StringComparison.Ordinal);
        Assert.Contains(ScalingTable.QuotasMarkdown(), section, StringComparison.Ordinal);
        // It sits right after the AWS latency simulation section.
        var latency = readme.IndexOf("### AWS latency simulation", StringComparison.Ordinal);
        Assert.True(latency >= 0 && latency < start);
        Assert.DoesNotContain("\n### ", readme[(latency + 4)..start], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ScaleCommand_MarkdownAndJson_CarryTheModel()
    {
        var markdown = await Cli.RunAsync(NoStack, "scale", "--markdown");
        var json = await Cli.RunAsync(NoStack, "scale", "--json", "--events-per-day", "1e9");

        Assert.Equal(0, markdown.ExitCode);
        var rows = ScalingTable.Rows(ScalingModel.Default, ScalingModel.IssueVolumes);
        Assert.Equal(ScalingTable.Markdown(rows, ScalingModel.IssueVolumes) + "\n" + ScalingTable.QuotasMarkdown(), markdown.Stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        var estimate = doc.RootElement.GetProperty("estimates")[0];
        Assert.Equal(15, estimate.GetProperty("shardsToDrain").GetInt32()); // ceil(34,722.22 / 2,316)
        Assert.Contains(doc.RootElement.GetProperty("rows").EnumerateArray(), r => r.GetProperty("cells")[0].GetProperty("over").GetBoolean());
        Assert.All(doc.RootElement.GetProperty("inputs").EnumerateArray(), s => Assert.NotEmpty(s.GetProperty("source").GetString()!));
    }

    [Fact]
    public async Task ScaleCommand_PeakBelowOne_OneLineError()
    {
        var result = await Cli.RunAsync(NoStack, "scale", "--peak", "0.5");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("error: --peak must be at least 1", result.Stderr.Trim());
    }
}
