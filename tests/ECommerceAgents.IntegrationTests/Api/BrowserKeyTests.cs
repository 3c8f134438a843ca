using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Functions.Api;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// Browser keys over real HTTP, as a web page's tracker sends (text/plain with the write key in the body, an Origin on
/// every post): CORS preflights, the origin checked on every request, server keys refusing browser origins, the
/// per-IP and per-key limits, and the client IP on the stream. Clients bind to different loopback addresses
/// (127.0.0.0/8) so that one machine can play several visitors.
/// </summary>
public sealed class BrowserKeyTests(BrowserKeyFixture fixture) : IClassFixture<BrowserKeyFixture>
{
    private const string Shop = BrowserKeyFixture.Shop;
    private const string ClaimedIp = "203.0.113.9";

    private PlatformHarness _harness => fixture.Harness;
    private ApiInstance _api => fixture.Api;
    private string _browserKey => fixture.BrowserKey;
    private string _browserKeyId => fixture.BrowserKeyId;
    private string _serverKey => fixture.ServerKey;
    private string _serverKeyId => fixture.ServerKeyId;

    [Theory]
    [InlineData(Shop, "content-type")]
    [InlineData("https://www.brand.example", "Content-Type, Authorization")]
    [InlineData("https://SHOP.example:443", "")]
    public async Task Preflight_AllowedOrigin_204WithCorsHeadersForThatOrigin(string origin, string requestHeaders)
    {
        using var response = await PreflightAsync(_api, "v1/batch", origin, "POST", requestHeaders);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, Header(response, "Access-Control-Allow-Origin"));
        Assert.Equal("POST", Header(response, "Access-Control-Allow-Methods"));
        Assert.Contains("Content-Type", Header(response, "Access-Control-Allow-Headers"), StringComparison.Ordinal);
        Assert.Contains("Origin", Header(response, "Vary"), StringComparison.Ordinal);
        Assert.Null(Header(response, "Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("https://evil.example", "v1/batch", "POST", "content-type")]
    [InlineData("http://shop.example", "v1/batch", "POST", "content-type")]
    [InlineData("https://brand.example", "v1/track", "POST", "content-type")]
    [InlineData(Shop, "v1/events", "POST", "content-type")]
    [InlineData(Shop, "v1/users/u-1/profile", "GET", "")]
    [InlineData(Shop, "v1/batch", "PUT", "content-type")]
    [InlineData(Shop, "v1/batch", "POST", "content-type, x-custom")]
    public async Task Preflight_OtherOriginRouteMethodOrHeader_403WithoutCorsHeaders(string origin, string path, string method, string requestHeaders)
    {
        using var response = await PreflightAsync(_api, path, origin, method, requestHeaders);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.Null(Header(response, "Access-Control-Allow-Methods"));
    }

    [Fact]
    public async Task TextPlainPost_AllowedOrigin_200WithCorsHeaders_ContextIpIsTheRequestsAddress()
    {
        var messageId = "m-" + Guid.NewGuid();
        using var client = ClientFrom("127.0.0.7", _api);

        using var response = await PostBatchAsync(client, _browserKey, Shop, messageId);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal(Shop, Header(response, "Access-Control-Allow-Origin"));
        Assert.Contains("Origin", Header(response, "Vary"), StringComparison.Ordinal);
        var onStream = await OnStreamAsync(_browserKeyId, messageId);
        Assert.Equal("127.0.0.7", onStream["context"]!["ip"]!.GetValue<string>());
        Assert.NotEqual(ClaimedIp, onStream["context"]!["ip"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("lambda", """{"requestId":"r-1","identity":{"sourceIp":"198.51.100.23","userAgent":"Mozilla/5.0"}}""", "192.0.2.1", "198.51.100.23")]
    [InlineData("lambda", """{"requestId":"r-1","http":{"method":"POST","sourceIp":"2001:db8::7"}}""", "192.0.2.1", "2001:db8::7")]
    [InlineData("lambda", "", "192.0.2.1", "127.0.0.1")]
    [InlineData("x-forwarded-for", """{"identity":{"sourceIp":"198.51.100.23"}}""", "192.0.2.1, 198.51.100.50", "198.51.100.50")]
    [InlineData("connection", """{"identity":{"sourceIp":"198.51.100.23"}}""", "192.0.2.1", "127.0.0.1")]
    public async Task Post_BehindTheAdapterOrALoadBalancer_ContextIpIsWhatTheHopInFrontSaw(string source, string requestContext, string forwardedFor, string expected)
    {
        await using var behind = await ApiInstance.StartAsync(_harness.Environment, new Dictionary<string, string> { [SettingNames.ClientIpSource] = source });
        var messageId = "m-" + Guid.NewGuid();
        using var client = ClientFrom("127.0.0.1", behind);
        var headers = new List<(string, string)> { ("X-Forwarded-For", forwardedFor) };
        if (requestContext.Length > 0) headers.Add((ClientAddress.RequestContextHeader, requestContext));

        using var response = await PostBatchAsync(client, _browserKey, Shop, messageId, [.. headers]);

        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal(expected, (await OnStreamAsync(_browserKeyId, messageId))["context"]!["ip"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("8080", null, null, ClientIpSource.LambdaRequestContext)]
    [InlineData(null, "0.0.0.0", null, ClientIpSource.ForwardedFor)]
    [InlineData(null, null, null, ClientIpSource.Connection)]
    [InlineData("8080", null, "connection", ClientIpSource.Connection)]
    public void ClientIpSource_InferredFromWhereTheAppRuns_UnlessSet(string? lwaPort, string? listenAddress, string? setting, ClientIpSource expected)
    {
        var settings = new Dictionary<string, string?> { ["AWS_LWA_PORT"] = lwaPort, [SettingNames.ListenAddress] = listenAddress, [SettingNames.ClientIpSource] = setting };

        Assert.Equal(expected, ClientAddress.Default(name => settings.GetValueOrDefault(name)));
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("https://shop.example.evil.example")]
    [InlineData("null")]
    [InlineData(null)]
    public async Task TextPlainPost_OriginNotAllowedOrMissing_403NamingTheOrigin_NothingStored(string? origin)
    {
        var messageId = "m-" + Guid.NewGuid();
        using var client = ClientFrom("127.0.0.1", _api);

        using var response = await PostBatchAsync(client, _browserKey, origin, messageId);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("header:Origin", problem["errors"]![0]!["path"]!.GetValue<string>());
        Assert.Null(Header(response, "Access-Control-Allow-Origin"));
        Assert.DoesNotContain(await ApiInstance.StreamEventsAsync(_harness.Stack, _harness.Names), e => e["eventId"]!.GetValue<string>() == SegmentMapping.EventId(_browserKeyId, messageId));
    }

    [Fact]
    public async Task ServerKey_WithAnOrigin_403_WithoutOne_200AndContextIpKeptAsSent()
    {
        using var client = ClientFrom("127.0.0.1", _api);
        var refusedId = "m-" + Guid.NewGuid();
        var acceptedId = "m-" + Guid.NewGuid();

        using var refused = await PostBatchAsync(client, _serverKey, Shop, refusedId);
        using var accepted = await PostBatchAsync(client, _serverKey, null, acceptedId);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("server key", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(Header(refused, "Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(ClaimedIp, (await OnStreamAsync(_serverKeyId, acceptedId))["context"]!["ip"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("GET", "v1/products/search?q=book")]
    [InlineData("GET", "v1/users/u-1/profile")]
    [InlineData("GET", "v1/users/u-1/consent")]
    [InlineData("POST", "v1/admin/keys")]
    [InlineData("POST", "v1/events")]
    public async Task BrowserKey_OnQueryAdminOrServerIngestRoutes_403(string method, string path)
    {
        var content = method == "POST" ? new StringContent("""{"name":"x","role":"admin"}""", Encoding.UTF8, "application/json") : null;

        using var response = await _api.SendAsync(new HttpMethod(method), path, _browserKey, content, [("Origin", Shop)]);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("role is browser", (await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateKey_BrowserOrigins_ValidatedAndNormalised_ServerKeysTakeNone()
    {
        (object Body, string Path)[] refused =
        [
            (new { name = "b", role = "browser" }, "$.allowedOrigins"),
            (new { name = "b", role = "browser", allowedOrigins = Array.Empty<string>() }, "$.allowedOrigins"),
            (new { name = "b", role = "browser", allowedOrigins = new[] { Shop, "https://shop.example/checkout" } }, "$.allowedOrigins[1]"),
            (new { name = "b", role = "browser", allowedOrigins = new[] { "*" } }, "$.allowedOrigins[0]"),
            (new { name = "b", role = "browser", allowedOrigins = new[] { "https://*.com" } }, "$.allowedOrigins[0]"),
            (new { name = "s", role = "ingest", allowedOrigins = new[] { Shop } }, "$.allowedOrigins"),
        ];
        foreach (var (body, path) in refused)
        {
            using var response = await _api.SendAsync(HttpMethod.Post, "v1/admin/keys", ApiInstance.AdminKey, JsonContent.Create(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(path, (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!["path"]!.GetValue<string>());
        }

        using var created = await _api.SendAsync(HttpMethod.Post, "v1/admin/keys", ApiInstance.AdminKey,
            JsonContent.Create(new { name = "b", role = "browser", allowedOrigins = new[] { "HTTPS://Shop.Example:443", "http://localhost:3000" } }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var origins = (await created.Content.ReadFromJsonAsync<JsonObject>())!["allowedOrigins"]!.AsArray().Select(o => o!.GetValue<string>());
        Assert.Equal(["https://shop.example", "http://localhost:3000"], origins);
    }

    [Fact]
    public async Task RotatedBrowserKey_KeepsItsOrigins_RevokedKeysOriginNoLongerPreflights()
    {
        var (key, keyId) = await CreateBrowserKeyAsync(_api, "https://rotate.example");
        using var rotated = await _api.SendAsync(HttpMethod.Post, $"v1/admin/keys/{keyId}/rotate", ApiInstance.AdminKey);
        var replacement = (await rotated.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["https://rotate.example"], replacement["allowedOrigins"]!.AsArray().Select(o => o!.GetValue<string>()));
        using var client = ClientFrom("127.0.0.1", _api);
        using var withNew = await PostBatchAsync(client, replacement["key"]!.GetValue<string>(), "https://rotate.example", "m-" + Guid.NewGuid());
        using var withOld = await PostBatchAsync(client, key, "https://rotate.example", "m-" + Guid.NewGuid());
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (withNew.StatusCode, withOld.StatusCode));

        using var revoked = await _api.SendAsync(HttpMethod.Delete, $"v1/admin/keys/{replacement["keyId"]!.GetValue<string>()}", ApiInstance.AdminKey);
        using var preflight = await PreflightAsync(_api, "v1/batch", "https://rotate.example", "POST", "content-type");

        Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, preflight.StatusCode);
    }

    [Fact]
    public async Task PerIpLimit_OneVisitor429_AnotherVisitorAndAServerKeyFromTheSameIpPass()
    {
        await using var limited = await ApiInstance.StartAsync(_harness.Environment,
            new Dictionary<string, string> { [SettingNames.BrowserRateLimitPerIpRps] = "1", [SettingNames.BrowserRateLimitPerIpBurst] = "3" });
        using var visitor = ClientFrom("127.0.0.2", limited);
        using var otherVisitor = ClientFrom("127.0.0.3", limited);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++) answers.Add(await PostBatchAsync(visitor, _browserKey, Shop, "m-" + Guid.NewGuid()));
        using var other = await PostBatchAsync(otherVisitor, _browserKey, Shop, "m-" + Guid.NewGuid());
        var server = new List<HttpStatusCode>();
        for (var i = 0; i < 10; i++)
        {
            using var r = await PostBatchAsync(visitor, _serverKey, null, "m-" + Guid.NewGuid());
            server.Add(r.StatusCode);
        }

        var tooMany = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(tooMany);
        Assert.Equal(10, tooMany.Count + answers.Count(a => a.StatusCode == HttpStatusCode.OK));
        Assert.All(tooMany, r => Assert.True(r.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1)));
        Assert.All(tooMany, r => Assert.Equal(Shop, Header(r, "Access-Control-Allow-Origin")));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.All(server, s => Assert.Equal(HttpStatusCode.OK, s));
        answers.ForEach(a => a.Dispose());
    }

    [Fact]
    public async Task PerKeyLimit_OneBrowserKeyFromManyIps429_AnotherBrowserKeyPasses()
    {
        var (otherKey, _) = await CreateBrowserKeyAsync(_api, Shop);
        await using var limited = await ApiInstance.StartAsync(_harness.Environment,
            new Dictionary<string, string> { [SettingNames.RateLimitRps] = "1", [SettingNames.RateLimitBurst] = "4" });

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 12; i++)
        {
            using var client = ClientFrom($"127.0.1.{10 + i}", limited);
            using var r = await PostBatchAsync(client, _browserKey, Shop, "m-" + Guid.NewGuid());
            statuses.Add(r.StatusCode);
        }

        using var fresh = ClientFrom("127.0.1.10", limited);
        using var other = await PostBatchAsync(fresh, otherKey, Shop, "m-" + Guid.NewGuid());

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(12, statuses.Count(s => s is HttpStatusCode.OK or HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    internal static async Task<(string Key, string KeyId)> CreateBrowserKeyAsync(ApiInstance api, params string[] origins)
    {
        using var response = await api.SendAsync(HttpMethod.Post, "v1/admin/keys", ApiInstance.AdminKey, JsonContent.Create(new { name = "storefront", role = "browser", allowedOrigins = origins }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (created["key"]!.GetValue<string>(), created["keyId"]!.GetValue<string>());
    }

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (any 127.x.y.z reaches the loopback listener).</summary>
    private static HttpClient ClientFrom(string localAddress, ApiInstance api) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    { BaseAddress = api.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>What the tracker sends: a text/plain batch with the write key in the body, and the Origin a browser adds.</summary>
    private static async Task<HttpResponseMessage> PostBatchAsync(HttpClient client, string writeKey, string? origin, string messageId, params (string Name, string Value)[] headers)
    {
        var body = new JsonObject
        {
            ["writeKey"] = writeKey,
            ["batch"] = new JsonArray(new JsonObject
            {
                ["type"] = "track",
                ["event"] = "Product Viewed",
                ["anonymousId"] = "anon-browser",
                ["messageId"] = messageId,
                ["context"] = new JsonObject { ["ip"] = ClaimedIp, ["userAgent"] = "Mozilla/5.0" },
                ["properties"] = new JsonObject { ["product_id"] = "P-1", ["category"] = "books", ["price"] = 9.5 },
            }),
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/batch") { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "text/plain") };
        if (origin is not null) request.Headers.TryAddWithoutValidation("Origin", origin);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return await client.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> PreflightAsync(ApiInstance api, string path, string origin, string method, string requestHeaders)
    {
        var headers = new List<(string, string)> { ("Origin", origin), ("Access-Control-Request-Method", method) };
        if (requestHeaders.Length > 0) headers.Add(("Access-Control-Request-Headers", requestHeaders));
        return await api.SendAsync(HttpMethod.Options, path, key: null, headers: headers);
    }

    private async Task<JsonObject> OnStreamAsync(string keyId, string messageId)
    {
        var eventId = SegmentMapping.EventId(keyId, messageId);
        return Assert.Single(await ApiInstance.StreamEventsAsync(_harness.Stack, _harness.Names), e => e["eventId"]!.GetValue<string>() == eventId);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;
}

/// <summary>One stack, one API, one browser key and one server key for the whole class; the limit tests start their own API.</summary>
public sealed class BrowserKeyFixture : IAsyncLifetime
{
    public const string Shop = "https://shop.example";

    public PlatformHarness Harness { get; private set; } = null!;

    public ApiInstance Api { get; private set; } = null!;

    public string BrowserKey { get; private set; } = "";

    public string BrowserKeyId { get; private set; } = "";

    public string ServerKey { get; private set; } = "";

    public string ServerKeyId { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Harness = await PlatformHarness.StartAsync("browserkeys");
        Api = await ApiInstance.StartAsync(Harness.Environment);
        (BrowserKey, BrowserKeyId) = await BrowserKeyTests.CreateBrowserKeyAsync(Api, Shop, "https://*.brand.example");
        using var server = await Api.SendAsync(HttpMethod.Post, "v1/admin/keys", ApiInstance.AdminKey, JsonContent.Create(new { name = "shop-backend", role = "ingest" }));
        var created = (await server.Content.ReadFromJsonAsync<JsonObject>())!;
        (ServerKey, ServerKeyId) = (created["key"]!.GetValue<string>(), created["keyId"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Harness.DisposeAsync();
    }
}
