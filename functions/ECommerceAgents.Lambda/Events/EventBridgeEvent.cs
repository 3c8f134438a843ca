// Stands in for Amazon.Lambda.CloudWatchEvents (not served to this build).
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using ECommerceAgents.Lambda.Runtime;

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

/// <summary>Detail of S3's "Object Created" (source <c>aws.s3</c>), sent when the bucket has EventBridge notifications on. One object per event.</summary>
public sealed record S3ObjectCreated
{
    public const string Source = "aws.s3";

    public string Version { get; init; } = "0";

    public required S3ObjectCreatedBucket Bucket { get; init; }

    public required S3ObjectCreatedObject Object { get; init; }

    [JsonPropertyName("request-id")]
    public string? RequestId { get; init; }

    /// <summary>The account or AWS service principal that made the request.</summary>
    public string? Requester { get; init; }

    [JsonPropertyName("source-ip-address")]
    public string? SourceIpAddress { get; init; }

    /// <summary><c>PutObject</c>, <c>CopyObject</c>, <c>CompleteMultipartUpload</c> or <c>POST Object</c>.</summary>
    public string? Reason { get; init; }
}

public sealed record S3ObjectCreatedBucket
{
    public required string Name { get; init; }
}

public sealed record S3ObjectCreatedObject
{
    /// <summary>The key as the event carries it. S3's notifications form-encode keys (a space as <c>+</c>); EventBridge's documentation does not say.</summary>
    public required string Key { get; init; }

    public long Size { get; init; }

    [JsonPropertyName("etag")]
    public string? ETag { get; init; }

    [JsonPropertyName("version-id")]
    public string? VersionId { get; init; }

    public string? Sequencer { get; init; }

    /// <summary>
    /// The URL-decoded key, to try once when <see cref="Key"/> is not found; null when the key has no <c>+</c> or <c>%</c>
    /// (nothing to decode). The key as given is tried first because a literal <c>+</c> is a valid key character.
    /// </summary>
    [JsonIgnore]
    public string? FallbackKey => Key.AsSpan().IndexOfAny('+', '%') >= 0 && WebUtility.UrlDecode(Key) is { } decoded && decoded != Key ? decoded : null;
}

public static class EventBridgeDetailTypes
{
    public const string GlueCrawlerStateChange = "Glue Crawler State Change";
    public const string GlueJobStateChange = "Glue Job State Change";
    public const string ScheduledEvent = "Scheduled Event";
    public const string ObjectCreated = "Object Created";
}

public static class EventBridgeEventExtensions
{
    /// <summary>The detail of S3's Object Created, or null when the event is something else.</summary>
    /// <exception cref="InvalidEventException">The event says Object Created but its detail has no bucket or object.</exception>
    public static S3ObjectCreated? AsS3ObjectCreated(this EventBridgeEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        if (evt.Source != S3ObjectCreated.Source || evt.DetailType != EventBridgeDetailTypes.ObjectCreated) return null;
        if (evt.Detail.ValueKind != JsonValueKind.Object) throw new InvalidEventException("An Object Created event needs a detail object.");
        try
        {
            return evt.Detail.Deserialize(LambdaEventsJsonContext.Default.S3ObjectCreated)!;
        }
        catch (JsonException ex)
        {
            throw new InvalidEventException("An Object Created event whose detail has no bucket name or object key: " + ex.Message, ex);
        }
    }
}
