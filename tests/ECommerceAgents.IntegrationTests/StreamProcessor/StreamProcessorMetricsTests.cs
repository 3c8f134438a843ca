using System.Text.Json;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Infra.Constructs;
using ECommerceAgents.Lambda.Metrics;
using ECommerceAgents.Testing;
using ECommerceAgents.Resources;

namespace ECommerceAgents.IntegrationTests.StreamProcessor;

/// <summary>
/// StreamProcessor's EMF output and acknowledgement log over the seeded 1,000-record workload: one lag value per
/// acknowledged event (paged by EMF's 100-value limit), the metric the latency alarm reads, and each event
/// acknowledged once however often it is delivered.
/// </summary>
public sealed class StreamProcessorMetricsTests
{
    private static readonly Workload W = new();

    [Fact]
    public async Task Batch_EveryAcknowledgedEventHasOneLagValue_PagedWithinEmfLimits_TheAlarmsMetric()
    {
        var (harness, function, output) = await StartAsync("emf-lag");
        await using var owned = harness;

        var response = await Workload.InvokeAsync(function, W.Kinesis.Event(..));

        Assert.Empty(response.BatchItemFailures);
        var lines = Lines(output);
        var acknowledged = lines.Where(l => l.TryGetProperty("message", out var m) && m.GetString() == StreamProcessorFunction.AcknowledgedMessage)
            .SelectMany(l => l.GetProperty("eventIds").EnumerateArray().Select(i => i.GetString()!)).ToArray();
        Assert.Equal(W.ValidIds.Union(W.BotIds).Order(StringComparer.Ordinal), acknowledged.Order(StringComparer.Ordinal));

        var documents = lines.Where(l => l.TryGetProperty("_aws", out _)).ToArray();
        var lags = new List<double>();
        double? max = null;
        foreach (var document in documents)
        {
            if (document.TryGetProperty(StreamProcessorFunction.EventLagMetric, out var values))
            {
                var page = values.ValueKind == JsonValueKind.Array ? values.EnumerateArray().Select(v => v.GetDouble()).ToArray() : [values.GetDouble()];
                Assert.InRange(page.Length, 1, MetricsWriter.MaxValuesPerMetric);
                lags.AddRange(page);
            }

            if (document.TryGetProperty("ProcessingLagMaxMs", out var m)) max = m.GetDouble();
        }

        Assert.True(acknowledged.Length > MetricsWriter.MaxValuesPerMetric, "the workload spans several EMF pages");
        Assert.Equal(acknowledged.Length, lags.Count);
        Assert.All(lags, l => Assert.True(l >= 0, $"lag {l} ms"));
        Assert.Equal(lags.Max(), max);
        Assert.Equal(Monitoring.EventLagMetric, StreamProcessorFunction.EventLagMetric); // the alarm reads what the function writes
    }

    [Fact]
    public async Task Redelivery_AlreadyAcknowledgedEvents_NotAcknowledgedOrMeasuredAgain()
    {
        var (harness, function, output) = await StartAsync("emf-redelivery");
        await using var owned = harness;
        Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(..600))).BatchItemFailures);
        var first = Acknowledged(output);
        output.GetStringBuilder().Clear();

        Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(..))).BatchItemFailures);

        var second = Acknowledged(output);
        Assert.Empty(first.Intersect(second));
        Assert.Equal(W.ValidIds.Union(W.BotIds).Order(StringComparer.Ordinal), first.Concat(second).Order(StringComparer.Ordinal));
        var lagValues = Lines(output).Where(l => l.TryGetProperty(StreamProcessorFunction.EventLagMetric, out _))
            .Sum(l => l.GetProperty(StreamProcessorFunction.EventLagMetric) is { ValueKind: JsonValueKind.Array } a ? a.GetArrayLength() : 1);
        Assert.Equal(second.Length, lagValues);
    }

    [Fact]
    public async Task SettingOff_NoAcknowledgementLine()
    {
        var harness = await PlatformHarness.StartAsync("emf-noack", settings: Workload.Settings);
        await using var owned = harness;
        var output = new StringWriter();
        var function = await StreamProcessorFunction.CreateAsync(harness.Environment with { Output = output }, CancellationToken.None);

        Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(..50))).BatchItemFailures);

        Assert.DoesNotContain(StreamProcessorFunction.AcknowledgedMessage, output.ToString(), StringComparison.Ordinal);
        Assert.Contains(StreamProcessorFunction.EventLagMetric, output.ToString(), StringComparison.Ordinal);
    }

    private static async Task<(PlatformHarness Harness, ECommerceAgents.Lambda.Runtime.IFunctionHandler Function, StringWriter Output)> StartAsync(string owner)
    {
        var harness = await PlatformHarness.StartAsync(owner, settings: new Dictionary<string, string>(Workload.Settings) { [SettingNames.LogAcknowledgedEvents] = "true" });
        var output = new StringWriter();
        var function = await StreamProcessorFunction.CreateAsync(harness.Environment with { Output = output }, CancellationToken.None);
        return (harness, function, output);
    }

    private static JsonElement[] Lines(StringWriter output) =>
        output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToArray();

    private static string[] Acknowledged(StringWriter output) =>
        Lines(output).Where(l => l.TryGetProperty("message", out var m) && m.GetString() == StreamProcessorFunction.AcknowledgedMessage)
            .SelectMany(l => l.GetProperty("eventIds").EnumerateArray().Select(i => i.GetString()!)).ToArray();
}
