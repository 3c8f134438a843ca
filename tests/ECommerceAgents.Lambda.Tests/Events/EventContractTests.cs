using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Lambda.Tests.Events;

/// <summary>Each contract reads the documented sample in events/ and writes the documented response shape.</summary>
public sealed class EventContractTests
{
    private static LambdaEventsJsonContext Json => LambdaEventsJsonContext.Default;

    [Fact]
    public void Kinesis_AwsDocSample_PlainTextDataAndShardFromEventId()
    {
        var evt = JsonSerializer.Deserialize(EventFiles.Read("kinesis-aws-doc-sample.json"), Json.KinesisEvent)!;

        Assert.Equal(2, evt.Records.Count);
        var first = evt.Records[0];
        Assert.Equal("Hello, this is a test.", Encoding.UTF8.GetString(first.Kinesis.DecodeData()));
        Assert.Equal("shardId-000000000006", first.ShardId);
        Assert.EndsWith(first.Kinesis.SequenceNumber, first.EventId);
        Assert.Equal("aws:kinesis", first.EventSource);
        Assert.Equal(2026, first.Kinesis.ApproximateArrivalTime.Year);
    }

    [Fact]
    public void Kinesis_Clickstream_DataIsOurEventJson()
    {
        var evt = JsonSerializer.Deserialize(EventFiles.Read("kinesis-clickstream.json"), Json.KinesisEvent)!;

        var schemas = evt.Records.Select(r => JsonDocument.Parse(r.Kinesis.DecodeData()).RootElement.GetProperty("schema").GetString()).ToArray();
        Assert.Equal(4, schemas.Length);
        Assert.Contains("com.ecommerceagents/product_view/1-0-0", schemas);
        Assert.All(evt.Records, r => Assert.Equal("u-1001", r.Kinesis.PartitionKey));
        Assert.Equal("arn:aws:kinesis:us-east-1:123456789012:stream/eca-events", evt.Records[0].EventSourceArn);
    }

    [Fact]
    public void StreamsEventResponse_SerializesAsDocumented()
    {
        var json = JsonSerializer.Serialize(StreamsEventResponse.FailFrom("49590338271490256608559692538361571095921575989136588898"), Json.StreamsEventResponse);

        Assert.Equal("{\"batchItemFailures\":[{\"itemIdentifier\":\"49590338271490256608559692538361571095921575989136588898\"}]}", json);
        Assert.Equal("{\"batchItemFailures\":[]}", JsonSerializer.Serialize(StreamsEventResponse.Success, Json.StreamsEventResponse));
    }

    [Fact]
    public void Firehose_TransformationEvent_RecordsWithMillisecondArrival()
    {
        var evt = JsonSerializer.Deserialize(EventFiles.Read("firehose-transformation.json"), Json.FirehoseTransformationEvent)!;

        Assert.Equal(3, evt.Records.Count);
        Assert.Contains("payment declined", Encoding.UTF8.GetString(evt.Records[0].Data));
        Assert.True(evt.Records[0].ApproximateArrivalTimestamp > 1_700_000_000_000, "epoch milliseconds");
    }

    [Fact]
    public void Firehose_Response_ResultDataAndPartitionKeys()
    {
        var response = new FirehoseTransformationResponse
        {
            Records =
            [
                new FirehoseOutputRecord
                {
                    RecordId = "r1",
                    Result = FirehoseResult.Ok,
                    Data = "hi"u8.ToArray(),
                    Metadata = new FirehoseRecordMetadata { PartitionKeys = new Dictionary<string, string> { ["service"] = "checkout" } },
                },
                new FirehoseOutputRecord { RecordId = "r2", Result = FirehoseResult.Dropped, Data = [] },
            ],
        };

        var json = JsonSerializer.Serialize(response, Json.FirehoseTransformationResponse);

        Assert.Equal("{\"records\":[{\"recordId\":\"r1\",\"result\":\"Ok\",\"data\":\"aGk=\",\"metadata\":{\"partitionKeys\":{\"service\":\"checkout\"}}},{\"recordId\":\"r2\",\"result\":\"Dropped\",\"data\":\"\"}]}", json);
    }

