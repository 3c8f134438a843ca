using System.Text.Json;

namespace ECommerceAgents.Lambda.Metrics;

/// <summary>CloudWatch metric units used by the platform.</summary>
public enum MetricUnit
{
    Count,
    Milliseconds,
    Bytes,
    Percent,
    None,
}

/// <summary>
/// Collects metrics and writes them as CloudWatch Embedded Metric Format lines: one JSON object per flush,
/// CloudWatch Logs extracts the metrics from it. A metric added several times is written as an array of values, one
/// per sample, so CloudWatch's percentiles are taken over the samples themselves. EMF allows 100 metrics per directive
/// and 100 values per metric: more metrics, or more values, are paged across further documents, never dropped. Not
/// thread-safe: one per invocation.
/// </summary>
public sealed class MetricsWriter(string @namespace, IReadOnlyDictionary<string, string> dimensions, TextWriter? output = null, TimeProvider? clock = null)
{
    /// <summary>EMF's limit on metric definitions in one directive.</summary>
    public const int MaxMetricsPerDocument = 100;

    /// <summary>EMF's limit on the values of one metric in one document.</summary>
    public const int MaxValuesPerMetric = 100;

    private readonly Dictionary<string, (MetricUnit Unit, List<double> Values)> _metrics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _properties = new(StringComparer.Ordinal);
    private readonly TextWriter _output = output ?? Console.Out;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public void Add(string name, double value, MetricUnit unit = MetricUnit.Count)
    {
        if (!_metrics.TryGetValue(name, out var entry))
        {
            entry = (unit, []);
            _metrics[name] = entry;
        }

        entry.Values.Add(value);
    }

    /// <summary>One sample per value (for example one processing lag per event).</summary>
    public void AddRange(string name, IEnumerable<double> values, MetricUnit unit = MetricUnit.Count)
    {
        foreach (var v in values) Add(name, v, unit);
    }

    /// <summary>A searchable log property that is not a metric (for example the request id).</summary>
    public void Property(string name, string value) => _properties[name] = value;

    public int Pending => _metrics.Count;

    public void Flush()
    {
        if (_metrics.Count == 0)
        {
            return;
        }

        // Page k holds each metric's values k*100 … k*100+99; a metric with fewer values is absent from later pages.
        var pages = _metrics.Values.Max(m => (m.Values.Count + MaxValuesPerMetric - 1) / MaxValuesPerMetric);
        for (var page = 0; page < pages; page++)
        {
            var first = page * MaxValuesPerMetric;
            var present = _metrics
                .Where(m => m.Value.Values.Count > first)
                .Select(m => new KeyValuePair<string, (MetricUnit Unit, List<double> Values)>(
                    m.Key, (m.Value.Unit, m.Value.Values.GetRange(first, Math.Min(MaxValuesPerMetric, m.Value.Values.Count - first)))));
            foreach (var chunk in present.Chunk(MaxMetricsPerDocument))
            {
                _output.WriteLine(Render(chunk));
            }
        }

        _output.Flush();
        _metrics.Clear();
    }

    private string Render(KeyValuePair<string, (MetricUnit Unit, List<double> Values)>[] metrics)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("_aws");
            w.WriteNumber("Timestamp", _clock.GetUtcNow().ToUnixTimeMilliseconds());
            w.WriteStartArray("CloudWatchMetrics");
            w.WriteStartObject();
            w.WriteString("Namespace", @namespace);
            w.WriteStartArray("Dimensions");
            w.WriteStartArray();
            foreach (var d in dimensions.Keys) w.WriteStringValue(d);
            w.WriteEndArray();
            w.WriteEndArray();
            w.WriteStartArray("Metrics");
            foreach (var (name, (unit, _)) in metrics)
            {
                w.WriteStartObject();
                w.WriteString("Name", name);
                w.WriteString("Unit", unit.ToString());
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            foreach (var (k, v) in dimensions) w.WriteString(k, v);
            foreach (var (k, v) in _properties) w.WriteString(k, v);
            foreach (var (name, (_, values)) in metrics)
            {
                if (values.Count == 1)
                {
                    w.WriteNumber(name, values[0]);
                }
                else
                {
                    w.WriteStartArray(name);
                    foreach (var v in values) w.WriteNumberValue(v);
                    w.WriteEndArray();
                }
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
