// Stands in for Amazon.Lambda.CloudWatchLogsEvents (not served to this build).
using System.Text.Json.Serialization;

namespace ECommerceAgents.Lambda.Events;

/// <summary>The Lambda subscription form: <c>{"awslogs":{"data":"base64(gzip(json))"}}</c>.</summary>
public sealed record CloudWatchLogsEvent
{
    public required CloudWatchLogsAwsLogs Awslogs { get; init; }
}

public sealed record CloudWatchLogsAwsLogs
{
    public required byte[] Data { get; init; }
}

/// <summary>The decoded subscription payload, as carried in both the Lambda and the Firehose forms.</summary>
public sealed record CloudWatchLogsPayload
{
    /// <summary><c>DATA_MESSAGE</c> or <c>CONTROL_MESSAGE</c>.</summary>
    public required string MessageType { get; init; }

    public string? Owner { get; init; }

    public string? LogGroup { get; init; }

    public string? LogStream { get; init; }

    public IReadOnlyList<string> SubscriptionFilters { get; init; } = [];

    public IReadOnlyList<CloudWatchLogEvent> LogEvents { get; init; } = [];

    [JsonIgnore]
    public bool IsControlMessage => MessageType == "CONTROL_MESSAGE";
}

public sealed record CloudWatchLogEvent
{
    public string? Id { get; init; }

    /// <summary>Epoch milliseconds.</summary>
    public long Timestamp { get; init; }

    public required string Message { get; init; }
}
