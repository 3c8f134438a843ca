using ECommerceAgents.Local.Demo;

namespace ECommerceAgents.Local.Tests.Demo;

public sealed class AcceptToWriteLatencyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 4, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Compute_PerEventAcknowledgementMinusAccept_NearestRankPercentiles()
    {
        // 200 events accepted a millisecond apart, each acknowledged i milliseconds after its 202 (i = 1 … 200).
        var ids = Enumerable.Range(1, 200).Select(i => "e" + i).ToArray();
        var accepted = ids.Select((id, i) => (id, at: T0.AddMilliseconds(i))).ToDictionary(x => x.id, x => x.at);
        var acknowledged = ids.Select((id, i) => (id, at: accepted[id].AddMilliseconds(i + 1))).ToDictionary(x => x.id, x => x.at);
        var sorted = ids.Select(id => (acknowledged[id] - accepted[id]).TotalMilliseconds).Order().ToArray();

        var latency = AcceptToWriteLatency.Compute(accepted, acknowledged);

        Assert.Equal(ids.Length, latency.Events);
        Assert.Equal(sorted[(int)Math.Ceiling(0.50 * sorted.Length) - 1], latency.P50Ms);
        Assert.Equal(sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1], latency.P95Ms);
        Assert.Equal(sorted[(int)Math.Ceiling(0.99 * sorted.Length) - 1], latency.P99Ms);
        Assert.True(latency.P50Ms <= latency.P95Ms && latency.P95Ms <= latency.P99Ms);
    }

    [Fact]
    public void Compute_OnlyEventsBothAcceptedAndAcknowledged()
    {
        var accepted = new Dictionary<string, DateTimeOffset> { ["a"] = T0, ["never-acknowledged"] = T0 };
        var acknowledged = new Dictionary<string, DateTimeOffset> { ["a"] = T0.AddSeconds(2), ["sent-straight-to-the-stream"] = T0.AddHours(1) };

        var latency = AcceptToWriteLatency.Compute(accepted, acknowledged);

        Assert.Equal(1, latency.Events);
        Assert.Equal((acknowledged["a"] - accepted["a"]).TotalMilliseconds, latency.P99Ms);
    }

    [Fact]
    public void Compute_MeasuredFromThe202_NotFromAnEarlierStamp()
    {
        // The old figure started at the lineage stamp, before the 202; a later accept must shorten the latency by as much.
        var acknowledged = new Dictionary<string, DateTimeOffset> { ["a"] = T0.AddSeconds(5) };
        var early = AcceptToWriteLatency.Compute(new Dictionary<string, DateTimeOffset> { ["a"] = T0 }, acknowledged);
        var late = AcceptToWriteLatency.Compute(new Dictionary<string, DateTimeOffset> { ["a"] = T0.AddSeconds(1) }, acknowledged);

        Assert.Equal(1000, early.P50Ms - late.P50Ms);
    }

    [Fact]
    public void Compute_NothingMatched_ZeroEvents()
    {
        var latency = AcceptToWriteLatency.Compute(new Dictionary<string, DateTimeOffset> { ["a"] = T0 }, new Dictionary<string, DateTimeOffset>());

        Assert.Equal(0, latency.Events);
    }
}
