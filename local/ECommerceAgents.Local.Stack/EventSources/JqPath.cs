using System.Text.Json;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>
/// The part of JQ that Firehose's inline dynamic partitioning needs here: dotted paths (<c>.partition.type</c>) to a
/// string or number. The CDK app passes the same expressions to Firehose's MetadataExtraction processor (JQ-1.6).
/// </summary>
public static class JqPath
{
    public static string? Evaluate(JsonElement root, string path)
    {
        if (!path.StartsWith('.'))
        {
            throw new FormatException($"Only dotted paths are supported locally, not '{path}'.");
        }

        var current = root;
        foreach (var segment in path[1..].Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                return null;
            }
        }

        return current.ValueKind switch
        {
            JsonValueKind.String => current.GetString(),
            JsonValueKind.Number => current.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }
}
