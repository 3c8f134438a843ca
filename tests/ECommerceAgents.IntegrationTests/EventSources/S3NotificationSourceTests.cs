using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.IntegrationTests.EventSources;

public sealed class S3NotificationSourceTests : IAsyncLifetime
{
    private LocalStack _stack = null!;
    private ResourceBindings _names = null!;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.GetAsync();
        _names = await TestStack.ResourcesForAsync(nameof(S3NotificationSourceTests));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task NewObjectUnderPrefix_DeliveredOnceAsObjectCreatedWithFormEncodedKey_OverwriteDeliveredAgain()
    {
        var bucket = _names.Bucket(Buckets.Landing);
        var events = new List<EventBridgeEvent>();
        var source = new S3EventBridgeSource(_stack.S3Client, bucket, ZoneLayout.CatalogIncoming, new Recorder(events), stateFile: null, region: "eu-west-1");
        await _stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "catalog/incoming/summer sale.csv", ContentBody = "sku,title\n" });
        await _stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "catalog/reports/ignored.json", ContentBody = "{}" });

        await source.PollOnceAsync(CancellationToken.None);
        await source.PollOnceAsync(CancellationToken.None);

        var evt = Assert.Single(events);
        Assert.Equal(("aws.s3", "Object Created", "000000000000", "eu-west-1"), (evt.Source, evt.DetailType, evt.Account, evt.Region));
        Assert.Equal([$"arn:aws:s3:::{bucket}"], evt.Resources);
        var detail = evt.AsS3ObjectCreated()!;
        Assert.Equal(bucket, detail.Bucket.Name);
        Assert.Equal("catalog/incoming/summer+sale.csv", detail.Object.Key);
        Assert.Equal("catalog/incoming/summer sale.csv", detail.Object.FallbackKey);
        Assert.Equal((10L, "PutObject"), (detail.Object.Size, detail.Reason));
        Assert.Matches("^[0-9a-f]{32}$", detail.Object.ETag);

        await _stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "catalog/incoming/summer sale.csv", ContentBody = "sku,title\nA,b\n" });
        await source.PollOnceAsync(CancellationToken.None);

        Assert.Equal(2, events.Count);
        Assert.Equal(2, source.Delivered);
    }

    [Fact]
    public async Task FunctionFailsOnce_RetriedAndDeliveredOnce()
    {
        var bucket = _names.Bucket(Buckets.Processed);
        var events = new List<EventBridgeEvent>();
        var source = new S3EventBridgeSource(_stack.S3Client, bucket, ZoneLayout.SearchOutbox, new Recorder(events, failures: 1), stateFile: null);
        await _stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "search-outbox/products/dt=2026-01-01/retry.ndjson", ContentBody = "{}\n" });

        await source.PollOnceAsync(CancellationToken.None);

        Assert.Equal((1, 0, 1), (source.Delivered, source.Failed, events.Count));
        Assert.Equal("search-outbox/products/dt%3D2026-01-01/retry.ndjson", events[0].AsS3ObjectCreated()!.Object.Key);
    }

    [Fact]
    public async Task StateFileOfTheNotificationSource_SeenObjectsNotDeliveredAgain()
    {
        var bucket = _names.Bucket(Buckets.Raw);
        const string key = "catalog/incoming/seen.csv";
        await _stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = "sku,title\n" });
        var listed = Assert.Single((await _stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = key })).S3Objects);
        var stateFile = Path.Combine(Path.GetTempPath(), $"s3-seen-{Guid.NewGuid():N}.json");
        // The format the S3-notification source wrote: key → ETag as listed.
        await File.WriteAllTextAsync(stateFile, new JsonObject { [key] = listed.ETag }.ToJsonString());
        try
        {
            var events = new List<EventBridgeEvent>();
            var source = new S3EventBridgeSource(_stack.S3Client, bucket, ZoneLayout.CatalogIncoming, new Recorder(events), stateFile);

            await source.PollOnceAsync(CancellationToken.None);

            Assert.Empty(events);
        }
        finally
        {
            File.Delete(stateFile);
        }
    }

    [Fact]
    public async Task CaughtUp_OnlyAfterAListingThatStartedAfterTheCall()
    {
        // A poll that listed the prefix before an object arrived, and ends after the drain was asked, must not count:
        // the demo's drain once returned with a catalog file not yet delivered (CatalogImport's events then missed
        // the reconciliation).
        var bucket = _names.Bucket(Buckets.Landing);
        const string prefix = "catalog/incoming/drain-race/";
        var handler = new HoldFirst();
        var source = new S3EventBridgeSource(_stack.S3Client, bucket, prefix, handler, stateFile: null) { PollInterval = TimeSpan.FromMilliseconds(300) };
        await _stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = prefix + "a.csv", ContentBody = "sku,title\n" });
        using var stop = new CancellationTokenSource();
        var running = source.RunAsync(stop.Token);
        try
        {
            await handler.FirstEntered.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await _stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = prefix + "b.csv", ContentBody = "sku,title\n" });
            var drained = source.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            handler.Release.SetResult();

            await drained;

            Assert.Equal([prefix + "a.csv", prefix + "b.csv"], handler.Keys.Order(StringComparer.Ordinal));
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    /// <summary>Holds its first invocation until released; records every object key delivered.</summary>
    private sealed class HoldFirst : IFunctionHandler
    {
        private int _calls;

        public TaskCompletionSource FirstEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public System.Collections.Concurrent.ConcurrentQueue<string> Keys { get; } = new();

        public string Name => "s3-hold-first";

        public async Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                FirstEntered.SetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }

            Keys.Enqueue(JsonSerializer.Deserialize(payload.Span, LambdaEventsJsonContext.Default.EventBridgeEvent)!.AsS3ObjectCreated()!.Object.Key);
            return "{}"u8.ToArray();
        }
    }

    private sealed class Recorder(List<EventBridgeEvent> events, int failures = 0) : IFunctionHandler
    {
        private int _failures = failures;

        public string Name => "s3-recorder";

        public Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken)
        {
            if (_failures-- > 0) throw new InvalidOperationException("the function failed");
            events.Add(JsonSerializer.Deserialize(payload.Span, LambdaEventsJsonContext.Default.EventBridgeEvent)!);
            return Task.FromResult("{}"u8.ToArray());
        }
    }
}
