using System.Text.Json;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.StreamProcessor;

public sealed class StreamProcessorBehaviourTests
{
    [Fact]
    public async Task AwsDocSample_PlainTextData_QuarantinedWithReasonAndAcknowledged()
    {
        var (harness, function) = await Workload.StartAsync("docsample");
        await using var _ = harness;

        var response = await Workload.InvokeAsync(function, EventFiles.Read("kinesis-aws-doc-sample.json"));

        Assert.Empty(response.BatchItemFailures);
        var bucket = harness.Names.Bucket(Buckets.Quarantine);
        var keys = await StoreChecksum.KeysAsync(harness.Stack, bucket, Prefixes.Quarantine);
        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.StartsWith("quarantine/reason=malformed_json/", k));
        using var first = await harness.Stack.S3Client.GetObjectAsync(bucket, keys.Order().First());
        var record = await JsonDocument.ParseAsync(first.ResponseStream);
        var payloads = new[] { "Hello, this is a test.", "This is only a test." };
        Assert.Contains(record.RootElement.GetProperty("payloadText").GetString(), payloads);
        Assert.Equal("json", record.RootElement.GetProperty("violations")[0].GetProperty("keyword").GetString());
        Assert.Equal("shardId-000000000006", record.RootElement.GetProperty("shardId").GetString());
    }

    [Fact]
    public async Task ClickstreamSample_ProfilesSessionsAndCountersWritten()
    {
        var (harness, function) = await Workload.StartAsync("clickstream");
        await using var _ = harness;

        var response = await Workload.InvokeAsync(function, EventFiles.Read("kinesis-clickstream.json"));
        await harness.FlushAsync();

        Assert.Empty(response.BatchItemFailures);
        var checksum = await harness.ChecksumAsync();
        Assert.Equal(4, checksum.Count("s3:enriched"));
        Assert.Equal(1, checksum.Count("dynamodb:profiles"));
        Assert.Equal(1, checksum.Count("dynamodb:sessions"));
        Assert.Equal(1, checksum.Count("dynamodb:product-stats"));
        Assert.Equal(4, checksum.Count("dynamodb:dedup"));
    }

    [Fact]
    public async Task Invoke_NotAKinesisEvent_InvalidEventNotACrash()
    {
        var (harness, function) = await Workload.StartAsync("notkinesis");
        await using var _ = harness;

        await Assert.ThrowsAsync<ECommerceAgents.Lambda.Runtime.InvalidEventException>(() => Workload.InvokeAsync(function, "{\"Records\": 5}"u8.ToArray()));
    }
}
