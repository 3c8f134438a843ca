using ECommerceAgents.Local.Cost;

namespace ECommerceAgents.Local.Tests.Cost;

/// <summary>
/// Issue 18: the raw archive and the enriched zone go to Glacier Instant Retrieval at 30 days (one transition per object,
/// still read by a GET), Parquet to Standard-IA at 90; objects under 128 KB are not transitioned. Every figure is
/// computed here from the typed inputs (540 B events, 98.3 % valid, 1,200 B enriched, 150 B Parquet, GZIP 4:1, 60 s
/// buffers, 16 partitions) and the prices.
/// </summary>
public sealed class S3LifecycleTests
{
    private const double GiB = 1024.0 * 1024 * 1024;
    private const double Days = 365.0 / 12;

    private static CostLine Line(CostEstimate estimate, string item) => Assert.Single(estimate.Lines, l => l.Service == "S3" && l.Item == item);

    [Fact]
    public void Prod100_RawAndEnrichedToGlacierInstantAt30_ParquetToIaAt90_OneTransitionEach()
    {
        var prod = CostModel.Default.Monthly(new Workload(100), CostStage.Prod);
        var events = 100 * 10 * 2_628_000.0;
        var raw = events * 540 / 4 / GiB; // GB a month
        var enriched = events * 0.983 * 1_200 / 4 / GiB;
        var parquet = events * 0.983 * 150 / GiB;

        // Month 12 (365 days): raw and enriched 30 days in Standard, 335 in Glacier IR; Parquet 90 in Standard, 275 in IA.
        Assert.Equal((raw * 30 + enriched * 30 + parquet * 90) / Days * 0.023, Line(prod, "Standard storage").Usd, 6);
        Assert.Equal((raw + enriched) * 335 / Days * 0.004, Line(prod, "Glacier Instant Retrieval storage").Usd, 6);
        Assert.Equal(parquet * 275 / Days * 0.0125, Line(prod, "Standard-IA storage").Usd, 6);
        Assert.DoesNotContain(prod.Lines, l => l.Item == "Glacier storage");

        // Objects a month: raw 43,800 (one per minute), enriched 16 × 43,800, Parquet 16 × 730; each transitions once.
        Assert.Equal((43_800 + 16 * 43_800) * 0.02 / 1_000, Line(prod, "Transitions to Glacier Instant Retrieval").Usd, 9);
        Assert.Equal(16 * 730 * 0.01 / 1_000, Line(prod, "Transitions to Standard-IA").Usd, 9);
        Assert.DoesNotContain(prod.Lines, l => l.Item == "Transitions to Glacier");
    }

    [Fact]
    public void Prod10_EnrichedObjectsUnder128Kb_StayInStandard_NotTransitioned()
    {
        // 10 requests/s: an enriched object is 262.8 M × 0.983 × 1,200 B ÷ 4 ÷ 700,800 objects = 110,588 B, under 131,072.
        var prod = CostModel.Default.Monthly(new Workload(10), CostStage.Prod);
        var events = 10 * 10 * 2_628_000.0;
        Assert.True(events * 0.983 * 1_200 / 4 / (16 * 43_800) < CostModel.MinimumTransitionBytes);
        var raw = events * 540 / 4 / GiB;
        var enriched = events * 0.983 * 1_200 / 4 / GiB;
        var parquet = events * 0.983 * 150 / GiB;

        Assert.Equal((raw * 30 + enriched * 365 + parquet * 90) / Days * 0.023, Line(prod, "Standard storage").Usd, 6);
        Assert.Equal(raw * 335 / Days * 0.004, Line(prod, "Glacier Instant Retrieval storage").Usd, 6);
        Assert.Equal(43_800 * 0.02 / 1_000, Line(prod, "Transitions to Glacier Instant Retrieval").Usd, 9);
    }
}
