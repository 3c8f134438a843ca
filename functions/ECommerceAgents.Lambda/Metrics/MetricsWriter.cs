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
/// CloudWatch Logs extracts the metrics from it. Not thread-safe: one per invocation.
/// </summary>
public sealed class MetricsWriter(string @namespace, IReadOnlyDictionary<string, string> dimensions, TextWriter? output = null, TimeProvider? clock = null)
{
    // EMF allows 100 metrics per directive.
    private const int MaxMetricsPerLine = 100;

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

    /// <summary>A searchable log property that is not a metric (for example the request id).</summary>
    public void Property(string name, string value) => _properties[name] = value;

    public int Pending => _metrics.Count;

    public void Flush()
    {
        if (_metrics.Count == 0)
        {
            return;
        }

        foreach (var chunk in _metrics.Chunk(MaxMetricsPerLine))
        {
            _output.WriteLine(Render(chunk));
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
                    foreach (var v in values.Take(100)) w.WriteNumberValue(v);
                    w.WriteEndArray();
                }
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
