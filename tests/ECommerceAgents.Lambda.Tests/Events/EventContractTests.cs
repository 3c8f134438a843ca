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
    public void S3_Put_KeysAreFormDecoded()
    {
        var evt = JsonSerializer.Deserialize(EventFiles.Read("s3-put.json"), Json.S3Event)!;

        Assert.Equal("ObjectCreated:Put", evt.Records[0].EventName);
        Assert.Equal("catalog/incoming/products-2026-11-23.csv", evt.Records[0].S3.Item.DecodedKey);
        Assert.Equal("catalog/incoming/summer sale 2026.jsonl", evt.Records[1].S3.Item.DecodedKey);
        Assert.True(evt.Records[0].S3.Item.Size > 0);
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
