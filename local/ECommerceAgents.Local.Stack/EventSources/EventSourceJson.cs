using System.Text.Json.Serialization;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>Lambda's on-failure record for stream event sources, as the S3 destination stores it.</summary>
public sealed record OnFailureRecord
{
    [JsonPropertyName("requestContext")]
    public required OnFailureRequestContext RequestContext { get; init; }

    [JsonPropertyName("responseContext")]
    public required OnFailureResponseContext ResponseContext { get; init; }

    [JsonPropertyName("version")]
    public string Version { get; init; } = "1.0";

    [JsonPropertyName("timestamp")]
    public DateTimeOffset Timestamp { get; init; }

    public required KinesisBatchInfo KinesisBatchInfo { get; init; }

    /// <summary>The whole invocation event, as an escaped JSON string.</summary>
    [JsonPropertyName("payload")]
    public required string Payload { get; init; }
}

public sealed record OnFailureRequestContext(
    [property: JsonPropertyName("requestId")] string RequestId,
    [property: JsonPropertyName("functionArn")] string FunctionArn,
    [property: JsonPropertyName("condition")] string Condition,
    [property: JsonPropertyName("approximateInvokeCount")] int ApproximateInvokeCount);

public sealed record OnFailureResponseContext(
    [property: JsonPropertyName("statusCode")] int StatusCode,
    [property: JsonPropertyName("executedVersion")] string ExecutedVersion,
    [property: JsonPropertyName("functionError")] string FunctionError);

public sealed record KinesisBatchInfo(
    [property: JsonPropertyName("shardId")] string ShardId,
    [property: JsonPropertyName("startSequenceNumber")] string StartSequenceNumber,
    [property: JsonPropertyName("endSequenceNumber")] string EndSequenceNumber,
    [property: JsonPropertyName("approximateArrivalOfFirstRecord")] DateTimeOffset ApproximateArrivalOfFirstRecord,
    [property: JsonPropertyName("approximateArrivalOfLastRecord")] DateTimeOffset ApproximateArrivalOfLastRecord,
    [property: JsonPropertyName("batchSize")] int BatchSize,
    [property: JsonPropertyName("streamArn")] string StreamArn);

[JsonSerializable(typeof(OnFailureRecord))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class EventSourceJsonContext : JsonSerializerContext;
