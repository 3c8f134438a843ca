// Stands in for Amazon.Lambda.S3Events (not served to this build).
using System.Net;
using System.Text.Json.Serialization;

namespace ECommerceAgents.Lambda.Events;

/// <summary>An S3 event notification.</summary>
public sealed record S3Event
{
    [JsonPropertyName("Records")]
    public required IReadOnlyList<S3EventRecord> Records { get; init; }
}

public sealed record S3EventRecord
{
    public string EventVersion { get; init; } = "2.1";

    public string EventSource { get; init; } = "aws:s3";

    public string? AwsRegion { get; init; }

    public DateTimeOffset EventTime { get; init; }

    /// <summary>For example <c>ObjectCreated:Put</c>.</summary>
    public required string EventName { get; init; }

    public required S3Entity S3 { get; init; }
}

public sealed record S3Entity
{
    public string S3SchemaVersion { get; init; } = "1.0";

    public string? ConfigurationId { get; init; }

    public required S3BucketEntity Bucket { get; init; }

    [JsonPropertyName("object")]
    public required S3ObjectEntity Item { get; init; }
}

public sealed record S3BucketEntity
{
    public required string Name { get; init; }

    public string? Arn { get; init; }
}

public sealed record S3ObjectEntity
{
    /// <summary>The key as S3 sends it: form-URL-encoded (a space arrives as <c>+</c>).</summary>
    public required string Key { get; init; }

    public long Size { get; init; }

    public string? ETag { get; init; }

    public string? Sequencer { get; init; }

    /// <summary>The object key to pass back to S3.</summary>
    [JsonIgnore]
    public string DecodedKey => WebUtility.UrlDecode(Key);
}
