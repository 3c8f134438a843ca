using System.Text;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Processing;
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
        // Each request's events share one partition key: one record per request, its events newline-delimited.
        Assert.Equal(120, records);
        Assert.True(calls < 120, $"{calls} calls for 120 concurrent requests: nothing was committed together");

        var onStream = await StreamContents.ReadAllAsync(_harness.Stack.KinesisClient, _harness.Names.Stream(Streams.Events));
        Assert.Equal(120, onStream.Count);
        var events = onStream.SelectMany(r => Encoding.UTF8.GetString(r.Data).Split('\n')).ToList();
        Assert.Equal(expected, events.Count);
        Assert.Equal(expected, events.Distinct().Count());
        Assert.All(onStream, r =>
        {
            var lines = Encoding.UTF8.GetString(r.Data).Split('\n');
            var request = System.Text.Json.JsonDocument.Parse(lines[0]).RootElement.GetProperty("r").GetInt32();
            Assert.Equal($"k{request}", r.PartitionKey);
            Assert.Equal(Enumerable.Range(0, lines.Length).Select(i => $"{{\"r\":{request},\"i\":{i}}}"), lines);
        });
    }

    [Fact]
    public void Pack_GroupsEventsByPartitionKeyInOrder_SplitsAtTheSizeLimit_LeavesOddEventsAlone()
    {
        AcceptedEvent E(int i, string key, string json) => new(i, $"e{i}", "page_view", key, Encoding.UTF8.GetBytes(json));
        var big = "{\"pad\":\"" + new string('x', 60) + "\"}";
        var events = new[]
        {
            E(0, "a", "{\"n\":0}"),
            E(1, "b", "{\"n\":1}"),
            E(2, "a", "{\"n\":2}"),
            E(3, "a", "{\n\"n\":3}"), // holds a newline: its own record
            E(4, "b", big),
            E(5, "b", big), // would pass the limit with 1 and 4: a new record for b
            E(6, "c", "[1]"), // not an object: its own record
        };

        var records = StreamInput.Pack(events, maxBytes: 100).ToList();

        Assert.Equal([[0, 2], [1, 4], [3], [5], [6]], records.Select(r => r.Events).OrderBy(e => e[0]).ToList());
        Assert.All(records, r => Assert.True(r.Events.Length == 1 || r.Data.Length <= 100, $"{r.Data.Length} bytes packed"));
        var joined = records.Single(r => r.Events[0] == 0);
        Assert.Equal("{\"n\":0}\n{\"n\":2}", Encoding.UTF8.GetString(joined.Data));
        Assert.Same(events[6].Record, records.Single(r => r.Events[0] == 6).Data);
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
