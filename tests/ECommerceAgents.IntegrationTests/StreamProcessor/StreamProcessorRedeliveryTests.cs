using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.StreamProcessor;

/// <summary>The baseline: the 1,000-record batch delivered once, and its checksum over every store.</summary>
public sealed class RedeliveryBaseline : IAsyncLifetime
{
    public Workload Workload { get; } = new();

    public StoreChecksum Checksum { get; private set; } = null!;

    public PlatformHarness Harness { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var (harness, function) = await Workload.StartAsync("baseline");
        Harness = harness;
        var response = await Workload.InvokeAsync(function, Workload.Kinesis.Event(..));
        Assert.Empty(response.BatchItemFailures);
        await harness.FlushAsync();
        Checksum = await harness.ChecksumAsync();
        await ((IAsyncDisposable)function).DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await Harness.DisposeAsync();
}

/// <summary>
/// Every redelivery Lambda can produce, and a client's resend, leave exactly the state of one delivery: checked by
/// checksums over every DynamoDB table, every enriched and quarantined record and every Redis key.
/// </summary>
public sealed class StreamProcessorRedeliveryTests(RedeliveryBaseline baseline) : IClassFixture<RedeliveryBaseline>
{
    private Workload W => baseline.Workload;

    [Fact]
    public void Baseline_EachStoreHoldsWhatTheBatchShouldProduce()
    {
        var checksum = baseline.Checksum;

        Assert.Equal(W.ValidIds.Count, checksum.Count("s3:enriched"));
        Assert.Equal(W.BotIds.Count, checksum.Count("s3:bots"));
        Assert.Equal(W.Rejected, checksum.Count("s3:quarantine"));
        Assert.Equal(W.ValidIds.Count + W.BotIds.Count, checksum.Count("redis:dedup"));
        Assert.True(checksum.Count("dynamodb:profiles") > 10, checksum.ToString());
        Assert.True(checksum.Count("dynamodb:orders") > 0, checksum.ToString());
        Assert.True(checksum.Count("redis") > 50, checksum.ToString());
    }

    [Fact]
    public async Task Enriched_EveryValidEventOnce_BotsApart()
    {
        var enriched = await StoreChecksum.EnrichedLinesAsync(baseline.Harness.Stack, baseline.Harness.Names.Bucket(Resources.Buckets.Enriched), "events/");
        var bots = await StoreChecksum.EnrichedLinesAsync(baseline.Harness.Stack, baseline.Harness.Names.Bucket(Resources.Buckets.Enriched), "bots/");

        var ids = enriched.Select(l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>()).ToArray();
        var extra = enriched.Where(l => !W.ValidIds.Contains(JsonNode.Parse(l)!["eventId"]!.GetValue<string>())).Take(3);
        Assert.True(ids.Length == W.ValidIds.Count, "unexpected: " + string.Join("\n", extra) + "\nmissing: " + string.Join(",", W.ValidIds.Except(ids).Take(5)));
        Assert.Equal(W.ValidIds.Order(), ids.Order());
        Assert.Equal(W.BotIds.Order(), bots.Select(l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task WholeBatch_DeliveredThreeTimes_SameState()
    {
        var (harness, function) = await Workload.StartAsync("thrice");
        await using var _ = harness;
        for (var i = 0; i < 3; i++)
        {
            Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(..))).BatchItemFailures);
        }

        await AssertSameAsBaseline(harness);
    }

