using System.Text.Json;
using System.Text.Json.Serialization;

namespace ECommerceAgents.Domain.Logs;

/// <summary>The decoded CloudWatch Logs subscription payload, as Firehose carries it (gzip JSON).</summary>
internal sealed record CloudWatchLogsMessage
{
    public string? MessageType { get; init; }

    public string? Owner { get; init; }

    public string? LogGroup { get; init; }

    public string? LogStream { get; init; }

    public IReadOnlyList<string>? SubscriptionFilters { get; init; }

    public IReadOnlyList<CloudWatchLogsMessageEvent> LogEvents { get; init; } = [];
}

internal sealed record CloudWatchLogsMessageEvent
{
    public string? Id { get; init; }

    public long Timestamp { get; init; }

    public string? Message { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CloudWatchLogsMessage))]
internal sealed partial class LogsJsonContext : JsonSerializerContext;

/// <summary>Splits a CloudWatch Logs payload into smaller gzip payloads, for re-ingesting one too large to answer.</summary>
internal static class CloudWatchLogsSplitter
{
    /// <summary>Gzip payloads of about <paramref name="chunkBytes"/> of messages each.</summary>
    public static List<byte[]> Split(CloudWatchLogsMessage payload, int chunkBytes)
    {
        var pieces = new List<byte[]>();
        var chunk = new List<CloudWatchLogsMessageEvent>();
        long bytes = 0;
        void Emit()
        {
            if (chunk.Count == 0) return;
            var json = JsonSerializer.SerializeToUtf8Bytes(payload with { LogEvents = chunk.ToArray() }, LogsJsonContext.Default.CloudWatchLogsMessage);
            pieces.Add(BoundedGzip.Compress(json));
            chunk.Clear();
            bytes = 0;
        }

        foreach (var e in payload.LogEvents)
        {
            var size = (e.Message?.Length ?? 0) + 64;
            if (bytes + size > chunkBytes) Emit();
            chunk.Add(e);
            bytes += size;
        }

        Emit();
        return pieces;
    }
}
