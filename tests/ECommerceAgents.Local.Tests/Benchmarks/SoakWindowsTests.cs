using ECommerceAgents.Local.Benchmarks;

namespace ECommerceAgents.Local.Tests.Benchmarks;

public sealed class SoakWindowsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 4, 0, 0, TimeSpan.Zero);

    private static (DateTimeOffset, DateTimeOffset)[] Minutes(int count) =>
        Enumerable.Range(0, count).Select(i => (T0.AddMinutes(i), T0.AddMinutes(i + 1))).ToArray();

    /// <summary>Acknowledged batches of <paramref name="batch"/> events, every <paramref name="every"/>, from <paramref name="from"/> for <paramref name="span"/>.</summary>
    private static IEnumerable<(DateTimeOffset, int)> Acks(DateTimeOffset from, TimeSpan span, TimeSpan every, int batch)
    {
        for (var at = from; at < from + span; at += every) yield return (at, batch);
    }

    [Fact]
    public void ProcessedPerSecond_CountsAcknowledgedEventsInEachWindowPerSecond()
    {
        var windows = Minutes(2);
        var acks = Acks(T0, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), 50)
            .Concat(Acks(T0.AddMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(2), 50)).ToArray();

        var rates = SoakWindows.ProcessedPerSecond(windows, acks);

        Assert.Equal(acks.Where(a => a.Item1 < T0.AddMinutes(1)).Sum(a => a.Item2) / 60.0, rates[0]);
        Assert.Equal(acks.Where(a => a.Item1 >= T0.AddMinutes(1)).Sum(a => a.Item2) / 60.0, rates[1]);
    }

    [Fact]
    public void ProcessedPerSecond_AcknowledgementsAfterTheLastWindow_CountedInNone()
    {
        var windows = Minutes(1);
        var inside = Acks(T0, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), 10).ToArray();
        var drain = Acks(T0.AddMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), 10);

        var rates = SoakWindows.ProcessedPerSecond(windows, inside.Concat(drain));

        Assert.Equal(inside.Sum(a => a.Item2) / 60.0, Assert.Single(rates));
    }

    [Fact]
    public void Drift_SteadySendButProcessingFallsBehind_NegativeWhereTheSendRateShowsNone()
    {
        // The load loop sends 500 events/s in both minutes; the processor keeps up in the first and acknowledges
        // batches less often in the second.
        var windows = Minutes(2);
        var send = new[] { 500.0, 500.0 };
        var acks = Acks(T0, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(250), 125)
            .Concat(Acks(T0.AddMinutes(1), TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(500), 125));

        var processed = SoakWindows.ProcessedPerSecond(windows, acks);
        var drift = SoakWindows.DriftPercent(processed);

        Assert.Equal(0, SoakWindows.DriftPercent(send));
        Assert.NotNull(drift);
        Assert.True(drift < 0, $"drift {drift} %");
        Assert.Equal(100 * (processed[1] - processed[0]) / processed[0], drift);
    }

    [Fact]
    public void Drift_NothingProcessedInTheFirstWindow_Undefined()
    {
        Assert.Null(SoakWindows.DriftPercent([0, 480]));
        Assert.Null(SoakWindows.DriftPercent([]));
    }
}
