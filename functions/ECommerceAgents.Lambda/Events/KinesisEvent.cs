// Stands in for Amazon.Lambda.KinesisEvents (not served to this build). Field names follow the documented event.
using System.Text.Json.Serialization;

namespace ECommerceAgents.Lambda.Events;

/// <summary>The event Lambda's Kinesis event source mapping delivers.</summary>
public sealed record KinesisEvent
{
    [JsonPropertyName("Records")]
    public required IReadOnlyList<KinesisEventRecord> Records { get; init; }
}

public sealed record KinesisEventRecord
{
    public required KinesisRecord Kinesis { get; init; }

    public string EventSource { get; init; } = "aws:kinesis";

    public string EventVersion { get; init; } = "1.0";

    /// <summary><c>shardId:sequenceNumber</c>.</summary>
    [JsonPropertyName("eventID")]
    public required string EventId { get; init; }

    public string EventName { get; init; } = "aws:kinesis:record";

    public string? InvokeIdentityArn { get; init; }

    public string? AwsRegion { get; init; }

    [JsonPropertyName("eventSourceARN")]
    public string? EventSourceArn { get; init; }

    /// <summary>The shard id, taken from <see cref="EventId"/>.</summary>
    [JsonIgnore]
    public string ShardId
    {
        get
        {
            var colon = EventId.LastIndexOf(':');
            return colon > 0 ? EventId[..colon] : EventId;
        }
    }
}

public sealed record KinesisRecord
{
    public string KinesisSchemaVersion { get; init; } = "1.0";

    public required string PartitionKey { get; init; }

    public required string SequenceNumber { get; init; }

    /// <summary>The record's bytes; base64 on the wire.</summary>
    public required byte[] Data { get; init; }

    /// <summary>Epoch seconds with a fraction, as Lambda sends it.</summary>
    public double ApproximateArrivalTimestamp { get; init; }

    public string? EncryptionType { get; init; }

    [JsonIgnore]
    public DateTimeOffset ApproximateArrivalTime => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(ApproximateArrivalTimestamp * 1000));
}

/// <summary>Partial batch response: the records Lambda must retry (from the lowest sequence number on).</summary>
public sealed record StreamsEventResponse
{
    public IReadOnlyList<BatchItemFailure> BatchItemFailures { get; init; } = [];

    public static StreamsEventResponse Success { get; } = new();

    public static StreamsEventResponse FailFrom(string sequenceNumber) => new() { BatchItemFailures = [new BatchItemFailure(sequenceNumber)] };
}

public sealed record BatchItemFailure(string ItemIdentifier);
