using System.Diagnostics;
using System.Globalization;
using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.Latency;
using ECommerceAgents.Local.Stack.Servers;
using ECommerceAgents.Testing;
using StackExchange.Redis;

namespace ECommerceAgents.Local.Tests.Latency;

/// <summary>
/// The AWS latency simulation over the wire, on a stack of the class's own (the simulation makes its Redis node
/// announce the proxy): calls through the proxies answer the same data as the servers do directly, and take at least
/// the delays the table gives them.
/// </summary>
public sealed class AwsLatencySimulationTests(AwsLatencySimulationTests.Fixture fixture) : IClassFixture<AwsLatencySimulationTests.Fixture>
{
    private const int Seed = 1234;

    public sealed class Fixture : IAsyncLifetime
    {
        public LocalStack Stack { get; private set; } = null!;

        public AwsLatencySimulation Latency { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            Stack = await TestStack.StartPrivateAsync("latency");
            Latency = await Stack.StartAwsLatencyAsync(Seed, recordActivity: true, CancellationToken.None);
        }

        public async ValueTask DisposeAsync() => await Stack.DisposeAsync();
    }

    [Fact]
    public async Task DynamoDbGetItem_ThroughTheProxy_SameItemAndAtLeastItsDrawnDelay()
    {
        var table = "latency-" + Guid.NewGuid().ToString("N")[..8];
        var direct = fixture.Stack.DynamoDbClient;
        await direct.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            KeySchema = [new KeySchemaElement("pk", KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition("pk", ScalarAttributeType.S)],
            BillingMode = BillingMode.PAY_PER_REQUEST,
        });
        // dynalite answers CreateTable with CREATING and a write before ACTIVE is refused as not found.
        while ((await direct.DescribeTableAsync(table)).Table.TableStatus != TableStatus.ACTIVE) await Task.Delay(20);
        var key = new Dictionary<string, AttributeValue> { ["pk"] = new("user-1") };
        await direct.PutItemAsync(table, new Dictionary<string, AttributeValue>(key) { ["name"] = new("Ada"), ["visits"] = new() { N = "42" } });
        using var proxied = DynamoDbClientFactory.Create(fixture.Latency.Endpoints);
        Assert.NotEqual(fixture.Stack.DirectEndpoints.DynamoDb, fixture.Latency.Endpoints.DynamoDb);

        // The simulation's draws for single-item calls, replayed from the same seed: this class makes the only ones.
        var draws = new LatencySampler(Seed);
        var expected = await direct.GetItemAsync(table, key);
        for (var i = 0; i < 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var actual = await proxied.GetItemAsync(table, key);
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;

            Assert.Equal(HttpStatusCode.OK, actual.HttpStatusCode);
            Assert.Equal(Flatten(expected.Item), Flatten(actual.Item));
            // The wait is rounded to whole milliseconds, dithered (up to 1 ms short of the draw), and Task.Delay counts
            // them on a millisecond clock, so it can end up to 1 ms before its span: 2 ms short at most.
            var drawn = draws.Next(AwsLatencyTable.DynamoDbItem).TotalMilliseconds;
            Assert.True(elapsed >= drawn - 2, $"GetItem {i} took {elapsed:0.00} ms, drawn {drawn:0.00} ms");
        }
    }

    [Fact]
    public async Task RedisPipeline_ThroughTheProxy_ClientStaysOnTheProxySameValuesAndDelayed()
    {
        var proxyPort = int.Parse(fixture.Latency.Endpoints.Redis!.Split(':')[1], CultureInfo.InvariantCulture);
        await using var redis = await RedisConnectionFactory.ConnectAsync(fixture.Latency.Endpoints.Redis!);
        // The node announces the proxy, so the cluster-aware client knows no other way to it.
        Assert.All(redis.GetEndPoints(), e => Assert.Equal(proxyPort, ((IPEndPoint)e).Port));

        var tag = "{latency:" + Guid.NewGuid().ToString("N") + "}";
        var db = redis.GetDatabase();
        const int pipelines = 40;
        var started = Stopwatch.GetTimestamp();
        for (var p = 0; p < pipelines; p++)
        {
            var batch = db.CreateBatch();
            var writes = Enumerable.Range(0, 5).Select(i => batch.StringSetAsync($"{tag}:{p}:{i}", $"value-{p}-{i}")).ToArray();
            batch.Execute();
            Assert.All(await Task.WhenAll(writes), Assert.True);
        }

        var ended = Stopwatch.GetTimestamp();
        var elapsed = Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds;
        var lowerBound = pipelines * AwsLatencyTable.ElastiCache.P50Milliseconds / 2;
        Assert.True(elapsed >= lowerBound, $"{pipelines} pipelines took {elapsed:0.00} ms");
        // And the proxy saw them: Redis had calls in flight through it for at least as long.
        Assert.True(fixture.Latency.Activity!.BusyMilliseconds(started, ended, AwsStore.Redis) >= lowerBound);

        // What the proxy handed back is what the node holds, read straight from it.
        var node = int.Parse(fixture.Stack.DirectEndpoints.Redis!.Split(':')[1], CultureInfo.InvariantCulture);
        await using var resp = await Resp.ConnectAsync("127.0.0.1", node, CancellationToken.None);
        var read = db.CreateBatch();
        var values = Enumerable.Range(0, 5).Select(i => read.StringGetAsync($"{tag}:7:{i}")).ToArray();
        read.Execute();
        foreach (var (value, i) in (await Task.WhenAll(values)).Select((v, i) => (v, i)))
        {
            Assert.Equal(await resp.CommandAsync(CancellationToken.None, "GET", $"{tag}:7:{i}"), value.ToString());
        }
    }

    private static string Flatten(Dictionary<string, AttributeValue> item) =>
        string.Join(";", item.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value.S}{a.Value.N}"));
}
