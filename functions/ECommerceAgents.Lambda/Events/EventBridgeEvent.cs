// Stands in for Amazon.Lambda.CloudWatchEvents (not served to this build).
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ECommerceAgents.Lambda.Events;

/// <summary>An EventBridge event. <see cref="Detail"/> stays raw JSON until the handler knows the detail type.</summary>
public sealed record EventBridgeEvent
{
    public string Version { get; init; } = "0";

    public required string Id { get; init; }

    [JsonPropertyName("detail-type")]
    public required string DetailType { get; init; }

    public required string Source { get; init; }

    public string? Account { get; init; }

    public DateTimeOffset Time { get; init; }

    public string? Region { get; init; }

    public IReadOnlyList<string> Resources { get; init; } = [];

    public JsonElement Detail { get; init; }
}

/// <summary>Detail of "Glue Crawler State Change". Counters arrive as strings.</summary>
public sealed record GlueCrawlerStateChange
{
    public required string CrawlerName { get; init; }

    /// <summary><c>Started</c>, <c>Succeeded</c> or <c>Failed</c> (title case).</summary>
    public required string State { get; init; }

    public string? Message { get; init; }

    public string? AccountId { get; init; }

    public string? TablesCreated { get; init; }

    public string? TablesUpdated { get; init; }

    public string? PartitionsCreated { get; init; }

    public string? PartitionsUpdated { get; init; }

    public string? CompletionDate { get; init; }

    public string? StartTime { get; init; }
}

/// <summary>Detail of "Glue Job State Change". <see cref="State"/> is upper case here (SUCCEEDED, FAILED, …).</summary>
public sealed record GlueJobStateChange
{
    public required string JobName { get; init; }

    public required string State { get; init; }

    public string? JobRunId { get; init; }

    public string? Severity { get; init; }

    public string? Message { get; init; }
}

public static class EventBridgeDetailTypes
{
    public const string GlueCrawlerStateChange = "Glue Crawler State Change";
    public const string GlueJobStateChange = "Glue Job State Change";
    public const string ScheduledEvent = "Scheduled Event";
}
