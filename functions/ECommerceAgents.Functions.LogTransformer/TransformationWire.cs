using System.Text.Json.Serialization;
using System.Text.Json;

namespace ECommerceAgents.Functions.LogTransformer;

// The Firehose transformation contract of ECommerceAgents.Lambda.Events, with `data` kept as the base64 text it is on
// the wire: one record of base64 garbage must be answered ProcessingFailed with its data untouched, not fail the
// whole batch in the deserialiser (byte[] would), and a failed record is echoed back byte for byte.

public sealed record RawTransformationEvent
{
    public required string InvocationId { get; init; }

    public string? DeliveryStreamArn { get; init; }

    public string? Region { get; init; }

    public required IReadOnlyList<RawInputRecord> Records { get; init; }
}

public sealed record RawInputRecord
{
    public required string RecordId { get; init; }

    public long ApproximateArrivalTimestamp { get; init; }

    public string Data { get; init; } = string.Empty;
}

public sealed record RawTransformationResponse
{
    public required IReadOnlyList<RawOutputRecord> Records { get; init; }
}

public sealed record RawOutputRecord
{
    public required string RecordId { get; init; }

    /// <summary>One of <see cref="FirehoseResult"/>'s values.</summary>
    public required string Result { get; init; }

    public required string Data { get; init; }

    public FirehoseRecordMetadata? Metadata { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RawTransformationEvent))]
[JsonSerializable(typeof(RawTransformationResponse))]
public sealed partial class TransformationWireJsonContext : JsonSerializerContext;
