using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Testing;
using ECommerceAgents.Resources;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>One API on Kestrel over one harness, with a key of each role.</summary>
public sealed class ApiSecurityFixture : IAsyncLifetime
{
    public PlatformHarness Harness { get; private set; } = null!;

    public ApiInstance Api { get; private set; } = null!;

    public string IngestKey { get; private set; } = "";

    public string QueryKey { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Harness = await PlatformHarness.StartAsync("apisec");
        Api = await ApiInstance.StartAsync(Harness.Environment);
        IngestKey = await Api.CreateKeyAsync("ingest");
        QueryKey = await Api.CreateKeyAsync("query");
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Harness.DisposeAsync();
    }
}

/// <summary>
/// Keys, roles, signatures and limits, through the real Kestrel server on loopback. Locally the app answers 401 (no
/// valid key) and 403 (wrong role); in AWS API Gateway's own key check answers 403 before the app is reached.
/// </summary>
public sealed class ApiSecurityTests(ApiSecurityFixture f) : IClassFixture<ApiSecurityFixture>
{
    /// <summary>Every route but health and the OpenAPI document, with the role it needs.</summary>
    public static TheoryData<string, string, string> Routes => new()
    {
        { "POST", "v1/events", "ingest" },
        { "POST", "v1/orders", "ingest" },
        { "POST", "v1/products", "ingest" },
        { "POST", "v1/webhooks/shop", "ingest" },
        { "PUT", "v1/users/u-1/consent", "ingest" },
        { "GET", "v1/users/u-1/consent", "query" },
        { "PUT", "v1/anonymous/u-1/consent", "ingest" },
        { "GET", "v1/anonymous/u-1/consent", "query" },
        { "GET", "v1/users/u-1/profile", "query" },
        { "GET", "v1/users/u-1/recommendations", "query" },
        { "GET", "v1/users/u-1/recommendations/stream", "query" },
        { "GET", "v1/products/sku-1", "query" },
        { "GET", "v1/products/search?q=lamp", "query" },
        { "GET", "v1/metrics/realtime", "query" },
        { "GET", "v1/users/u-1/export", "admin" },
        { "DELETE", "v1/users/u-1", "admin" },
        { "POST", "v1/admin/keys", "admin" },
        { "POST", "v1/admin/keys/k-1/rotate", "admin" },
        { "DELETE", "v1/admin/keys/k-1", "admin" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task EveryRoute_NoKeyOrUnknownKey_401_WrongRole_403(string method, string path, string role)
    {
        foreach (var key in new string?[] { null, "not-a-key-but-long-enough-0000" })
        {
            using var response = await f.Api.SendAsync(new HttpMethod(method), path, key, Body(method));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("ApiKey", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        var wrong = role == "ingest" ? f.QueryKey : f.IngestKey;
        using var forbidden = await f.Api.SendAsync(new HttpMethod(method), path, wrong, Body(method));
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var problem = await forbidden.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains(role, problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static StringContent? Body(string method) => method is "POST" or "PUT" ? new StringContent("{}", Encoding.UTF8, "application/json") : null;

    [Fact]
    public async Task Health_And_OpenApiDocument_NeedNoKey_DocumentListsTheRoutes()
    {
        using var health = await f.Api.SendAsync(HttpMethod.Get, "healthz", null);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", (await health.Content.ReadFromJsonAsync<JsonObject>())!["status"]!.GetValue<string>());

        using var openApi = await f.Api.SendAsync(HttpMethod.Get, "openapi/v1.json", null);
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        var doc = (await openApi.Content.ReadFromJsonAsync<JsonObject>())!;
        var paths = doc["paths"]!.AsObject().Select(p => p.Key).ToHashSet();
        foreach (var route in Routes.Select(r => "/" + r.Data.Item2.Split('?')[0]))
        {
            var template = route.Replace("sku-1", "{sku}", StringComparison.Ordinal).Replace("u-1", "{id}", StringComparison.Ordinal).Replace("k-1", "{keyId}", StringComparison.Ordinal).Replace("/shop", "/{source}", StringComparison.Ordinal);
            Assert.True(paths.Contains(template), template + " not in " + string.Join(", ", paths));
        }

        // The document generated at build time (functions/ECommerceAgents.Functions.Api/openapi) describes the same operations.
        var built = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Local.Stack.LocalStackOptions.FindRepositoryRoot(), "functions", "ECommerceAgents.Functions.Api", "openapi", "openapi.json")))!;
        static IEnumerable<string> Operations(JsonNode d) => d["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(m => m.Key + " " + p.Key)).Order(StringComparer.Ordinal);
        Assert.Equal(Operations(built), Operations(doc));
        Assert.Equal("ApiKey", built["components"]!["securitySchemes"]!.AsObject().Single().Key);
    }

    [Fact]
    public async Task StreamMode_ServesOnlyThePush_StillBehindTheKeyCheck()
    {
        await using var stream = await ApiInstance.StartAsync(f.Harness.Environment, new Dictionary<string, string> { [SettingNames.ApiMode] = "stream" });
        using (var ingest = await stream.PostJsonAsync("v1/events", f.IngestKey, ApiInstance.ProductView("u-s", "sku-s"))) Assert.Equal(HttpStatusCode.NotFound, ingest.StatusCode);
        using (var noKey = await stream.SendAsync(HttpMethod.Get, "v1/users/u-s/recommendations/stream", null)) Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        using (var wrongRole = await stream.SendAsync(HttpMethod.Get, "v1/users/u-s/recommendations/stream", f.IngestKey)) Assert.Equal(HttpStatusCode.Forbidden, wrongRole.StatusCode);
        using var health = await stream.SendAsync(HttpMethod.Get, "healthz", null);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task RevokedKey_401_RotatedKey_OldOneRefusedNewOneAccepted()
    {
        using var created = await f.Api.SendAsync(HttpMethod.Post, "v1/admin/keys", ApiInstance.AdminKey, JsonContent.Create(new { name = "rotating", role = "query" }));
        var first = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var firstKey = first["key"]!.GetValue<string>();
        using (var ok = await f.Api.SendAsync(HttpMethod.Get, "v1/metrics/realtime", firstKey)) Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var rotated = await f.Api.SendAsync(HttpMethod.Post, $"v1/admin/keys/{first["keyId"]}/rotate", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        var second = (await rotated.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("query", second["role"]!.GetValue<string>());
        Assert.NotEqual(firstKey, second["key"]!.GetValue<string>());
        using (var old = await f.Api.SendAsync(HttpMethod.Get, "v1/metrics/realtime", firstKey)) Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        using (var fresh = await f.Api.SendAsync(HttpMethod.Get, "v1/metrics/realtime", second["key"]!.GetValue<string>())) Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);

        using var revoked = await f.Api.SendAsync(HttpMethod.Delete, $"v1/admin/keys/{second["keyId"]}", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        using (var gone = await f.Api.SendAsync(HttpMethod.Get, "v1/metrics/realtime", second["key"]!.GetValue<string>())) Assert.Equal(HttpStatusCode.Unauthorized, gone.StatusCode);
        using (var unknown = await f.Api.SendAsync(HttpMethod.Delete, "v1/admin/keys/no-such-key", ApiInstance.AdminKey)) Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Keys_AreStoredHashed_NeverInClear()
    {
        var key = await f.Api.CreateKeyAsync("ingest", "hash-check");
        var scan = await f.Harness.Stack.DynamoDbClient.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest { TableName = f.Harness.Names.Table(Resources.Tables.ApiKeys) });
        var text = string.Join("\n", scan.Items.SelectMany(i => i.Values).Select(v => v.S ?? v.N ?? ""));
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.Contains(ECommerceAgents.Adapters.DynamoDb.ApiKeyStore.Hash(key), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_Signed_Accepted_Replayed_Stale_Forged_Malformed_Unknown_AllRefused401()
    {
        var body = ApiInstance.ProductView("u-webhook", "sku-w1");
        var now = DateTimeOffset.UtcNow;
        var signed = ApiInstance.Sign(body, now);

        using (var ok = await f.Api.PostJsonAsync("v1/webhooks/shop", f.IngestKey, body, signed))
        {
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        }

        async Task Refused(string path, string payload, (string, string)[] headers, string reason)
        {
            using var response = await f.Api.PostJsonAsync(path, f.IngestKey, payload, headers);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
        }

        await Refused("v1/webhooks/shop", body, signed, "replay");
        await Refused("v1/webhooks/shop", body, ApiInstance.Sign(body, now.AddMinutes(-6)), "window");
        await Refused("v1/webhooks/shop", body, ApiInstance.Sign(body, now.AddMinutes(6)), "window");
        await Refused("v1/webhooks/shop", body, ApiInstance.Sign(body, now, "a-guessed-secret"), "does not match");
        var otherBody = ApiInstance.ProductView("u-webhook", "sku-w2");
        await Refused("v1/webhooks/shop", otherBody, ApiInstance.Sign(body, now.AddSeconds(1)), "does not match");
        await Refused("v1/webhooks/shop", body, [("X-Timestamp", now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture))], "X-Signature");
        await Refused("v1/webhooks/shop", body, [signed[0], ("X-Signature", signed[1].Value + ", sha256=" + new string('0', 64))], "sha256=");
        await Refused("v1/webhooks/shop", body, [signed[0], ("X-Signature", signed[1].Value.ToUpperInvariant())], "sha256=");
        await Refused("v1/webhooks/shop", body, [("X-Timestamp", "1e9"), signed[1]], "Unix seconds");
        await Refused("v1/webhooks/stripe", body, ApiInstance.Sign(body, now), "No secret");

        // Only the one accepted delivery reached the stream.
        var events = await ApiInstance.StreamEventsAsync(f.Harness.Stack, f.Harness.Names);
        Assert.Single(events, e => e["userId"]?.GetValue<string>() == "u-webhook");
        Assert.Equal("webhook", events.Single(e => e["userId"]?.GetValue<string>() == "u-webhook")["lineage"]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task Body_OverOneMegabyte_413Problem_NothingWritten()
    {
        var big = "[" + string.Join(",", Enumerable.Repeat(ApiInstance.ProductView("u-big", "sku-big"), 1)) + "," + new string(' ', 1024 * 1024) + "]";
        // Expect: 100-continue, as well-behaved clients send large bodies: the API refuses before the body is sent.
        using var response = await f.Api.PostJsonAsync("v1/events", f.IngestKey, big, [("Expect", "100-continue")]);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        // Without a Content-Length (chunked), the limit still holds.
        using var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        request.Headers.ExpectContinue = true;
        request.Headers.Add("x-api-key", f.IngestKey);
        using var second = await f.Api.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, second.StatusCode);

        var events = await ApiInstance.StreamEventsAsync(f.Harness.Stack, f.Harness.Names);
        Assert.DoesNotContain(events, e => e["userId"]?.GetValue<string>() == "u-big");
    }

    [Fact]
    public async Task RateLimit_PerKey_BurstAnswered429WithRetryAfter_OtherKeysUnaffected()
    {
        await using var limited = await ApiInstance.StartAsync(f.Harness.Environment, new Dictionary<string, string> { [SettingNames.RateLimitRps] = "5", [SettingNames.RateLimitBurst] = "10" });
        var started = DateTime.UtcNow;
        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var r = await limited.SendAsync(HttpMethod.Get, "v1/users/u-1/consent", f.QueryKey);
            return (r.StatusCode, RetryAfter: r.Headers.RetryAfter?.Delta);
        }));
        var elapsed = (DateTime.UtcNow - started).TotalSeconds;

        var ok = answers.Count(a => a.StatusCode == HttpStatusCode.OK);
        var limitedCount = answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Equal(40, ok + limitedCount);
        Assert.InRange(ok, 10, 10 + (int)Math.Ceiling(elapsed * 5) + 5);
        Assert.True(limitedCount > 0);
        Assert.All(answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests), a => Assert.Equal(TimeSpan.FromSeconds(1), a.RetryAfter));

        // The limit is per key: another key still gets through at once.
        using var other = await limited.SendAsync(HttpMethod.Get, "v1/users/u-1/consent", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}
