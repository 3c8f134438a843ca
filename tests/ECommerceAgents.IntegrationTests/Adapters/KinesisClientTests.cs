using System.Text;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Adapters;

public sealed class KinesisClientTests : IAsyncLifetime
{
    private KinesisClient _kinesis = null!;
    private string _stream = null!;

    public async ValueTask InitializeAsync()
    {
        var stack = await TestStack.GetAsync();
        var names = await TestStack.ResourcesForAsync(nameof(KinesisClientTests));
        _kinesis = stack.KinesisClient;
        _stream = names.Stream(Streams.Events);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task PutRecords_1200Records_GetRecordsReturnsEachOnceInOrderPerKey()
    {
        var records = Enumerable.Range(0, 1200)
            .Select(i => new PutRecordsRequestEntry(Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"), "user-" + (i % 37)))
            .ToArray();

        var put = await _kinesis.PutRecordsAsync(_stream, records, CancellationToken.None);

        Assert.True(put.AllSucceeded);
        Assert.Equal(3, put.Calls); // 500 + 500 + 200: PutRecords takes at most 500 records a call
        Assert.All(put.Outcomes, o => Assert.NotNull(o.SequenceNumber));

        var read = new List<StreamRecord>();
        foreach (var shard in await _kinesis.ListShardsAsync(_stream, CancellationToken.None))
        {
            var iterator = await _kinesis.GetShardIteratorAsync(new GetShardIteratorRequest(_stream, shard.ShardId, "TRIM_HORIZON"), CancellationToken.None);
            while (true)
            {
                var page = await _kinesis.GetRecordsAsync(iterator, 1000, CancellationToken.None);
                read.AddRange(page.Records);
                if (page.Records.Count == 0 || page.NextShardIterator is null) break;
                iterator = page.NextShardIterator;
            }
        }

        Assert.Equal(1200, read.Count);
        var numbers = read.Select(r => int.Parse(Encoding.UTF8.GetString(r.Data)[5..^1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Enumerable.Range(0, 1200), numbers.Order());
        foreach (var key in read.GroupBy(r => r.PartitionKey))
        {
            var inKeyOrder = key.Select(r => int.Parse(Encoding.UTF8.GetString(r.Data)[5..^1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(inKeyOrder.Order(), inKeyOrder);
        }

        Assert.All(read, r => Assert.True(r.ApproximateArrivalTimestamp > 1_700_000_000, "epoch seconds"));
    }

    [Fact]
    public async Task PutRecords_RecordOver1MiB_FailsAloneWithoutACall()
    {
        var records = new[]
        {
            new PutRecordsRequestEntry(new byte[1024 * 1024 + 1], "k"),
            new PutRecordsRequestEntry("ok"u8.ToArray(), "k"),
        };

        var put = await _kinesis.PutRecordsAsync(_stream, records, CancellationToken.None);

        Assert.Equal("RecordTooLarge", put.Outcomes[0].ErrorCode);
        Assert.True(put.Outcomes[1].Succeeded);
        Assert.Equal(1, put.Calls);
    }

    [Fact]
    public async Task DescribeStream_UnknownStream_ServiceErrorCodeParsed()
    {
        var error = await Assert.ThrowsAsync<AwsServiceException>(() => _kinesis.DescribeStreamSummaryAsync("no-such-stream-" + Guid.NewGuid().ToString("N")[..6], CancellationToken.None));

        Assert.Equal("ResourceNotFoundException", error.ErrorCode);
        Assert.False(error.IsRetryable);
    }
}
