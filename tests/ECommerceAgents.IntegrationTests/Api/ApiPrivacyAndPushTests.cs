using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Resources;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// The SSE push received by a real HTTP client, consent opt-out, and a GDPR access request then erasure — each through
/// the API with StreamProcessor running behind it on the stream.
/// </summary>
public sealed class ApiPrivacyAndPushTests : IAsyncLifetime
{
    private ApiPipeline _p = null!;
    private string _ingest = "";
    private string _query = "";

    public async ValueTask InitializeAsync()
    {
        _p = await ApiPipeline.StartAsync("apipush");
        _ingest = await _p.Api.CreateKeyAsync("ingest");
        _query = await _p.Api.CreateKeyAsync("query");
    }

    public async ValueTask DisposeAsync() => await _p.DisposeAsync();

    private async Task PostAsync(params string[] events)
    {
        using var response = await _p.Api.PostJsonAsync("v1/events", _ingest, "[" + string.Join(",", events) + "]");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task RecommendationsStream_PushesTheListStreamProcessorPublishes()
    {
        // Other shoppers make four books trend.
        await PostAsync(Enumerable.Range(2, 4).SelectMany(i => Enumerable.Repeat(0, i).Select(_ => ApiInstance.ProductView($"u-other{i}", $"book-{i}"))).ToArray());
        await _p.DrainAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/users/u-sse/recommendations/stream");
        request.Headers.Add("x-api-key", _query);
        using var response = await _p.Api.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith(":", await reader.ReadLineAsync()); // no list yet: a comment, the connection stays open

        // The shopper looks at a book: StreamProcessor computes and publishes their list, the open stream receives it.
        await PostAsync(ApiInstance.ProductView("u-sse", "book-1"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? data = null;
        while (data is null)
        {
            var line = await reader.ReadLineAsync(timeout.Token);
            Assert.NotNull(line);
            if (line == "event: recommendations") data = (await reader.ReadLineAsync(timeout.Token))!;
        }

        Assert.StartsWith("data: ", data, StringComparison.Ordinal);
        var list = JsonNode.Parse(data["data: ".Length..])!;
        Assert.Equal("u-sse", list["userId"]!.GetValue<string>());
        var skus = list["items"]!.AsArray().Select(i => i!["sku"]!.GetValue<string>()).ToList();
        Assert.Contains("book-5", skus);
        Assert.DoesNotContain("book-1", skus); // not what they just saw
    }

    [Fact]
    public async Task ConsentOptOut_EventsCountedInAggregatesOnly_NoPersonalisation()
    {
        using (var put = await _p.Api.SendAsync(HttpMethod.Put, "v1/users/u-optout/consent", _ingest, JsonContent.Create(new { personalisation = false })))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var invalid = await _p.Api.SendAsync(HttpMethod.Put, "v1/users/u-optout/consent", _ingest, new StringContent("{\"personalisation\":\"no\"}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        }

        await PostAsync(ApiInstance.ProductView("u-optout", "lamp-1", "home"), ApiInstance.ProductView("u-optout", "lamp-2", "home"));
        await _p.DrainAsync();

        using var consent = await _p.Api.SendAsync(HttpMethod.Get, "v1/users/u-optout/consent", _query);
        Assert.False((await consent.Content.ReadFromJsonAsync<JsonObject>())!["personalisation"]!.GetValue<bool>());
        using var product = await _p.Api.SendAsync(HttpMethod.Get, "v1/products/lamp-1", _query);
        Assert.Equal(1, (await product.Content.ReadFromJsonAsync<JsonObject>())!["stats"]!["views"]!.GetValue<int>());
        // Nothing personal is built in Redis: no recently viewed list, no recommendations.
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(ECommerceAgents.Adapters.Redis.RedisConnectionFactory.Options(_p.Harness.Stack.Endpoints.Redis!)))
        {
            var keys = new ECommerceAgents.Adapters.Redis.RedisKeys(_p.Harness.RedisPrefix);
            var db = redis.GetDatabase();
            Assert.False(await db.KeyExistsAsync(keys.Recent("u-optout")));
            Assert.False(await db.KeyExistsAsync(keys.Recommendations("u-optout")));
        }

        using var profile = await _p.Api.SendAsync(HttpMethod.Get, "v1/users/u-optout/profile", _query);
        if (profile.StatusCode == HttpStatusCode.OK)
        {
            var json = (await profile.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Empty(json["recentlyViewed"]!.AsArray());
            Assert.Empty(json["affinities"]!["category"]!.AsArray());
        }
        else
        {
            Assert.Equal(HttpStatusCode.NotFound, profile.StatusCode);
        }

        var lines = await Testing.StoreChecksum.EnrichedLinesAsync(_p.Harness.Stack, _p.Harness.Names.Bucket(Buckets.Enriched), "events/");
        var mine = lines.Select(l => JsonNode.Parse(l)!).Where(n => n["data"]?["sku"]?.GetValue<string>() is "lamp-1" or "lamp-2").ToList();
        Assert.Equal(2, mine.Count);
        Assert.All(mine, n => Assert.True(n["enrichment"]?["consent"]?.GetValue<string>() == "aggregate_only", n.ToJsonString()));
    }

    [Fact]
    public async Task Export_ThenErase_ProfileAndCachesGoAtOnce_TombstoneAndAuditRecorded()
    {
        await PostAsync(ApiInstance.ProductView("u-gdpr", "toy-1", "toys"), ApiInstance.ProductView("u-gdpr", "toy-2", "toys"));
        await _p.DrainAsync();
        using (var before = await _p.Api.SendAsync(HttpMethod.Get, "v1/users/u-gdpr/profile", _query))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode); // and now cached in Redis
        }

        using (var forbidden = await _p.Api.SendAsync(HttpMethod.Get, "v1/users/u-gdpr/export", _query)) Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        using var export = await _p.Api.SendAsync(HttpMethod.Get, "v1/users/u-gdpr/export", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var held = (await export.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(held["profile"]);
        Assert.Contains("anon-u-gdpr", held["anonymousIds"]!.AsArray().Select(a => a!.GetValue<string>()));
        Assert.NotEmpty(held["sessions"]!.AsArray());
        Assert.Equal(["toy-2", "toy-1"], held["recentlyViewed"]!.AsArray().Select(r => r!["sku"]!.GetValue<string>()));
        var zones = held["alsoHeldIn"]!.AsArray().Select(z => z!["zone"]!.GetValue<string>()).ToList();
        Assert.Contains(zones, z => z.Contains("raw", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(zones, z => z.Contains("warehouse", StringComparison.OrdinalIgnoreCase));

        using var erase = await _p.Api.SendAsync(HttpMethod.Delete, "v1/users/u-gdpr", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.Accepted, erase.StatusCode);
        var erased = (await erase.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(erased["erasedNow"]!["redisKeys"]!.GetValue<int>() > 0);
        Assert.Equal("in_progress", erased["status"]!.GetValue<string>());
        var requestId = erased["requestId"]!.GetValue<string>();
        Assert.Equal("/v1/privacy/requests/" + requestId, erase.Headers.Location!.ToString());

        using (var after = await _p.Api.SendAsync(HttpMethod.Get, "v1/users/u-gdpr/profile", _query)) Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        using var again = await _p.Api.SendAsync(HttpMethod.Get, "v1/users/u-gdpr/export", ApiInstance.AdminKey);
        var left = (await again.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Null(left["profile"]);
        Assert.Empty(left["sessions"]!.AsArray());
        Assert.Empty(left["recentlyViewed"]!.AsArray());
        Assert.Contains(left["audit"]!.AsArray(), a => a!.ToJsonString().Contains("privacy.erasure.in_progress", StringComparison.Ordinal));

        var tombstone = await _p.Harness.Stack.DynamoDbClient.GetItemAsync(new GetItemRequest
        {
            TableName = _p.Harness.Names.Table(Tables.Tombstones),
            Key = new() { ["userId"] = new AttributeValue { S = "u-gdpr" } },
            ConsistentRead = true,
        });
        Assert.Equal("pending", tombstone.Item["status"].S);
        Assert.Contains("anon-u-gdpr", tombstone.Item["anonymousIds"].L.Select(v => v.S));
        Assert.Equal(requestId, tombstone.Item["requestId"].S);
    }
}
