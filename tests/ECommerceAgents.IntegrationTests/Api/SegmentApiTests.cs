using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>One stack, one API and one write key for the whole class: every test sends its own message ids.</summary>
public sealed class SegmentApiFixture : IAsyncLifetime
{
    public PlatformHarness Harness { get; private set; } = null!;

    public ApiInstance Api { get; private set; } = null!;

    public string WriteKey { get; private set; } = "";

    public string KeyId { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Harness = await PlatformHarness.StartAsync("segmentapi");
        Api = await ApiInstance.StartAsync(Harness.Environment);
        using var response = await Api.SendAsync(HttpMethod.Post, "v1/admin/keys", ApiInstance.AdminKey, JsonContent.Create(new { name = "segment-source", role = "ingest" }));
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        (WriteKey, KeyId) = (created["key"]!.GetValue<string>(), created["keyId"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        await Harness.DisposeAsync();
    }
}

/// <summary>
/// The Segment tracking API's single-call routes over HTTP, as an SDK or analytics.js sends them: the write key as the
/// Basic username or in a text/plain body, gzip bodies, Segment's limits and the status codes the SDKs act on.
/// </summary>
public sealed class SegmentApiTests(SegmentApiFixture fixture) : IClassFixture<SegmentApiFixture>
{
    private PlatformHarness _harness => fixture.Harness;
    private ApiInstance _api => fixture.Api;
    private string _writeKey => fixture.WriteKey;
    private string _keyId => fixture.KeyId;

    public static TheoryData<string, string, string> Calls() => new()
    {
        { "track", """{"event":"Product Viewed","properties":{"product_id":"P-1","category":"books","price":9.5}}""", "product_view" },
        { "identify", """{"traits":{"email":"pat@example.com"}}""", "identify" },
        { "page", """{"name":"Home","properties":{"url":"https://shop.example/"}}""", "page_view" },
        { "screen", """{"name":"Basket"}""", "screen_view" },
        { "alias", """{"previousId":"{anon}"}""", "identify" },
        { "group", """{"groupId":"acme","traits":{"plan":"pro"}}""", "group" },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task SingleCall_BasicAuthWriteKey_200_EventOnTheStreamUnderItsMessageId(string call, string fields, string type)
    {
        var messageId = "msg-" + Guid.NewGuid();
        var anonymousId = "anon-" + Guid.NewGuid().ToString("N")[..12];
        var body = JsonNode.Parse(fields.Replace("{anon}", anonymousId, StringComparison.Ordinal))!.AsObject();
        body["messageId"] = messageId;
        body["userId"] = "u-" + call;
        if (call != "alias") body["anonymousId"] = anonymousId;

        using var response = await PostAsync(call, body.ToJsonString(), basic: _writeKey);

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var eventId = SegmentMapping.EventId(_keyId, messageId);
        Assert.Equal(eventId, (await response.Content.ReadFromJsonAsync<JsonObject>())!["eventIds"]![0]!.GetValue<string>());
        var onStream = Assert.Single(await ApiInstance.StreamEventsAsync(_harness.Stack, _harness.Names), e => e["eventId"]!.GetValue<string>() == eventId);
        Assert.Equal($"com.ecommerceagents/{type}/1-0-0", onStream["schema"]!.GetValue<string>());
        Assert.Equal(("u-" + call, anonymousId), (onStream["userId"]!.GetValue<string>(), onStream["anonymousId"]!.GetValue<string>()));
        Assert.Equal("segment", onStream["lineage"]!["source"]!.GetValue<string>());
    }

    [Fact]
    public async Task Track_TextPlainWriteKeyInBody_AsAnalyticsJsSends_Accepted()
    {
        var body = $$$"""{"writeKey":"{{{_writeKey}}}","event":"Coupon Applied","anonymousId":"a-plain","messageId":"m-plain","properties":{"coupon":"X"}}""";

        using var response = await _api.SendAsync(HttpMethod.Post, "v1/track", key: null, new StringContent(body, Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!.GetValue<int>());
    }

    [Fact]
    public async Task Page_GzipBody_Unpacked_Accepted()
    {
        var json = """{"anonymousId":"a-gzip","messageId":"m-gzip","properties":{"url":"https://shop.example/gz","title":"Gzip"}}""";
        using var packed = new MemoryStream();
        await using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true)) await gzip.WriteAsync(Encoding.UTF8.GetBytes(json));
        var content = new ByteArrayContent(packed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await _api.SendAsync(HttpMethod.Post, "v1/page", key: null, content, [("Authorization", Basic(_writeKey))]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var eventId = SegmentMapping.EventId(_keyId, "m-gzip");
        var onStream = Assert.Single(await ApiInstance.StreamEventsAsync(_harness.Stack, _harness.Names), e => e["eventId"]!.GetValue<string>() == eventId);
        Assert.Equal("https://shop.example/gz", onStream["data"]!["url"]!.GetValue<string>());
    }

    [Fact]
    public async Task Limits_EachRefusedWith400AndItsReason()
    {
        var longId = new string('m', SegmentMapping.MaxMessageIdLength + 1);
        var bigMessage = $$$"""{"anonymousId":"a-1","event":"X","properties":{"blob":"{{{new string('x', SegmentMapping.MaxMessageBytes)}}}"}}""";
        var manyMessages = "{\"batch\":[" + string.Join(",", Enumerable.Repeat("""{"type":"track","event":"X","anonymousId":"a"}""", SegmentMapping.MaxBatchMessages + 1)) + "]}";
        var bigBatch = "{\"batch\":[" + string.Join(",", Enumerable.Repeat($$$"""{"type":"track","event":"X","anonymousId":"a","properties":{"b":"{{{new string('y', 20_000)}}}"}}""", 30)) + "]}";
        (string Route, string Body, string Expected)[] cases =
        [
            ("track", """{"event":"X","messageId":"m-noid"}""", "userId or anonymousId is required"),
            ("track", $$"""{"event":"X","anonymousId":"a-1","messageId":"{{longId}}"}""", "messageId is at most 100 characters"),
            ("track", bigMessage, "at most 32768 bytes"),
            ("track", """{"event":"X","anonymousId":"a-1",""", "not valid JSON"),
            ("batch", manyMessages, "at most 2500 messages"),
            ("batch", bigBatch, "500 KB"),
        ];

        foreach (var (route, body, expected) in cases)
        {
            using var response = await PostAsync(route, body, basic: _writeKey);

            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{route} {expected}: {(int)response.StatusCode} {text}");
            Assert.Contains(expected, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Batch_OneBadMessage_200_GoodOnesKept_BadOneNamedByIndex()
    {
        var body = """{"batch":[{"type":"track","event":"Product Added","anonymousId":"a-b","messageId":"m-b1","properties":{"product_id":"P-1","price":3,"category":"toys"}},{"type":"track","event":"Product Added","anonymousId":"a-b","messageId":"m-b2","properties":{"product_id":"P-1","price":-3,"category":"toys"}}]}""";

        using var response = await PostAsync("batch", body, basic: _writeKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, answer["accepted"]!.GetValue<int>());
        var rejected = Assert.Single(answer["rejected"]!.AsArray())!;
        Assert.Equal("$.batch[1]", rejected["path"]!.GetValue<string>());
        Assert.Contains("data.price", rejected["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteKey_UnknownMissingOrWrongRole_401Or403_WithBasicChallenge()
    {
        var query = await _api.CreateKeyAsync("query");
        var body = """{"event":"X","anonymousId":"a-1"}""";

        using var unknown = await PostAsync("track", body, basic: "not-a-key-0123456789abcdef");
        using var missing = await PostAsync("track", body, basic: null);
        using var wrongRole = await PostAsync("track", body, basic: query);

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal("Basic", unknown.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("write key", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrongRole.StatusCode);
    }

    private static string Basic(string key) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":"));

    private Task<HttpResponseMessage> PostAsync(string route, string json, string? basic) =>
        _api.SendAsync(HttpMethod.Post, "v1/" + route, key: null, new StringContent(json, Encoding.UTF8, "application/json"), basic is null ? [] : [("Authorization", Basic(basic))]);
}
