// Stands in for Amazon.Lambda.CloudWatchEvents (not served to this build).
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using ECommerceAgents.Lambda.Runtime;

namespace ECommerceAgents.Lambda.Events;

/// <summary>An EventBridge event. <see cref="Detail"/> stays raw JSON until the handler knows the detail type.</summary>
public sealed record EventBridgeEvent(
    [property: JsonRequired] string Id,
    [property: JsonRequired, JsonPropertyName("detail-type")] string DetailType,
    [property: JsonRequired] string Source,
    string Version = "0", string? Account = null, DateTimeOffset Time = default, string? Region = null,
    IReadOnlyList<string>? Resources = null, JsonElement Detail = default)
{
    /// <summary>The ARNs the event is about; empty when the event names none.</summary>
    public IReadOnlyList<string> Resources { get; init; } = Resources ?? [];
}

/// <summary>Detail of "Glue Crawler State Change". Counters arrive as strings.</summary>
/// <param name="State"><c>Started</c>, <c>Succeeded</c> or <c>Failed</c> (title case).</param>
public sealed record GlueCrawlerStateChange(
    [property: JsonRequired] string CrawlerName,
    [property: JsonRequired] string State,
    string? Message = null, string? AccountId = null,
    string? TablesCreated = null, string? TablesUpdated = null, string? PartitionsCreated = null, string? PartitionsUpdated = null,
    string? CompletionDate = null, string? StartTime = null);

/// <summary>Detail of "Glue Job State Change". <see cref="State"/> is upper case here (SUCCEEDED, FAILED, …).</summary>
public sealed record GlueJobStateChange(
    [property: JsonRequired] string JobName,
    [property: JsonRequired] string State,
    string? JobRunId = null, string? Severity = null, string? Message = null);

/// <summary>Detail of S3's "Object Created" (source <c>aws.s3</c>), sent when the bucket has EventBridge notifications on. One object per event.</summary>
/// <param name="Requester">The account or AWS service principal that made the request.</param>
/// <param name="Reason"><c>PutObject</c>, <c>CopyObject</c>, <c>CompleteMultipartUpload</c> or <c>POST Object</c>.</param>
public sealed record S3ObjectCreated(
    [property: JsonRequired] S3ObjectCreatedBucket Bucket,
    [property: JsonRequired] S3ObjectCreatedObject Object,
    string Version = "0",
    [property: JsonPropertyName("request-id")] string? RequestId = null,
    string? Requester = null,
    [property: JsonPropertyName("source-ip-address")] string? SourceIpAddress = null,
    string? Reason = null)
{
    public const string Source = "aws.s3";
}

public sealed record S3ObjectCreatedBucket([property: JsonRequired] string Name);

/// <summary>The object of an Object Created event.</summary>
/// <param name="Key">The key as the event carries it. S3's notifications form-encode keys (a space as <c>+</c>); EventBridge's documentation does not say.</param>
public sealed record S3ObjectCreatedObject(
    [property: JsonRequired] string Key,
    long Size = 0,
    [property: JsonPropertyName("etag")] string? ETag = null,
    [property: JsonPropertyName("version-id")] string? VersionId = null,
    string? Sequencer = null)
{
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
