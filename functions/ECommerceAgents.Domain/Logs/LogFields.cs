using System.Text.Json;

namespace ECommerceAgents.Domain.Logs;

/// <summary>The names services give the normalised record's fields (<c>msg</c>, <c>@timestamp</c>, <c>request_id</c>, …), and how to find them.</summary>
internal static class LogFields
{
    public static readonly string[] MessageNames = ["message", "msg", "@message", "log", "text"];
    public static readonly string[] TimeNames = ["timestamp", "@timestamp", "time", "ts", "datetime", "date"];
    public static readonly string[] LevelNames = ["level", "severity", "loglevel", "log_level", "levelname", "@level"];
    public static readonly string[] ServiceNames = ["service", "serviceName", "service_name", "app", "application"];
    public static readonly string[] RequestNames = ["requestId", "request_id", "reqId", "req_id", "awsRequestId", "aws_request_id", "correlationId", "correlation_id", "x-request-id", "traceId", "trace_id"];
    public static readonly string[] PathNames = ["path", "url", "uri", "route", "request_path", "requestPath"];
    public static readonly string[] AgentNames = ["userAgent", "user_agent", "ua", "http_user_agent"];

    public static bool IsCanonical(string name) =>
        Matches(name, MessageNames) || Matches(name, TimeNames) || Matches(name, LevelNames) || Matches(name, ServiceNames) || Matches(name, RequestNames);

    public static bool Matches(string name, string[] names)
    {
        foreach (var n in names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return true;
        }

        return false;
    }

    public static JsonElement? Find(JsonElement root, string[] names)
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
    public static bool Decodable(JsonElement element)
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

    public static string? Text(JsonElement root, string[] names) => Find(root, names) is { } v
        ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Object or JsonValueKind.Array => v.GetRawText(),
            _ => v.GetRawText(),
        }
        : null;
}
