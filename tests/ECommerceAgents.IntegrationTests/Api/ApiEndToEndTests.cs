using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using StackExchange.Redis;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>1,000 generated events posted through the API in batches of 10, then the pipeline drained.</summary>
public sealed class ApiEndToEndFixture : IAsyncLifetime
{
    public ApiPipeline Pipeline { get; private set; } = null!;

    public IReadOnlyList<GeneratedRecord> Sent { get; private set; } = [];

    public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);

    public async ValueTask InitializeAsync()
    {
        Pipeline = await ApiPipeline.StartAsync("apie2e");
        var ingest = await Pipeline.Api.CreateKeyAsync("ingest");
        var generator = new TrafficGenerator(new TrafficOptions
        {
            Seed = 7, Users = 60, Events = 1200, MalformedRate = 0, SchemaViolationRate = 0, DuplicateRate = 0, LateRate = 0, BotRate = 0,
            End = DateTimeOffset.UtcNow, Span = TimeSpan.FromMinutes(50),
        });
        Sent = generator.Generate().Where(r => r.Fault == Fault.None && r.EventId is not null).Take(1000).ToArray();
        Assert.Equal(1000, Sent.Count);

        var batches = Sent.Chunk(10).ToArray();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
        {
            var body = "[" + string.Join(",", batch.Select(AsProducerSends)) + "]";
            using var response = await Pipeline.Api.PostJsonAsync("v1/events", ingest, body);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            Assert.Equal(batch.Length, (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["accepted"]!.GetValue<int>());
        });
        foreach (var r in Sent) Ids.Add(r.EventId!);
        await Pipeline.DrainAsync();
    }

    public async ValueTask DisposeAsync() => await Pipeline.DisposeAsync();

    /// <summary>The generator stamps lineage as a producer behind the stream would see it; through the API the platform stamps it.</summary>
    private static string AsProducerSends(GeneratedRecord record)
    {
        var node = JsonNode.Parse(record.Data)!.AsObject();
        node.Remove("lineage");
        return node.ToJsonString();
    }
}

/// <summary>
/// End to end through the API: after the pipeline drains, exactly the posted events — none missing, none extra —
/// are in DynamoDB (one dedup marker each), in the Redis counters and in the enriched zone.
/// </summary>
public sealed class ApiEndToEndTests(ApiEndToEndFixture f) : IClassFixture<ApiEndToEndFixture>
{
    private PlatformHarness Harness => f.Pipeline.Harness;

    [Fact]
    public async Task EnrichedZone_HoldsExactlyThePostedEvents_Once()
    {
        var lines = await StoreChecksum.EnrichedLinesAsync(Harness.Stack, Harness.Names.Bucket(Buckets.Enriched), "events/");
        var ids = lines.Select(l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>()).ToList();
        Assert.Equal(1000, ids.Count);
        Assert.True(f.Ids.SetEquals(ids), "the enriched zone differs from what was posted");
        Assert.All(lines.Take(20), l => Assert.Equal("api", JsonNode.Parse(l)!["lineage"]!["source"]!.GetValue<string>()));
    }

