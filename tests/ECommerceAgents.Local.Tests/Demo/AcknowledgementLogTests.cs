using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Metrics;
using ECommerceAgents.Local.Demo;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Local.Tests.Demo;

public sealed class AcknowledgementLogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 3, 4, 0, 0, TimeSpan.Zero);

    /// <summary>The line StreamProcessor writes, through the same structured log.</summary>
    private static void Acknowledge(TextWriter output, DateTimeOffset at, params string[] ids) =>
        new JsonLog("StreamProcessor", output, new FakeTimeProvider(at)).Info("batch acknowledged",
            ("acknowledgedAt", at.ToString("O", System.Globalization.CultureInfo.InvariantCulture)), ("events", ids.Length), ("eventIds", ids));

    [Fact]
    public void Lines_PassedThroughUnchanged_AcknowledgementsKept()
    {
        var inner = new StringWriter();
        using var log = new AcknowledgementLog(inner);
        log.WriteLine("""{"_aws":{"Timestamp":1},"RecordsIn":3}""");
        Acknowledge(log, T0, "a", "b");
        Acknowledge(log, T0.AddSeconds(1), "c");
        log.Write("{\"message\":\"partial");
        log.WriteLine("\",\"level\":\"INFO\"}");

        Assert.Equal(4, inner.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(new (DateTimeOffset, int)[] { (T0, 2), (T0.AddSeconds(1), 1) }, log.Batches.Select(b => (b.At, b.Events)));
        Assert.Equal(new[] { ("a", T0), ("b", T0), ("c", T0.AddSeconds(1)) }, log.FirstAcknowledged.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value)));
    }

    [Fact]
    public void AnEventAcknowledgedTwice_FirstAcknowledgementKept()
    {
        using var log = new AcknowledgementLog(TextWriter.Null);
        Acknowledge(log, T0, "a");
        Acknowledge(log, T0.AddSeconds(9), "a");

        Assert.Equal(T0, log.FirstAcknowledged["a"]);
    }

    [Fact]
    public void WithoutEventIds_CountsOnly()
    {
        using var log = new AcknowledgementLog(TextWriter.Null, keepEventIds: false);
        Acknowledge(log, T0, "a", "b", "c");

        Assert.Empty(log.FirstAcknowledged);
        Assert.Equal(3, log.Batches.Single().Events);
    }

    [Fact]
    public void ConflictRetries_SummedFromStreamProcessorsMetricLines()
    {
        using var log = new AcknowledgementLog(TextWriter.Null, keepEventIds: false);
        foreach (var retries in new[] { 0, 2, 1, 10 })
        {
            var metrics = new MetricsWriter("ECommerceAgents", new Dictionary<string, string> { ["Function"] = "StreamProcessor" }, log, new FakeTimeProvider(T0));
            metrics.Add("RecordsIn", 500);
            metrics.Add("ConflictRetries", retries);
            metrics.Flush();
        }

        Acknowledge(log, T0, "a");

        Assert.Equal(13, log.ConflictRetries);
        Assert.Single(log.Batches);
    }

    [Theory]
    [InlineData("""{"message":"batch acknowledged"}""")]
    [InlineData("""{"message":"batch acknowledged","acknowledgedAt":"2026-12-03T04:00:00Z","eventIds":"a"}""")]
    [InlineData("""{"message":"something else","acknowledgedAt":"2026-12-03T04:00:00Z","eventIds":["a"]}""")]
    [InlineData("not json: batch acknowledged")]
    public void TryParse_NotAnAcknowledgement_False(string line) =>
        Assert.False(AcknowledgementLog.TryParse(line, out _, out _));
}
