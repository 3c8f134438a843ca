using System.Text.Json;
using Amazon.S3.Model;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

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
    public async Task NewObjectUnderPrefix_DeliveredOnceWithFormEncodedKey_OverwriteDeliveredAgain()
    {
        var bucket = _names.Bucket(Buckets.Landing);
        var events = new List<S3Event>();
        var function = new S3Function(events);
        var source = new S3NotificationSource(_stack.S3Client, bucket, Prefixes.CatalogIncoming, function, stateFile: null);
        await _stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "catalog/incoming/summer sale.csv", ContentBody = "sku,title\n" });
        await _stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "catalog/reports/ignored.json", ContentBody = "{}" });

        await source.PollOnceAsync(CancellationToken.None);
        await source.PollOnceAsync(CancellationToken.None);

        var record = Assert.Single(events).Records.Single();
        Assert.Equal("catalog/incoming/summer+sale.csv", record.S3.Item.Key);
        Assert.Equal("catalog/incoming/summer sale.csv", record.S3.Item.DecodedKey);
        Assert.Equal(bucket, record.S3.Bucket.Name);
        Assert.Equal("ObjectCreated:Put", record.EventName);

        await _stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = "catalog/incoming/summer sale.csv", ContentBody = "sku,title\nA,b\n" });
        await source.PollOnceAsync(CancellationToken.None);

        Assert.Equal(2, events.Count);
        Assert.Equal(1, source.Delivered - 1);
    }

    private sealed class S3Function(List<S3Event> events) : IFunctionHandler
    {
        public string Name => "s3-recorder";

        public Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken)
        {
            events.Add(JsonSerializer.Deserialize(payload.Span, LambdaEventsJsonContext.Default.S3Event)!);
            return Task.FromResult("{}"u8.ToArray());
        }
    }
}
