using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.IntegrationTests.EventSources;

/// <summary>The local Kinesis poller keeps Lambda's event-source-mapping semantics, tested with a trivial function.</summary>
public sealed class KinesisEventSourceTests : IAsyncLifetime
{
    private LocalStack _stack = null!;
    private ResourceBindings _names = null!;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.GetAsync();
        _names = await TestStack.ResourcesForAsync(nameof(KinesisEventSourceTests));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<string> NewStreamAsync(int shards = 1)
    {
        var name = "poller-" + Guid.NewGuid().ToString("N")[..10];
        await _stack.KinesisClient.CreateStreamAsync(name, shards, CancellationToken.None);
        while ((await _stack.KinesisClient.DescribeStreamSummaryAsync(name, CancellationToken.None)).StreamStatus != "ACTIVE") await Task.Delay(20);
        return name;
    }

    private async Task PutAsync(string stream, IEnumerable<string> records, Func<string, string>? key = null)
    {
        var entries = records.Select(r => new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(r), key?.Invoke(r) ?? "k")).ToArray();
        var result = await _stack.KinesisClient.PutRecordsAsync(stream, entries, CancellationToken.None);
        Assert.True(result.AllSucceeded);
    }

    private async Task RunUntilCaughtUpAsync(KinesisEventSource source)
    {
        using var cts = new CancellationTokenSource();
        var run = source.RunAsync(cts.Token);
        try
        {
            await source.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
        }
        finally
        {
            await cts.CancelAsync();
            await run;
        }
    }

    private KinesisEventSource Source(string stream, RecordingFunction function, KinesisEventSourceOptions? options = null) =>
        new(_stack.KinesisClient, stream, "arn:aws:kinesis:us-east-1:000000000000:stream/" + stream, function,
            (options ?? new KinesisEventSourceOptions()) with
            {
                OnFailureBucket = _names.Bucket(Buckets.Quarantine),
                RetryBackoff = TimeSpan.FromMilliseconds(5),
                MaximumBatchingWindow = TimeSpan.FromMilliseconds(50),
            },
            _stack.S3Client);

    [Fact]
    public async Task AllSucceed_EveryRecordOnceAndInOrderPerShard()
    {
        var stream = await NewStreamAsync(shards: 2);
        var records = Enumerable.Range(0, 250).Select(i => $"{i % 5}:{i}").ToArray();
        await PutAsync(stream, records, r => "user-" + r[0]);
        var function = new RecordingFunction();

        await RunUntilCaughtUpAsync(Source(stream, function, new KinesisEventSourceOptions { BatchSize = 100 }));

        Assert.All(function.DeliveryCounts().Values, c => Assert.Equal(1, c));
        Assert.Equal(records.Order(), function.DeliveryCounts().Keys.Order());
        Assert.All(function.Batches, b => Assert.InRange(b.Count, 1, 100));
        foreach (var user in function.Batches.SelectMany(b => b).GroupBy(r => r[0]))
        {
            var order = user.Select(r => int.Parse(r[2..], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(order.Order(), order);
        }
    }

    [Fact]
    public async Task PartialBatchResponse_RetriesFromTheLowestFailedRecord()
    {
        var stream = await NewStreamAsync();
        var records = Enumerable.Range(0, 10).Select(i => "r" + i).ToArray();
        await PutAsync(stream, records);
        var function = new RecordingFunction((batch, n) =>
            n == 1 ? new StreamsEventResponse { BatchItemFailures = [new BatchItemFailure("r7"), new BatchItemFailure("r4")] } : null);

        await RunUntilCaughtUpAsync(Source(stream, function, new KinesisEventSourceOptions { BatchSize = 10 }));

        var batches = function.Batches.ToArray();
        Assert.Equal(records, batches[0]);
        Assert.Equal(records[4..], batches[1]);
        Assert.Equal(2, batches.Length);
    }

    [Fact]
    public async Task PartialBatchResponse_EmptyIdentifier_WholeBatchRetried()
    {
        var stream = await NewStreamAsync();
        var records = Enumerable.Range(0, 6).Select(i => "e" + i).ToArray();
        await PutAsync(stream, records);
        var function = new RecordingFunction((_, n) => n == 1 ? new StreamsEventResponse { BatchItemFailures = [new BatchItemFailure("")] } : null);

        await RunUntilCaughtUpAsync(Source(stream, function, new KinesisEventSourceOptions { BatchSize = 10 }));

        var batches = function.Batches.ToArray();
        Assert.Equal(2, batches.Length);
        Assert.Equal(records, batches[1]);
    }

    [Fact]
    public async Task FunctionError_BisectsToThePoisonRecord_WhichGoesToTheS3OnFailureDestination()
    {
        var stream = await NewStreamAsync();
        var records = Enumerable.Range(0, 16).Select(i => i == 11 ? "poison" : "ok" + i).ToArray();
        await PutAsync(stream, records);
        var function = new RecordingFunction((batch, _) => batch.Contains("poison") ? throw new InvalidOperationException("cannot process") : null);
        var source = Source(stream, function, new KinesisEventSourceOptions { BatchSize = 16, MaximumRetryAttempts = 2 });

        await RunUntilCaughtUpAsync(source);

        // Bisection narrows 16 → 8 → 4 → 2 → 1 without using retries; the lone poison record is then tried 1 + 2 times.
        var poisonAlone = function.Batches.Count(b => b.Count == 1 && b[0] == "poison");
        Assert.Equal(3, poisonAlone);
        Assert.Equal(4, source.Stats.Bisections);
        Assert.Equal(1, source.Stats.RecordsSentToOnFailure);
        var succeeded = function.Batches.Where(b => !b.Contains("poison")).SelectMany(b => b).ToHashSet();
        Assert.Equal(records.Where(r => r != "poison").Order(), succeeded.Order());

        var listing = await _stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _names.Bucket(Buckets.Quarantine), Prefix = ZoneLayout.FailedBatches });
        var failure = listing.S3Objects.Single(o => o.Key.Contains("/shardId-", StringComparison.Ordinal) && o.LastModified > DateTime.UtcNow.AddMinutes(-5) && o.Size > 0);
        using var body = await _stack.S3Client.GetObjectAsync(_names.Bucket(Buckets.Quarantine), failure.Key);
        var record = await JsonSerializer.DeserializeAsync<JsonElement>(body.ResponseStream);
        Assert.Equal("RetryAttemptsExhausted", record.GetProperty("requestContext").GetProperty("condition").GetString());
        Assert.Equal(1, record.GetProperty("KinesisBatchInfo").GetProperty("batchSize").GetInt32());
        var payload = JsonSerializer.Deserialize(record.GetProperty("payload").GetString()!, LambdaEventsJsonContext.Default.KinesisEvent)!;
        Assert.Equal("poison", Encoding.UTF8.GetString(payload.Records.Single().Kinesis.DecodeData()));
        Assert.Matches(@"^aws/lambda/[0-9a-f-]{36}/shardId-\d+/\d{4}/\d{2}/\d{2}/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f-]{36}$", failure.Key);
    }

    [Fact]
    public async Task Restart_ResumesAfterTheCheckpoint_NothingRedelivered()
    {
        var stream = await NewStreamAsync();
        var checkpoints = Path.Combine(Path.GetTempPath(), "eca-cp-" + Guid.NewGuid().ToString("N") + ".json");
        await PutAsync(stream, ["a1", "a2", "a3"]);
        var first = new RecordingFunction();
        await RunUntilCaughtUpAsync(Source(stream, first, new KinesisEventSourceOptions { CheckpointFile = checkpoints }));

        await PutAsync(stream, ["b1", "b2"]);
        var second = new RecordingFunction();
        await RunUntilCaughtUpAsync(Source(stream, second, new KinesisEventSourceOptions { CheckpointFile = checkpoints }));

        Assert.Equal(["a1", "a2", "a3"], first.Batches.SelectMany(b => b));
        Assert.Equal(["b1", "b2"], second.Batches.SelectMany(b => b));
        File.Delete(checkpoints);
    }
}
