using System.Text.Json.Serialization;
using System.Text.Json;

namespace ECommerceAgents.Functions.LogTransformer;

// The Firehose transformation contract of ECommerceAgents.Lambda.Events, with `data` kept as the base64 text it is on
// the wire: one record of base64 garbage must be answered ProcessingFailed with its data untouched, not fail the
// whole batch in the deserialiser (byte[] would), and a failed record is echoed back byte for byte.
// A parameter without a default is required on the wire (RespectRequiredConstructorParameters).

/// <summary>Firehose data-transformation input, <c>data</c> as text.</summary>
public sealed record RawTransformationEvent(string InvocationId, IReadOnlyList<RawInputRecord> Records, string? DeliveryStreamArn = null, string? Region = null);

/// <summary>One input record; <paramref name="ApproximateArrivalTimestamp"/> is in epoch milliseconds.</summary>
public sealed record RawInputRecord(string RecordId, long ApproximateArrivalTimestamp = 0, string Data = "");

/// <summary>Firehose data-transformation output: exactly one record per input <c>recordId</c>.</summary>
public sealed record RawTransformationResponse(IReadOnlyList<RawOutputRecord> Records);

/// <summary>One output record; <paramref name="Result"/> is one of <see cref="FirehoseResult"/>'s values.</summary>
public sealed record RawOutputRecord(string RecordId, string Result, string Data, FirehoseRecordMetadata? Metadata = null);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(RawTransformationEvent))]
[JsonSerializable(typeof(RawTransformationResponse))]
public sealed partial class TransformationWireJsonContext : JsonSerializerContext;
