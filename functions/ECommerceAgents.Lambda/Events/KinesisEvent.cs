// Stands in for Amazon.Lambda.KinesisEvents (not served to this build). Field names follow the documented event.
using System.Buffers;
using System.Text;
using System.Text.Json;
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

    /// <summary>
    /// The record's bytes in base64, as on the wire. Kept as text so that one record whose data is not base64 (only a
    /// hand-made event has one) is quarantined alone instead of failing the whole event's deserialisation, as
    /// <c>byte[]</c> would. StreamProcessor decodes it per record.
    /// </summary>
    [JsonConverter(typeof(KinesisDataConverter))]
    public required string Data { get; init; }

    /// <summary>Epoch seconds with a fraction, as Lambda sends it.</summary>
    public double ApproximateArrivalTimestamp { get; init; }

    public string? EncryptionType { get; init; }

    [JsonIgnore]
    public DateTimeOffset ApproximateArrivalTime => DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(ApproximateArrivalTimestamp * 1000));

    /// <summary>The record's bytes; throws <see cref="FormatException"/> when <see cref="Data"/> is not base64 (for tools and tests).</summary>
    public byte[] DecodeData() => Convert.FromBase64String(Data);

    /// <summary>The wire text for the given bytes.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes);
}

/// <summary>
/// Reads <c>data</c> as text whatever it holds, so that nothing one record carries fails the whole event: a string
/// whose escapes are not valid UTF-16 (a lone surrogate) is kept as its escaped source text, and null, a number, an
/// object or an array as its JSON text. Such a record is then quarantined alone: as not base64, or (for the few JSON
/// texts that happen to be base64, such as <c>null</c>) as the bytes they decode to, which are not an event.
/// </summary>
public sealed class KinesisDataConverter : JsonConverter<string>
{
    public override bool HandleNull => true;

    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            try
            {
                return reader.GetString() ?? string.Empty;
            }
            catch (InvalidOperationException)
            {
                return Raw(ref reader);
            }
        }

        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.GetRawText();
        }

        return Raw(ref reader);
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    /// <summary>The token's source bytes (a string's without its quotes, escapes as written); the reader has checked they are UTF-8.</summary>
    private static string Raw(ref Utf8JsonReader reader) =>
        Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
}

/// <summary>Partial batch response: the records Lambda must retry (from the lowest sequence number on).</summary>
public sealed record StreamsEventResponse
{
    public IReadOnlyList<BatchItemFailure> BatchItemFailures { get; init; } = [];

    public static StreamsEventResponse Success { get; } = new();

    public static StreamsEventResponse FailFrom(string sequenceNumber) => new() { BatchItemFailures = [new BatchItemFailure(sequenceNumber)] };
}

public sealed record BatchItemFailure(string ItemIdentifier);
