using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using Microsoft.Extensions.Time.Testing;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Local.Tests;

/// <summary>
/// Redrive after the pipeline can take what it once refused: an event dated two days ahead of the processor's clock is
/// quarantined (timestamp out of range); once the clock has caught up, redrive puts exactly that record back on the
/// stream, once, and StreamProcessor enriches it. A second redrive changes nothing; a malformed record stays.
/// </summary>
public sealed class RedriveTests
{
    [Fact]
    public async Task Redrive_RecordThatNowPasses_ReinjectedOnce_EnrichedOnce_OthersStay()
    {
        await using var harness = await PlatformHarness.StartAsync("redrive");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var environment = harness.Environment with { Clock = clock };
        var eventId = Guid.NewGuid().ToString();
        var ahead = clock.GetUtcNow().AddDays(2);
        var early = $$"""{"schema":"com.ecommerceagents/page_view/1-0-0","eventId":"{{eventId}}","eventTime":"{{ahead:O}}","userId":"u-redrive","data":{"url":"https://shop.example.com/"}""" + "}";
        var builder = new KinesisEventBuilder();
        builder.Add(Encoding.UTF8.GetBytes(early), "u-redrive", clock.GetUtcNow());
        builder.Add(Encoding.UTF8.GetBytes("{\"schema\":"), "broken", clock.GetUtcNow());
        await InvokeAsync(environment, builder.Event(..));
        Assert.Equal(2, await CountAsync(harness, ZoneLayout.Quarantine));

        clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(5));
        var first = await Redrive.RunAsync(environment, harness.Stack.S3Client, null, dryRun: false, CancellationToken.None);
        var second = await Redrive.RunAsync(environment, harness.Stack.S3Client, null, dryRun: false, CancellationToken.None);

        Assert.Equal((2, 1), (first.Examined, first.Redriven));
        Assert.Equal(1, first.StillFailing["malformed_json"]);
        Assert.Equal((1, 0), (second.Examined, second.Redriven));
        Assert.Equal(1, await CountAsync(harness, ZoneLayout.Quarantine));
        Assert.Equal(1, await CountAsync(harness, Redrive.RedrivenPrefix));

        // Exactly that record is back on the stream, once, with its original bytes and partition key.
        var onStream = await ReadStreamAsync(harness);
        var record = Assert.Single(onStream);
        Assert.Equal(early, Encoding.UTF8.GetString(record.Data));
        Assert.Equal("u-redrive", record.PartitionKey);

        // StreamProcessor takes it now, and a repeat delivery of it (a crash before the object moved) is dropped.
        var again = new KinesisEventBuilder("shardId-000000000002");
        again.Add(record.Data, record.PartitionKey, clock.GetUtcNow());
        again.Add(record.Data, record.PartitionKey, clock.GetUtcNow());
        await InvokeAsync(environment, again.Event(..));
        await harness.FlushAsync();
        var enriched = await StoreChecksum.EnrichedLinesAsync(harness.Stack, harness.Names.Bucket(Buckets.Enriched), "events/");
        Assert.Single(enriched, l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>() == eventId);
    }

    [Fact]
    public async Task Redrive_OneObjectOfTwoRecords_TheOneThatPassesMoves_TheOtherStaysInItsObject()
    {
        await using var harness = await PlatformHarness.StartAsync("redrive-batch");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var environment = harness.Environment with { Clock = clock };
        string Early(string id, TimeSpan ahead) =>
            $$"""{"schema":"com.ecommerceagents/page_view/1-0-0","eventId":"{{id}}","eventTime":"{{clock.GetUtcNow().Add(ahead):O}}","userId":"u-redrive","data":{"url":"https://shop.example.com/"}""" + "}";
        var soon = Early(Guid.NewGuid().ToString(), TimeSpan.FromDays(2));
        var later = Early(Guid.NewGuid().ToString(), TimeSpan.FromDays(30));
        var builder = new KinesisEventBuilder();
        builder.Add(Encoding.UTF8.GetBytes(soon), "u-redrive", clock.GetUtcNow());
        builder.Add(Encoding.UTF8.GetBytes(later), "u-redrive", clock.GetUtcNow());
        await InvokeAsync(environment, builder.Event(..));
        // One micro-batch, one reason, one arrival hour: one object of two records.
        var before = await StoreChecksum.QuarantineRecordsAsync(harness.Stack, harness.Names.Bucket(Buckets.Quarantine));
        Assert.Equal(2, before.Count);
        Assert.Single(before.Select(r => r.Key).Distinct());

        clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(5));
        var result = await Redrive.RunAsync(environment, harness.Stack.S3Client, null, dryRun: false, CancellationToken.None);

        Assert.Equal((2, 1), (result.Examined, result.Redriven));
        Assert.Equal(1, result.StillFailing["timestamp_out_of_range"]);
        var record = Assert.Single(await ReadStreamAsync(harness));
        Assert.Equal(soon, Encoding.UTF8.GetString(record.Data));
        var left = Assert.Single(await StoreChecksum.QuarantineRecordsAsync(harness.Stack, harness.Names.Bucket(Buckets.Quarantine)));
        Assert.Equal(before[0].Key, left.Key);
        Assert.Equal(later, Encoding.UTF8.GetString(Convert.FromBase64String(JsonNode.Parse(left.Json)!["payloadBase64"]!.GetValue<string>())));
        Assert.Equal(1, await CountAsync(harness, Redrive.RedrivenPrefix));

        // A second run finds only the record that still fails, and sends nothing.
        var again = await Redrive.RunAsync(environment, harness.Stack.S3Client, null, dryRun: false, CancellationToken.None);
        Assert.Equal((1, 0), (again.Examined, again.Redriven));
        Assert.Single(await ReadStreamAsync(harness));
    }

    private static async Task InvokeAsync(Lambda.Hosting.FunctionEnvironment environment, byte[] kinesisEvent)
    {
        var function = await StreamProcessorFunction.CreateAsync(environment, CancellationToken.None);
        var response = JsonSerializer.Deserialize(await function.InvokeAsync(kinesisEvent, LambdaInvocation.Local(TimeSpan.FromMinutes(1)), CancellationToken.None), LambdaEventsJsonContext.Default.StreamsEventResponse)!;
        Assert.Empty(response.BatchItemFailures);
    }

    private static async Task<int> CountAsync(PlatformHarness harness, string prefix) =>
        (await harness.Stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = harness.Names.Bucket(Buckets.Quarantine), Prefix = prefix })).S3Objects?.Count ?? 0;

    private static Task<List<Adapters.Streams.StreamRecord>> ReadStreamAsync(PlatformHarness harness) =>
        StreamContents.ReadAllAsync(harness.Stack.KinesisClient, harness.Names.Stream(Streams.Events));
}