    [Fact]
    public void CloudWatchLogs_FirehoseRecords_DecodeToDataAndControlMessages()
    {
        var evt = JsonSerializer.Deserialize(EventFiles.Read("firehose-cloudwatch-logs.json"), Json.FirehoseTransformationEvent)!;

        var payloads = evt.Records.Select(r => JsonSerializer.Deserialize(Gunzip(r.Data), Json.CloudWatchLogsPayload)!).ToArray();
        Assert.False(payloads[0].IsControlMessage);
        Assert.Equal("/aws/lambda/eca-checkout", payloads[0].LogGroup);
        Assert.Equal(3, payloads[0].LogEvents.Count);
        Assert.True(payloads[1].IsControlMessage);
    }

    [Fact]
    public void CloudWatchLogs_LambdaSubscription_AwslogsDataIsGzipJson()
    {
        var evt = JsonSerializer.Deserialize(EventFiles.Read("cloudwatch-logs-subscription.json"), Json.CloudWatchLogsEvent)!;

        var payload = JsonSerializer.Deserialize(Gunzip(evt.Awslogs.Data), Json.CloudWatchLogsPayload)!;
        Assert.Equal("DATA_MESSAGE", payload.MessageType);
        Assert.Equal(["eca-logs"], payload.SubscriptionFilters);
    }

    [Fact]
    public void EventBridge_S3ObjectCreated_HyphenatedDetailFieldsRead()
    {
        var evt = JsonSerializer.Deserialize(EventFiles.Read("eventbridge-s3-object-created.json"), Json.EventBridgeEvent)!;

        var detail = evt.AsS3ObjectCreated()!;
        Assert.Equal(("aws.s3", "Object Created"), (evt.Source, evt.DetailType));
        Assert.Equal("eca-landing-123456789012", detail.Bucket.Name);
        Assert.Equal(7340, detail.Object.Size);
        Assert.Equal("5e3a9f0c7b21d84e6a1c3f9b0d72e485", detail.Object.ETag);
        Assert.Equal("Kq7vT2xN9bR4mLpW0sYc3HdE8fUaJ5gZ", detail.Object.VersionId);
        Assert.Equal("00678E4C1C5E6F7A02", detail.Object.Sequencer);
        Assert.Equal(("7B5A2C9E1D3F4A60", "123456789012", "198.51.100.24", "PutObject"), (detail.RequestId, detail.Requester, detail.SourceIpAddress, detail.Reason));
    }

    [Fact]
    public void EventBridge_S3ObjectCreatedWithEncodedKey_KeyAsGivenAndDecodedFallback()
    {
        var detail = JsonSerializer.Deserialize(EventFiles.Read("eventbridge-s3-object-created.json"), Json.EventBridgeEvent)!.AsS3ObjectCreated()!;

        Assert.Equal("catalog/incoming/summer+sale+2026.jsonl", detail.Object.Key);
        Assert.Equal("catalog/incoming/summer sale 2026.jsonl", detail.Object.FallbackKey);
    }

