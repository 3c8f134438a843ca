using System.Text.Json.Serialization;
using ECommerceAgents.Adapters.Streams;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>A record Firehose writes under its error prefix.</summary>
public sealed record FirehoseErrorRecord(
    [property: JsonPropertyName("attemptsMade")] int AttemptsMade,
    [property: JsonPropertyName("arrivalTimestamp")] long ArrivalTimestamp,
    [property: JsonPropertyName("errorCode")] string ErrorCode,
    [property: JsonPropertyName("errorMessage")] string ErrorMessage,
    [property: JsonPropertyName("attemptEndingTimestamp")] long AttemptEndingTimestamp,
    [property: JsonPropertyName("rawData")] string RawData,
    [property: JsonPropertyName("lambdaArn")] string? LambdaArn);

public sealed record PutRecordRequest(string DeliveryStreamName, FirehoseRecord Record);

public sealed record PutRecordResponse(string RecordId, bool Encrypted);

public sealed record FirehoseErrorBody([property: JsonPropertyName("__type")] string Type, [property: JsonPropertyName("message")] string Message);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FirehoseErrorRecord))]
[JsonSerializable(typeof(PutRecordRequest))]
[JsonSerializable(typeof(PutRecordResponse))]
[JsonSerializable(typeof(PutRecordBatchRequest))]
[JsonSerializable(typeof(PutRecordBatchResponse))]
[JsonSerializable(typeof(FirehoseErrorBody))]
internal sealed partial class FirehoseJsonContext : JsonSerializerContext;
