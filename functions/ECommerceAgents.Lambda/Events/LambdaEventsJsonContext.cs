using System.Text.Json;
using System.Text.Json.Serialization;

namespace ECommerceAgents.Lambda.Events;

/// <summary>Source-generated JSON for every event contract. Lambda's events use camelCase; unknown fields are ignored.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(KinesisEvent))]
[JsonSerializable(typeof(StreamsEventResponse))]
[JsonSerializable(typeof(FirehoseTransformationEvent))]
[JsonSerializable(typeof(FirehoseTransformationResponse))]
[JsonSerializable(typeof(CloudWatchLogsEvent))]
[JsonSerializable(typeof(CloudWatchLogsPayload))]
[JsonSerializable(typeof(EventBridgeEvent))]
[JsonSerializable(typeof(GlueCrawlerStateChange))]
[JsonSerializable(typeof(GlueJobStateChange))]
[JsonSerializable(typeof(S3ObjectCreated))]
[JsonSerializable(typeof(ApiGatewayProxyRequest))]
[JsonSerializable(typeof(ApiGatewayProxyResponse))]
public sealed partial class LambdaEventsJsonContext : JsonSerializerContext;
