using System.Text.Json;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using ECommerceAgents.Domain.Batch;

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
        var records = await StoreChecksum.QuarantineRecordsAsync(harness.Stack, bucket);
        Assert.Equal(2, records.Count);
        Assert.All(records, r => Assert.StartsWith("quarantine/reason=malformed_json/", r.Key));
        // The two share a reason and an arrival hour: one object, its records in stream order.
        Assert.Single(records.Select(r => r.Key).Distinct());
        var parsed = records.Select(r => JsonDocument.Parse(r.Json).RootElement).ToArray();
        Assert.Equal(["Hello, this is a test.", "This is only a test."], parsed.Select(r => r.GetProperty("payloadText").GetString()));
        Assert.All(parsed, r => Assert.Equal("json", r.GetProperty("violations")[0].GetProperty("keyword").GetString()));
        Assert.All(parsed, r => Assert.Equal("shardId-000000000006", r.GetProperty("shardId").GetString()));
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
        Assert.Equal(4, checksum.Count("redis:dedup"));
    }

    [Fact]
    public async Task HandMadeEvent_OneRecordNotBase64_OtherTwoProcessed_ItAloneQuarantinedWithReasonAndText()
    {
        var (harness, function) = await Workload.StartAsync("badbase64");
        await using var _ = harness;
        var sample = JsonDocument.Parse(EventFiles.Read("kinesis-bad-base64.json")).RootElement.GetProperty("Records");
        var wireText = sample[1].GetProperty("kinesis").GetProperty("data").GetString()!;

        var response = await Workload.InvokeAsync(function, EventFiles.Read("kinesis-bad-base64.json"));
        await harness.FlushAsync();

        Assert.Empty(response.BatchItemFailures);
        var bucket = harness.Names.Bucket(Buckets.Quarantine);
        var key = Assert.Single(await StoreChecksum.KeysAsync(harness.Stack, bucket, ZoneLayout.Quarantine));
        Assert.StartsWith("quarantine/reason=invalid_base64/", key, StringComparison.Ordinal);
        Assert.EndsWith("-49590338271490256608559692538361571095921575989136588911.jsonl", key, StringComparison.Ordinal);
        using var quarantined = await harness.Stack.S3Client.GetObjectAsync(bucket, key);
        var record = (await JsonDocument.ParseAsync(quarantined.ResponseStream)).RootElement;
        Assert.Equal("invalid_base64", record.GetProperty("reason").GetString());
        Assert.Equal("base64", record.GetProperty("violations")[0].GetProperty("keyword").GetString());
        Assert.Equal(wireText, record.GetProperty("payloadText").GetString());
        Assert.Equal(wireText, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(record.GetProperty("payloadBase64").GetString()!)));
        var enriched = (await StoreChecksum.EnrichedLinesAsync(harness.Stack, harness.Names.Bucket(Buckets.Enriched), "events/"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("eventId").GetString()!).Order().ToArray();
        Assert.Equal(["3f6c1b2a-8d4e-4c7a-9b1f-2e5d7a9c0b61", "8a2d4f6e-1c3b-4e5a-8f7d-9b0c2e4a6d62"], enriched);
        Assert.Equal(2, (await harness.ChecksumAsync()).Count("redis:dedup"));
    }

    [Fact]
    public async Task Invoke_NotAKinesisEvent_InvalidEventNotACrash()
    {
        var (harness, function) = await Workload.StartAsync("notkinesis");
        await using var _ = harness;

        await Assert.ThrowsAsync<ECommerceAgents.Lambda.Runtime.InvalidEventException>(() => Workload.InvokeAsync(function, "{\"Records\": 5}"u8.ToArray()));
    }
}