    [Fact]
    public async Task RetryFromTheMiddle_SameState()
    {
        var (harness, function) = await Workload.StartAsync("middle");
        await using var _ = harness;

        Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(..600))).BatchItemFailures);
        Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(..))).BatchItemFailures);
        Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(400..))).BatchItemFailures);

        await AssertSameAsBaseline(harness);
    }

    [Fact]
    public async Task BisectedHalves_SameState()
    {
        var (harness, function) = await Workload.StartAsync("halves");
        await using var _ = harness;

        Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(..500))).BatchItemFailures);
        Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(500..750))).BatchItemFailures);
        Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(750..))).BatchItemFailures);

        await AssertSameAsBaseline(harness);
    }

    [Fact]
    public async Task SameEventIdsResentWithNewSequenceNumbers_Dropped_SameState()
    {
        var (harness, function) = await Workload.StartAsync("resent");
        await using var _ = harness;
        Assert.Empty((await Workload.InvokeAsync(function, W.Kinesis.Event(..))).BatchItemFailures);

        // The client sends 200 of the same events again: same event ids, new records later in the stream.
        var resent = W.Kinesis.Records.Where((_, i) => W.Records[i].EventId is { } id && W.ValidIds.Contains(id)).Take(200)
            .Select(r => r with { Kinesis = r.Kinesis with { SequenceNumber = "9" + r.Kinesis.SequenceNumber[1..] }, EventId = W.Kinesis.ShardId + ":9" + r.Kinesis.SequenceNumber[1..] })
            .ToArray();
        Assert.Empty((await Workload.InvokeAsync(function, KinesisEventBuilder.Event(resent))).BatchItemFailures);

        await AssertSameAsBaseline(harness);
    }

    [Fact]
    public async Task PackedRecords_RedeliveredWholeAndFromTheMiddle_SameStateAsOneDelivery_EveryEventOnce()
    {
        // The workload as trackers would send it through the API: each visitor's (stream key's) events in requests of 10,
        // each request's events packed per partition key.
        var packed = new KinesisEventBuilder();
        foreach (var request in W.Records.GroupBy(r => r.PartitionKey, StringComparer.Ordinal).SelectMany(key => key.Chunk(10)))
        {
            var events = request.Select((r, i) => new Domain.Ingest.AcceptedEvent(i, r.EventId ?? "", r.Type ?? "", r.PartitionKey, r.Data)).ToArray();
            foreach (var (data, members) in Domain.Processing.StreamInput.Pack(events, KinesisEventStreamWriter.MaxPackedBytes))
            {
                packed.Add(data, events[members[0]].PartitionKey);
            }
        }

        Assert.True(packed.Records.Count < W.Records.Count / 2, $"{packed.Records.Count} records for {W.Records.Count} events: little was packed");
        var middle = packed.Records.Count / 2;

        var (once, onceFunction) = await Workload.StartAsync("packed-once");
        await using var _ = once;
        Assert.Empty((await Workload.InvokeAsync(onceFunction, packed.Event(..))).BatchItemFailures);
        await once.FlushAsync();
        var expected = await once.ChecksumAsync();

        var (again, function) = await Workload.StartAsync("packed-again");
        await using var __ = again;
        Assert.Empty((await Workload.InvokeAsync(function, packed.Event(..(middle + 10)))).BatchItemFailures);
        Assert.Empty((await Workload.InvokeAsync(function, packed.Event(middle..))).BatchItemFailures);
        Assert.Empty((await Workload.InvokeAsync(function, packed.Event(..))).BatchItemFailures);
        await again.FlushAsync();
        var checksum = await again.ChecksumAsync();

        Assert.True(checksum.Matches(expected), "differs from one delivery:\n" + expected.Diff(checksum));
        // Packing changes positions, not outcomes: the same events enriched, as bots and quarantined as one record each.
        Assert.Equal(baseline.Checksum.Count("s3:enriched"), checksum.Count("s3:enriched"));
        Assert.Equal(baseline.Checksum.Count("s3:bots"), checksum.Count("s3:bots"));
        Assert.Equal(baseline.Checksum.Count("s3:quarantine"), checksum.Count("s3:quarantine"));
        var enriched = await StoreChecksum.EnrichedLinesAsync(again.Stack, again.Names.Bucket(Resources.Buckets.Enriched), "events/");
        Assert.Equal(W.ValidIds.Order(), enriched.Select(l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>()).Order());
        Assert.Contains(enriched, l => JsonNode.Parse(l)!["lineage"]!["subSequenceNumber"] is not null);
    }

    private async Task AssertSameAsBaseline(PlatformHarness harness)
    {
        await harness.FlushAsync();
        var checksum = await harness.ChecksumAsync();
        var detail = "";
        if (!checksum.Matches(baseline.Checksum))
        {
            var expected = (await StoreChecksum.EnrichedLinesAsync(baseline.Harness.Stack, baseline.Harness.Names.Bucket(Resources.Buckets.Enriched), "events/")).ToHashSet();
            var actual = await StoreChecksum.EnrichedLinesAsync(harness.Stack, harness.Names.Bucket(Resources.Buckets.Enriched), "events/");
            var first = actual.FirstOrDefault(l => !expected.Contains(l));
            if (first is not null)
            {
                var id = JsonNode.Parse(first)!["eventId"]!.GetValue<string>();
                detail = "\nfirst differing enriched record:\n" + first + "\nexpected:\n" + expected.FirstOrDefault(l => l.Contains(id, StringComparison.Ordinal));
            }
        }

        Assert.True(checksum.Matches(baseline.Checksum), "differs from one delivery:\n" + baseline.Checksum.Diff(checksum) + detail);
    }
}
