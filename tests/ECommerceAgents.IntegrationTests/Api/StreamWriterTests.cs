using System.Text;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>The API's group-committing writer against the Kinesis stand-in.</summary>
public sealed class StreamWriterTests : IAsyncLifetime
{
    private PlatformHarness _harness = null!;

    public async ValueTask InitializeAsync() => _harness = await PlatformHarness.StartAsync("writer");

    public async ValueTask DisposeAsync() => await _harness.DisposeAsync();

    private static AcceptedEvent[] Events(int request, int count) =>
        Enumerable.Range(0, count).Select(i => new AcceptedEvent(i, $"r{request}-e{i}", "page_view", $"k{request}", Encoding.UTF8.GetBytes($"{{\"r\":{request},\"i\":{i}}}"))).ToArray();

    [Fact]
    public async Task ConcurrentRequests_ShareCalls_EachRecordWrittenOnce_EachRequestAnsweredForItsOwn()
    {
        var writer = new KinesisEventStreamWriter(_harness.Stack.KinesisClient, _harness.Names.Stream(Streams.Events));
        var results = await Task.WhenAll(Enumerable.Range(0, 120).Select(r => Task.Run(() => writer.WriteAsync(Events(r, 1 + (r % 10)), CancellationToken.None))));

        Assert.All(results.Select((res, r) => (res, r)), x =>
        {
            Assert.True(x.res.AllWritten);
            Assert.Equal(1 + (x.r % 10), x.res.Written);
        });
        var expected = Enumerable.Range(0, 120).Sum(r => 1 + (r % 10));
        var (calls, records) = writer.Sent;
        Assert.Equal(expected, records);
        Assert.True(calls < 120, $"{calls} calls for 120 concurrent requests: nothing was committed together");

        var onStream = (await ApiInstance.ReadStreamAsync(_harness.Stack.KinesisClient, _harness.Names.Stream(Streams.Events))).Select(r => Encoding.UTF8.GetString(r.Data)).ToList();
        Assert.Equal(expected, onStream.Count);
        Assert.Equal(expected, onStream.Distinct().Count());
    }

    [Fact]
    public async Task StreamUnreachable_EveryRequestGetsAllItsRecordsFailed_NoneHangs()
    {
        FaultProxy.SkipUnlessProxyable(_harness.Stack.Endpoints.Kinesis, "Kinesis");
        await using var proxy = new FaultProxy(_harness.Stack.Endpoints.Kinesis!.Port) { Decide = (_, _, _) => ProxyDecision.Drop };
        var kinesis = StreamClients.Kinesis(_harness.Stack.Endpoints with { Kinesis = proxy.Endpoint });
        var writer = new KinesisEventStreamWriter(kinesis, _harness.Names.Stream(Streams.Events));
        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(r => writer.WriteAsync(Events(r, 3), CancellationToken.None))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(results, r =>
        {
            Assert.False(r.AllWritten);
            Assert.Equal([0, 1, 2], r.Failed);
        });
    }
}