    [Fact]
    public async Task DedupWindow_OneMarkerPerPostedEvent_AndNoneLeftInDynamoDb()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ECommerceAgents.Adapters.Redis.RedisConnectionFactory.Options(Harness.Stack.Endpoints.Redis!));
        var window = new ECommerceAgents.Adapters.Redis.RedisDedupWindow(redis, new ECommerceAgents.Adapters.Redis.RedisKeys(Harness.RedisPrefix), new ECommerceAgents.Domain.Processing.ProcessorOptions().DedupWindow);
        var found = await window.FindAsync(f.Ids.Select(id => new ECommerceAgents.Domain.Processing.DedupMarker(id, "elsewhere", default)).ToArray(), CancellationToken.None);
        var stored = 0L;
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: Harness.RedisPrefix + "d:*"))
            {
                if (await redis.GetDatabase().KeyTypeAsync(key) == RedisType.Set) stored += await redis.GetDatabase().SetLengthAsync(key);
            }
        }

        var dynamoMarkers = 0;
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Harness.Stack.DynamoDbClient.ScanAsync(new ScanRequest { TableName = Harness.Names.Table(Tables.Dedup), ExclusiveStartKey = start, ConsistentRead = true });
            dynamoMarkers += page.Items.Count(i => i["pk"].S.StartsWith("evt#", StringComparison.Ordinal));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        Assert.True(f.Ids.SetEquals(found.Select(m => m.EventId)), "every posted event id is in the window");
        Assert.Equal(f.Ids.Count, stored);
        Assert.Equal(0, dynamoMarkers);
    }

    [Fact]
    public async Task RedisCounters_CountEachPostedEventOnce_ByType()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(ECommerceAgents.Adapters.Redis.RedisConnectionFactory.Options(Harness.Stack.Endpoints.Redis!));
        var db = redis.GetDatabase();
        var totals = (await db.HashGetAllAsync(Harness.RedisPrefix + "{m}:totals")).ToDictionary(e => (string)e.Name!, e => (long)e.Value, StringComparer.Ordinal);
        Assert.Equal(1000, totals["events"]);
        foreach (var group in f.Sent.GroupBy(r => r.Type!))
        {
            Assert.Equal(group.Count(), totals.GetValueOrDefault("type:" + group.Key));
        }

        Assert.Equal(f.Sent.Select(r => r.Type).Distinct().Count(), totals.Keys.Count(k => k.StartsWith("type:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task MetricsAndQueries_AnswerFromWhatTheStoresHold()
    {
        var query = await f.Pipeline.Api.CreateKeyAsync("query");
        using var metrics = await f.Pipeline.Api.SendAsync(HttpMethod.Get, "v1/metrics/realtime", query);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        var json = (await metrics.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1000, json["totals"]!["events"]!.GetValue<double>());
        Assert.Equal(0, json["quality"]!["errorRatePercent"]!.GetValue<double>());
        Assert.False(json["stale"]!.GetValue<bool>());
        Assert.NotEmpty(json["trending"]!.AsObject());

        // A user the generator made active: profile from DynamoDB first (miss), then from the cache (hit).
        var user = f.Sent.Where(r => r.Type == "product_view" && JsonNode.Parse(r.Data)!["userId"] is not null)
            .GroupBy(r => JsonNode.Parse(r.Data)!["userId"]!.GetValue<string>()).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First();
        using var miss = await f.Pipeline.Api.SendAsync(HttpMethod.Get, $"v1/users/{user.Key}/profile", query);
        Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        Assert.Equal("miss", miss.Headers.GetValues("x-cache").Single());
        var profile = (await miss.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(user.Key, profile["userId"]!.GetValue<string>());
        Assert.True(profile["affinities"]!["category"]!.AsArray().Count > 0, profile.ToJsonString());
        using var hit = await f.Pipeline.Api.SendAsync(HttpMethod.Get, $"v1/users/{user.Key}/profile", query);
        Assert.Equal("hit", hit.Headers.GetValues("x-cache").Single());

        using var recommendations = await f.Pipeline.Api.SendAsync(HttpMethod.Get, $"v1/users/{user.Key}/recommendations", query);
        Assert.Equal(HttpStatusCode.OK, recommendations.StatusCode);
        Assert.Equal(user.Key, (await recommendations.Content.ReadFromJsonAsync<JsonObject>())!["userId"]!.GetValue<string>());

        var viewed = JsonNode.Parse(user.First().Data)!["data"]!["sku"]!.GetValue<string>();
        using var product = await f.Pipeline.Api.SendAsync(HttpMethod.Get, $"v1/products/{viewed}", query);
        Assert.Equal(HttpStatusCode.OK, product.StatusCode);
        var views = f.Sent.Count(r => r.Type == "product_view" && JsonNode.Parse(r.Data)!["data"]!["sku"]!.GetValue<string>() == viewed);
        Assert.Equal(views, (await product.Content.ReadFromJsonAsync<JsonObject>())!["stats"]!["views"]!.GetValue<int>());

        using var unknown = await f.Pipeline.Api.SendAsync(HttpMethod.Get, "v1/users/nobody-here/profile", query);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using var badId = await f.Pipeline.Api.SendAsync(HttpMethod.Get, "v1/users/%20bad/profile", query);
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        using var search = await f.Pipeline.Api.SendAsync(HttpMethod.Get, "v1/products/search?q=lamp", query);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, search.StatusCode);
        Assert.Contains("OPENSEARCH_ENDPOINT", (await search.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
