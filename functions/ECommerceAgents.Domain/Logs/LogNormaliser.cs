using System.Globalization;
using System.Text.Json;

namespace ECommerceAgents.Domain.Logs;

/// <summary>Where a log line came from: a CloudWatch Logs subscription (log group and stream) or a direct put.</summary>
internal sealed record LogSource(string Kind, string? LogGroup = null, string? LogStream = null, string? Owner = null)
{
    public static readonly LogSource Direct = new("direct");
}

/// <summary>What the normaliser knows about a line before reading it.</summary>
internal readonly record struct LineContext(LogSource Source, string DefaultService, DateTimeOffset FallbackTime);

/// <summary>The outcome for one line: written (with the time and service it was partitioned by), noise, or malformed.</summary>
internal enum LineOutcome
{
    Written,
    Noise,
    Malformed,
}

/// <summary>
/// Turns one service log line into the platform's normalised record, masked:
/// <c>{"timestamp","level","service","requestId","message","fields":{…},"source":{…}}</c>.
/// It reads JSON lines (common field aliases: <c>msg</c>, <c>@timestamp</c>, <c>request_id</c>, pino's numeric levels, …),
/// Lambda's runtime formats (Node's tab-separated and Python's <c>[LEVEL]</c> lines, START/END/REPORT), logfmt and
/// plain text with an optional leading timestamp and level. Every other JSON property is kept under <c>fields</c>.
/// </summary>
internal sealed class LogNormaliser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    /// <summary>Masking counts accumulated across calls (one normaliser per invocation).</summary>
    public MaskCounts Masked { get; } = new();

    /// <summary>
    /// Normalises <paramref name="line"/> into <paramref name="writer"/> as one JSON object. Returns the outcome and, when
    /// written, the time and service to partition by.
    /// </summary>
    /// <param name="asText">Read the line as text even when it starts like JSON (a CloudWatch message that is not valid JSON).</param>
    public LineOutcome Write(string line, in LineContext context, Utf8JsonWriter writer, out DateTimeOffset time, out string service, bool asText = false)
    {
        time = context.FallbackTime;
        service = context.DefaultService;
        var trimmed = line.AsSpan().TrimEnd("\r\n").TrimStart();
        if (trimmed.IsEmpty) return LineOutcome.Noise;
        if (trimmed[0] == '{' && !asText)
        {
            return WriteJson(trimmed.ToString(), context, writer, ref time, ref service);
        }

        return WriteText(trimmed.ToString(), context, writer, ref time, ref service);
    }

    private LineOutcome WriteJson(string json, in LineContext context, Utf8JsonWriter writer, ref DateTimeOffset time, ref string service)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException)
        {
            return LineOutcome.Malformed;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !LogFields.Decodable(root)) return LineOutcome.Malformed;
            var message = LogFields.Text(root, LogFields.MessageNames) ?? string.Empty;
            if (HealthCheckFilter.IsNoise(message, LogFields.Text(root, LogFields.PathNames), LogFields.Text(root, LogFields.AgentNames))) return LineOutcome.Noise;

            if (LogFields.Find(root, LogFields.TimeNames) is { } t && LogTimes.Parse(t) is { } parsed) time = parsed;
            var level = LogFields.Find(root, LogFields.LevelNames) is { } l ? LogLevels.Normalise(l) : "INFO";
            if (LogFields.Text(root, LogFields.ServiceNames) is { Length: > 0 } s) service = s;
            var requestId = LogFields.Text(root, LogFields.RequestNames);

            writer.WriteStartObject();
            WriteHead(writer, time, level, service, requestId, message);
            writer.WriteStartObject("fields");
            foreach (var p in root.EnumerateObject())
            {
                if (LogFields.IsCanonical(p.Name)) continue;
                writer.WritePropertyName(p.Name);
                WriteMasked(writer, p.Value, SensitiveDataMasker.IsSecretName(p.Name), depth: 0);
            }

            writer.WriteEndObject();
            WriteSource(writer, context.Source);
            writer.WriteEndObject();
            return LineOutcome.Written;
        }
    }

    private LineOutcome WriteText(string line, in LineContext context, Utf8JsonWriter writer, ref DateTimeOffset time, ref string service)
    {
        var text = new LogTextLine(line, time, service);
        var kept = text.Read();
        time = text.Time;
        service = text.Service;
        if (!kept) return LineOutcome.Noise;
        var (level, requestId, message, fields) = (text.Level, text.RequestId, text.Message, text.Fields);

        if (HealthCheckFilter.IsNoise(line)) return LineOutcome.Noise;
        writer.WriteStartObject();
        WriteHead(writer, time, level, service, requestId, message);
        writer.WriteStartObject("fields");
        if (fields is not null)
        {
            foreach (var (k, v) in fields)
            {
                writer.WriteString(k, SensitiveDataMasker.IsSecretName(k) ? SensitiveDataMasker.SecretMask : SensitiveDataMasker.Mask(v, Masked));
            }
        }

        writer.WriteEndObject();
        WriteSource(writer, context.Source);
        writer.WriteEndObject();
        return LineOutcome.Written;
    }

    private void WriteHead(Utf8JsonWriter writer, DateTimeOffset time, string level, string service, string? requestId, string message)
    {
        writer.WriteString("timestamp", time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        writer.WriteString("level", level);
        writer.WriteString("service", service);
        if (requestId is { Length: > 0 }) writer.WriteString("requestId", SensitiveDataMasker.Mask(requestId, Masked));
        else writer.WriteNull("requestId");
        writer.WriteString("message", SensitiveDataMasker.Mask(message.TrimEnd('\n', '\r'), Masked));
    }

    private static void WriteSource(Utf8JsonWriter writer, LogSource source)
    {
        writer.WriteStartObject("source");
        writer.WriteString("kind", source.Kind);
        if (source.LogGroup is { Length: > 0 } g) writer.WriteString("logGroup", g);
        if (source.LogStream is { Length: > 0 } s) writer.WriteString("logStream", s);
        if (source.Owner is { Length: > 0 } o) writer.WriteString("owner", o);
        writer.WriteEndObject();
    }

    private void WriteMasked(Utf8JsonWriter writer, JsonElement value, bool secret, int depth)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var p in value.EnumerateObject())
                {
                    writer.WritePropertyName(p.Name);
                    WriteMasked(writer, p.Value, secret || SensitiveDataMasker.IsSecretName(p.Name), depth + 1);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray()) WriteMasked(writer, item, secret, depth + 1);
                writer.WriteEndArray();
                break;
            case JsonValueKind.String when secret:
            case JsonValueKind.Number when secret:
                Masked.Secrets++;
                writer.WriteStringValue(SensitiveDataMasker.SecretMask);
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(SensitiveDataMasker.Mask(value.GetString()!, Masked));
                break;
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                if (raw.Length >= 13)
                {
                    var masked = SensitiveDataMasker.Mask(raw, Masked);
                    if (!ReferenceEquals(masked, raw) && masked != raw)
                    {
                        writer.WriteStringValue(masked);
                        break;
                    }
                }

                value.WriteTo(writer);
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }


}
