using System.Text.Json;
using ECommerceAgents.Lambda.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Lambda.Tests.Metrics;

public sealed class MetricsWriterTests
{
    [Fact]
    public void Flush_OneLineInEmbeddedMetricFormat()
    {
        var output = new StringWriter();
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_795_428_000_000));
        var metrics = new MetricsWriter("ECommerceAgents", new Dictionary<string, string> { ["Function"] = "StreamProcessor" }, output, clock);

        metrics.Add("RecordsIn", 100);
        metrics.Add("ProcessingLag", 12.5, MetricUnit.Milliseconds);
        metrics.Add("ProcessingLag", 20, MetricUnit.Milliseconds);
        metrics.Property("requestId", "abc");
        metrics.Flush();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var aws = root.GetProperty("_aws");
        Assert.Equal(1_795_428_000_000, aws.GetProperty("Timestamp").GetInt64());
        var directive = aws.GetProperty("CloudWatchMetrics")[0];
        Assert.Equal("ECommerceAgents", directive.GetProperty("Namespace").GetString());
        Assert.Equal("Function", directive.GetProperty("Dimensions")[0][0].GetString());
        var definitions = directive.GetProperty("Metrics").EnumerateArray().Select(m => (m.GetProperty("Name").GetString(), m.GetProperty("Unit").GetString())).ToArray();
        Assert.Equal([("RecordsIn", "Count"), ("ProcessingLag", "Milliseconds")], definitions);
        Assert.Equal("StreamProcessor", root.GetProperty("Function").GetString());
        Assert.Equal(100, root.GetProperty("RecordsIn").GetDouble());
        Assert.Equal([12.5, 20], root.GetProperty("ProcessingLag").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal("abc", root.GetProperty("requestId").GetString());
        Assert.Equal(0, metrics.Pending);
    }

    [Fact]
    public void Flush_MoreThan100Metrics_SplitAcrossLines()
    {
        var output = new StringWriter();
        var metrics = new MetricsWriter("ECommerceAgents", new Dictionary<string, string> { ["Function"] = "x" }, output);
        for (var i = 0; i < 150; i++) metrics.Add("m" + i, i);

        metrics.Flush();

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        var counts = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics").GetArrayLength());
        Assert.Equal([100, 50], counts);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(100, 1)]
    [InlineData(101, 2)]
    [InlineData(250, 3)]
    [InlineData(1000, 10)]
    public void Flush_ValuesBeyondEmfsHundredPerMetric_PagedAcrossDocumentsNoneDropped(int count, int expectedDocuments)
    {
        var output = new StringWriter();
        var metrics = new MetricsWriter("ECommerceAgents", new Dictionary<string, string> { ["Function"] = "StreamProcessor" }, output);
        var lags = Enumerable.Range(0, count).Select(i => (double)(i * 7 % 1013)).ToArray();
        metrics.AddRange("EventProcessingLagMs", lags, MetricUnit.Milliseconds);
        metrics.Add("RecordsIn", count);

        metrics.Flush();

        var documents = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(expectedDocuments, documents.Length);
        var written = new List<double>();
        foreach (var root in documents)
        {
            var definitions = root.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics").EnumerateArray().Select(m => m.GetProperty("Name").GetString()).ToArray();
            Assert.Contains("EventProcessingLagMs", definitions);
            Assert.Equal("StreamProcessor", root.GetProperty("Function").GetString()); // every page carries the dimensions
            var value = root.GetProperty("EventProcessingLagMs");
            var values = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(v => v.GetDouble()).ToArray() : [value.GetDouble()];
            Assert.InRange(values.Length, 1, MetricsWriter.MaxValuesPerMetric);
            written.AddRange(values);
        }

        Assert.Equal(lags, written); // every value once, in order
        Assert.Single(documents, d => d.TryGetProperty("RecordsIn", out _)); // a one-value metric is written once
    }

    [Fact]
    public void Flush_ManyMetricsAndManyValues_EachDocumentWithinBothLimits()
    {
        var output = new StringWriter();
        var metrics = new MetricsWriter("ns", new Dictionary<string, string> { ["Function"] = "x" }, output);
        for (var i = 0; i < 130; i++) metrics.Add("m" + i, i);
        metrics.AddRange("many", Enumerable.Range(0, 230).Select(i => (double)i));

        metrics.Flush();

        var documents = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        var names = new List<string>();
        var many = new List<double>();
        foreach (var root in documents)
        {
            var definitions = root.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics").EnumerateArray().Select(m => m.GetProperty("Name").GetString()!).ToArray();
            Assert.InRange(definitions.Length, 1, MetricsWriter.MaxMetricsPerDocument);
            names.AddRange(definitions.Where(n => n != "many"));
            if (root.TryGetProperty("many", out var values)) many.AddRange(values.EnumerateArray().Select(v => v.GetDouble()));
        }

        Assert.Equal(Enumerable.Range(0, 130).Select(i => "m" + i), names);
        Assert.Equal(Enumerable.Range(0, 230).Select(i => (double)i), many);
    }

    [Fact]
    public void Flush_NothingRecorded_WritesNothing()
    {
        var output = new StringWriter();
        new MetricsWriter("ns", new Dictionary<string, string>(), output).Flush();

        Assert.Equal(string.Empty, output.ToString());
    }
}