    [Fact]
    public void EventBridge_S3ObjectCreatedLocal_SizeAndEtagOfTheSampleCatalog_NoFallback()
    {
        var detail = JsonSerializer.Deserialize(EventFiles.Read("eventbridge-s3-object-created-local.json"), Json.EventBridgeEvent)!.AsS3ObjectCreated()!;
        var sample = File.ReadAllBytes(EventFiles.PathOf("catalog/products-sample.csv"));

        Assert.Equal(("eca-local-landing", "catalog/incoming/products-sample.csv"), (detail.Bucket.Name, detail.Object.Key));
        Assert.Null(detail.Object.FallbackKey);
        Assert.Equal(sample.Length, detail.Object.Size);
#pragma warning disable CA5351 // S3's ETag of a single-part upload is its MD5: compared, not used for security.
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(sample)), detail.Object.ETag);
#pragma warning restore CA5351
    }

    [Fact]
    public void EventBridge_S3ObjectCreated_WritesTheHyphenatedNames()
    {
        var detail = new S3ObjectCreated(
            new S3ObjectCreatedBucket("b"),
            new S3ObjectCreatedObject("k+1", ETag: "e", VersionId: "v"),
            RequestId: "r",
            SourceIpAddress: "127.0.0.1");

        var json = JsonSerializer.SerializeToElement(detail, Json.S3ObjectCreated);

        Assert.Equal("e", json.GetProperty("object").GetProperty("etag").GetString());
        Assert.Equal("v", json.GetProperty("object").GetProperty("version-id").GetString());
        Assert.Equal("r", json.GetProperty("request-id").GetString());
        Assert.Equal("127.0.0.1", json.GetProperty("source-ip-address").GetString());
        Assert.False(json.GetProperty("object").TryGetProperty("fallbackKey", out _));
    }

    [Fact]
    public void EventBridge_ScheduleOrObjectCreatedWithoutObject_NullOrInvalidEvent()
    {
        var scheduled = JsonSerializer.Deserialize(EventFiles.Read("eventbridge-scheduled.json"), Json.EventBridgeEvent)!;
        var broken = scheduled with { Source = "aws.s3", DetailType = "Object Created", Detail = JsonDocument.Parse("{\"bucket\":{\"name\":\"b\"}}").RootElement };

        Assert.Null(scheduled.AsS3ObjectCreated());
        Assert.Throws<ECommerceAgents.Lambda.Runtime.InvalidEventException>(() => broken.AsS3ObjectCreated());
    }

    [Fact]
    public void EventBridge_GlueCrawlerSucceeded_DetailReadsAsCrawlerStateChange()
    {
        var evt = JsonSerializer.Deserialize(EventFiles.Read("eventbridge-glue-crawler-succeeded.json"), Json.EventBridgeEvent)!;

        Assert.Equal(EventBridgeDetailTypes.GlueCrawlerStateChange, evt.DetailType);
        Assert.Equal("aws.glue", evt.Source);
        var detail = evt.Detail.Deserialize(Json.GlueCrawlerStateChange)!;
        Assert.Equal("eca-enriched-crawler", detail.CrawlerName);
        Assert.Equal("Succeeded", detail.State);
    }

    [Fact]
    public void EventBridge_GlueJobAndSchedule_DetailTypesTellThemApart()
    {
        var job = JsonSerializer.Deserialize(EventFiles.Read("eventbridge-glue-job-state-change.json"), Json.EventBridgeEvent)!;
        var scheduled = JsonSerializer.Deserialize(EventFiles.Read("eventbridge-scheduled.json"), Json.EventBridgeEvent)!;

        Assert.Equal("SUCCEEDED", job.Detail.Deserialize(Json.GlueJobStateChange)!.State);
        Assert.Equal(EventBridgeDetailTypes.ScheduledEvent, scheduled.DetailType);
        Assert.Single(scheduled.Resources);
    }

    [Fact]
    public void ApiGateway_ProxyEvent_BodyHeadersAndIdentity()
    {
        var evt = JsonSerializer.Deserialize(EventFiles.Read("apigateway-proxy.json"), Json.ApiGatewayProxyRequest)!;

        Assert.Equal("POST", evt.HttpMethod);
        Assert.Equal("/v1/events", evt.Path);
        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", evt.Headers!["traceparent"]);
        Assert.Contains("product_view", evt.Body);
        Assert.False(string.IsNullOrEmpty(evt.RequestContext!.Identity!.ApiKey));
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var input = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }
}
