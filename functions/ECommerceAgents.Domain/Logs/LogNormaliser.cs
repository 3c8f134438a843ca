using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Domain.Logs;

/// <summary>Where a log line came from: a CloudWatch Logs subscription (log group and stream) or a direct put.</summary>
public sealed record LogSource(string Kind, string? LogGroup = null, string? LogStream = null, string? Owner = null)
{
    public static readonly LogSource Direct = new("direct");
}

/// <summary>What the normaliser knows about a line before reading it.</summary>
public readonly record struct LineContext(LogSource Source, string DefaultService, DateTimeOffset FallbackTime);

/// <summary>The outcome for one line: written (with the time and service it was partitioned by), noise, or malformed.</summary>
public enum LineOutcome
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
public sealed partial class LogNormaliser
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32 };

    private static readonly string[] MessageNames = ["message", "msg", "@message", "log", "text"];
    private static readonly string[] TimeNames = ["timestamp", "@timestamp", "time", "ts", "datetime", "date"];
    private static readonly string[] LevelNames = ["level", "severity", "loglevel", "log_level", "levelname", "@level"];
    private static readonly string[] ServiceNames = ["service", "serviceName", "service_name", "app", "application"];
    private static readonly string[] RequestNames = ["requestId", "request_id", "reqId", "req_id", "awsRequestId", "aws_request_id", "correlationId", "correlation_id", "x-request-id", "traceId", "trace_id"];
    private static readonly string[] PathNames = ["path", "url", "uri", "route", "request_path", "requestPath"];
    private static readonly string[] AgentNames = ["userAgent", "user_agent", "ua", "http_user_agent"];

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
            if (root.ValueKind != JsonValueKind.Object || !Decodable(root)) return LineOutcome.Malformed;
            var message = Text(root, MessageNames) ?? string.Empty;
            if (HealthCheckFilter.IsNoise(message, Text(root, PathNames), Text(root, AgentNames))) return LineOutcome.Noise;

            if (Find(root, TimeNames) is { } t && ParseTime(t) is { } parsed) time = parsed;
            var level = Find(root, LevelNames) is { } l ? NormaliseLevel(l) : "INFO";
            if (Text(root, ServiceNames) is { Length: > 0 } s) service = s;
            var requestId = Text(root, RequestNames);

            writer.WriteStartObject();
            WriteHead(writer, time, level, service, requestId, message);
            writer.WriteStartObject("fields");
            foreach (var p in root.EnumerateObject())
            {
                if (IsCanonical(p.Name)) continue;
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
        string level = "INFO";
        string? requestId = null;
        string message = line;
        List<KeyValuePair<string, string>>? fields = null;

        if (LambdaNode().Match(line) is { Success: true } node)
        {
            time = ParseTime(node.Groups["ts"].Value) ?? time;
            requestId = node.Groups["rid"].Value;
            level = NormaliseLevel(node.Groups["level"].Value);
            message = node.Groups["msg"].Value;
        }
        else if (LambdaPython().Match(line) is { Success: true } py)
        {
            time = ParseTime(py.Groups["ts"].Value) ?? time;
            requestId = py.Groups["rid"].Value;
            level = NormaliseLevel(py.Groups["level"].Value);
            message = py.Groups["msg"].Value;
        }
        else if (LambdaPlatform().Match(line) is { Success: true } platform)
        {
            requestId = platform.Groups["rid"].Value;
            message = line;
        }
        else if (LooksLikeLogfmt(line) && ParseLogfmt(line) is { Count: >= 2 } pairs)
        {
            fields = [];
            string? msg = null;
            foreach (var (k, v) in pairs)
            {
                if (Matches(k, MessageNames)) msg ??= v;
                else if (Matches(k, LevelNames)) level = NormaliseLevel(v);
                else if (Matches(k, TimeNames)) time = ParseTime(v) ?? time;
                else if (Matches(k, ServiceNames)) service = v.Length > 0 ? v : service;
                else if (Matches(k, RequestNames)) requestId = v;
                else fields.Add(new(k, v));
            }

            message = msg ?? string.Empty;
            string? path = null, agent = null;
            foreach (var (k, v) in fields)
            {
                if (Matches(k, PathNames)) path = v;
                if (Matches(k, AgentNames)) agent = v;
            }

            if (HealthCheckFilter.IsNoise(message, path, agent)) return LineOutcome.Noise;
        }
        else if (GenericText().Match(line) is { Success: true } generic)
        {
            if (generic.Groups["ts"].Success) time = ParseTime(generic.Groups["ts"].Value) ?? time;
            if (generic.Groups["level"].Success) level = NormaliseLevel(generic.Groups["level"].Value);
            message = generic.Groups["msg"].Value;
        }

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

    private static bool IsCanonical(string name) =>
        Matches(name, MessageNames) || Matches(name, TimeNames) || Matches(name, LevelNames) || Matches(name, ServiceNames) || Matches(name, RequestNames);

    private static bool Matches(string name, string[] names)
    {
        foreach (var n in names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return true;
        }

        return false;
    }

    private static JsonElement? Find(JsonElement root, string[] names)
    {
        foreach (var n in names)
        {
            if (root.TryGetProperty(n, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)) return v;
        }

        // Case-insensitive fallback, e.g. "Level" or "Message".
        foreach (var p in root.EnumerateObject())
        {
            if (p.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) && Matches(p.Name, names)) return p.Value;
        }

        return null;
    }

    /// <summary>
    /// False when a name or string holds an escape that is no text (a lone surrogate such as <c>\ud800</c>): the parser
    /// accepts it, but reading it throws, so such a line is malformed rather than a crash of the whole batch.
    /// </summary>
    private static bool Decodable(JsonElement element)
    {
        try
        {
            return element.ValueKind switch
            {
                JsonValueKind.String => element.GetString() is not null,
                JsonValueKind.Object => element.EnumerateObject().All(p => p.Name is not null && Decodable(p.Value)),
                JsonValueKind.Array => element.EnumerateArray().All(Decodable),
                _ => true,
            };
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string? Text(JsonElement root, string[] names) => Find(root, names) is { } v
        ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object or JsonValueKind.Array => v.GetRawText(),
            _ => v.GetRawText(),
        }
        : null;

    /// <summary>TRACE, DEBUG, INFO, WARN, ERROR or FATAL from the many spellings services use (pino's numbers included).</summary>
    public static string NormaliseLevel(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt32(out var n) => n switch
        {
            <= 10 => "TRACE",
            <= 20 => "DEBUG",
            <= 30 => "INFO",
            <= 40 => "WARN",
            <= 50 => "ERROR",
            _ => "FATAL",
        },
        JsonValueKind.String => NormaliseLevel(value.GetString()!),
        _ => "INFO",
    };

    public static string NormaliseLevel(string level) => level.Trim().Trim('[', ']').ToUpperInvariant() switch
    {
        "TRACE" or "VERBOSE" or "FINEST" or "FINER" => "TRACE",
        "DEBUG" or "DBG" or "FINE" or "D" => "DEBUG",
        "INFO" or "INFORMATION" or "INFORMATIONAL" or "NOTICE" or "LOG" or "I" => "INFO",
        "WARN" or "WARNING" or "W" => "WARN",
        "ERROR" or "ERR" or "SEVERE" or "E" or "FAIL" or "FAILURE" => "ERROR",
        "FATAL" or "CRITICAL" or "CRIT" or "ALERT" or "EMERG" or "EMERGENCY" or "PANIC" or "F" => "FATAL",
        _ => "INFO",
    };

    private static DateTimeOffset? ParseTime(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => ParseTime(value.GetString()!),
        JsonValueKind.Number when value.TryGetDouble(out var n) => FromEpoch(n),
        _ => null,
    };

    public static DateTimeOffset? ParseTime(string text)
    {
        if (text.Length == 0) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch)) return FromEpoch(epoch);
        return DateTimeOffset.TryParse(text.Replace(',', '.'), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;
    }

    private static DateTimeOffset? FromEpoch(double n)
    {
        try
        {
            return n switch
            {
                > 1e17 => DateTimeOffset.FromUnixTimeMilliseconds((long)(n / 1e6)), // nanoseconds
                > 1e14 => DateTimeOffset.FromUnixTimeMilliseconds((long)(n / 1e3)), // microseconds
                > 1e11 => DateTimeOffset.FromUnixTimeMilliseconds((long)n),
                > 1e8 => DateTimeOffset.FromUnixTimeMilliseconds((long)(n * 1000)),
                _ => null,
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    private static bool LooksLikeLogfmt(string line)
    {
        var eq = line.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0) return false;
        var firstSpace = line.IndexOf(' ', StringComparison.Ordinal);
        return firstSpace < 0 || eq < firstSpace;
    }

    /// <summary>logfmt: <c>key=value key2="quoted value"</c>. Null when a token is not a pair.</summary>
    private static List<KeyValuePair<string, string>>? ParseLogfmt(string line)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == ' ') i++;
            if (i >= line.Length) break;
            var keyStart = i;
            while (i < line.Length && line[i] != '=' && line[i] != ' ') i++;
            if (i >= line.Length || line[i] != '=' || i == keyStart) return null;
            var key = line[keyStart..i];
            i++;
            string value;
            if (i < line.Length && line[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length) i++;
                    sb.Append(line[i++]);
                }

                if (i >= line.Length) return null;
                i++;
                value = sb.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < line.Length && line[i] != ' ') i++;
                value = line[valueStart..i];
            }

            pairs.Add(new(key, value));
        }

        return pairs;
    }

    [GeneratedRegex(@"^(?<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\t(?<rid>[^\t]+)\t(?<level>[A-Za-z]+)\t(?<msg>[\s\S]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex LambdaNode();

    [GeneratedRegex(@"^\[(?<level>[A-Za-z]+)\]\t(?<ts>[^\t]+)\t(?<rid>[^\t]+)\t(?<msg>[\s\S]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex LambdaPython();

    [GeneratedRegex(@"^(?:START|END|REPORT|INIT_START|INIT_REPORT) RequestId: (?<rid>[0-9a-fA-F-]{8,})", RegexOptions.CultureInvariant)]
    private static partial Regex LambdaPlatform();

    [GeneratedRegex(@"^(?:(?<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s+)?(?:\[?(?<level>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL)\]?:?\s+)?(?<msg>[\s\S]*)$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex GenericText();
}
