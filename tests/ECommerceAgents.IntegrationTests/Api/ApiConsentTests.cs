using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Resources;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// Consent by purpose through the API, with StreamProcessor behind it on the stream (analytics denial in its default,
/// pseudonymous mode): partial updates and the older body, anonymous ids, Sec-GPC on consent and ingest requests, and
/// each purpose's effect in the stores.
/// </summary>
public sealed class ApiConsentTests(ApiConsentFixture fixture) : IClassFixture<ApiConsentFixture>
{
    private ApiPipeline _p => fixture.Pipeline;
    private string _ingest => fixture.Ingest;
    private string _query => fixture.Query;

    internal static string AnonymousView(string anonymousId, string sku) =>
        $$$"""{"schema":"com.ecommerceagents/product_view/1-0-0","eventId":"{{{Guid.NewGuid()}}}","eventTime":"{{{DateTimeOffset.UtcNow:O}}}","anonymousId":"{{{anonymousId}}}","context":{"userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"},"data":{"sku":"{{{sku}}}","category":"books","brand":"Acme","price":12.5,"currency":"EUR"}}""";

    private async Task<JsonObject> PutAsync(string path, string body, params (string Name, string Value)[] headers)
    {
        using var response = await _p.Api.SendAsync(HttpMethod.Put, path, _ingest, new StringContent(body, Encoding.UTF8, "application/json"), headers);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private async Task<JsonObject> GetAsync(string path)
    {
        using var response = await _p.Api.SendAsync(HttpMethod.Get, path, _query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private async Task PostAsync(IEnumerable<(string Name, string Value)>? headers, params string[] events)
    {
        using var response = await _p.Api.PostJsonAsync("v1/events", _ingest, "[" + string.Join(",", events) + "]", headers);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static bool Purpose(JsonObject consent, string purpose) => consent["purposes"]![purpose]!.GetValue<bool>();

    private async Task<List<JsonNode>> EnrichedAsync(Func<JsonNode, bool> mine) =>
        (await Testing.StoreChecksum.EnrichedLinesAsync(_p.Harness.Stack, _p.Harness.Names.Bucket(Buckets.Enriched), "events/")).Select(l => JsonNode.Parse(l)!).Where(mine).ToList();

    private static bool Sku(JsonNode n, string sku) => n["data"]?["sku"]?.GetValue<string>() == sku;

    [Fact]
    public async Task UserConsent_PartialUpdatesMerge_OlderBodyStillWorks_DefaultsShown_EachChangeAudited()
    {
        var fresh = await GetAsync("v1/users/u-purposes/consent");
        Assert.All(new[] { "analytics", "personalisation", "marketing", "saleShare" }, p => Assert.True(Purpose(fresh, p)));
        Assert.Equal(4, fresh["defaulted"]!.AsArray().Count);

        var first = await PutAsync("v1/users/u-purposes/consent", """{"purposes":{"marketing":false}}""");
        var second = await PutAsync("v1/users/u-purposes/consent", """{"purposes":{"analytics":false,"saleShare":true}}""");
        var legacy = await PutAsync("v1/users/u-purposes/consent", """{"personalisation":false}""");

        Assert.False(Purpose(first, "marketing"));
        Assert.True(Purpose(first, "analytics"));
        Assert.False(Purpose(second, "marketing")); // the first request's choice stays
        Assert.False(Purpose(second, "analytics"));
        Assert.Equal("request", second["saleShareSource"]!.GetValue<string>());
        var read = await GetAsync("v1/users/u-purposes/consent");
        Assert.Equal((false, false, false, true), (Purpose(read, "analytics"), Purpose(read, "personalisation"), Purpose(read, "marketing"), Purpose(read, "saleShare")));
        Assert.False(read["personalisation"]!.GetValue<bool>()); // the older response field
        Assert.Empty(read["defaulted"]!.AsArray());
        Assert.Equal("u-purposes", read["userId"]!.GetValue<string>());
        Assert.Equal(legacy["updatedAt"]!.GetValue<DateTimeOffset>(), read["updatedAt"]!.GetValue<DateTimeOffset>());

        using var store = new AuditChainStore(_p.Harness.Stack.DynamoDbClient, _p.Harness.Names);
        var changes = (await store.AuditAsync("user#u-purposes", CancellationToken.None)).Where(e => e["action"]!.GetValue<string>().StartsWith("consent.", StringComparison.Ordinal)).ToList();
        Assert.Equal(["consent.opt_out", "consent.update", "consent.opt_out"], changes.Select(e => e["action"]!.GetValue<string>()));
        Assert.Equal(["marketing=false", "analytics=false,saleShare=true", "personalisation=false"], changes.Select(e => e["details"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("""{"purposes":{"marketing":"no"}}""", "$.purposes.marketing")]
    [InlineData("""{"personalisation":"no"}""", "$.personalisation")]
    [InlineData("""{"purposes":{"ads":false}}""", "$.purposes.ads")]
    [InlineData("""{"purposes":{}}""", "$.purposes")]
    [InlineData("""{}""", "$.purposes")]
    [InlineData("""{"purposes":{"analytics":true},"personalisation":false}""", "$.personalisation")]
    [InlineData("""[]""", "$")]
    public async Task BadBody_400_NamesTheFieldAtFault_NothingStored(string body, string path)
    {
        foreach (var route in new[] { "v1/users/u-badbody/consent", "v1/anonymous/a-badbody/consent" })
        {
            using var response = await _p.Api.SendAsync(HttpMethod.Put, route, _ingest, new StringContent(body, Encoding.UTF8, "application/json"));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.Equal(path, Assert.Single(problem["errors"]!.AsArray())!["path"]!.GetValue<string>());
        }

        Assert.Equal(4, (await GetAsync("v1/users/u-badbody/consent"))["defaulted"]!.AsArray().Count);
    }

    [Fact]
    public async Task AnonymousConsent_StoredApartFromUsers_AppliesToTheVisitorsEvents()
    {
        var put = await PutAsync("v1/anonymous/a-visitor/consent", """{"purposes":{"saleShare":false,"marketing":false}}""");
        Assert.Equal("a-visitor", put["anonymousId"]!.GetValue<string>());
        Assert.Null(put["userId"]);
        Assert.True(Purpose(await GetAsync("v1/users/a-visitor/consent"), "saleShare")); // a user of the same name is another subject

        await PostAsync(null, AnonymousView("a-visitor", "anon-book-1"), AnonymousView("a-other", "anon-book-2"));
        await _p.DrainAsync();

        var visitor = Assert.Single(await EnrichedAsync(n => Sku(n, "anon-book-1")));
        var other = Assert.Single(await EnrichedAsync(n => Sku(n, "anon-book-2")));
        Assert.Equal("no_mktg,no_sale", visitor["enrichment"]!["consent"]!.GetValue<string>());
        Assert.Equal("full", other["enrichment"]!["consent"]!.GetValue<string>());

        using var store = new AuditChainStore(_p.Harness.Stack.DynamoDbClient, _p.Harness.Names);
        Assert.Contains(await store.AuditAsync("anon#a-visitor", CancellationToken.None), e => e["action"]!.GetValue<string>() == "consent.opt_out");
    }

    [Fact]
    public async Task SecGpc_OnIngest_OptOutRecordedForTheSubject_ItsEventsMarkedNoSale_LaterOnesToo()
    {
        await PostAsync([("Sec-GPC", "1")], ApiInstance.ProductView("u-gpc", "gpc-book-1"));
        await PostAsync(null, ApiInstance.ProductView("u-plain", "gpc-book-2"));
        await _p.DrainAsync();
        await PostAsync(null, ApiInstance.ProductView("u-gpc", "gpc-book-3")); // no header: the recorded opt-out applies
        await _p.DrainAsync();

        var consent = await GetAsync("v1/users/u-gpc/consent");
        Assert.False(Purpose(consent, "saleShare"));
        Assert.Equal("gpc", consent["saleShareSource"]!.GetValue<string>());
        Assert.True(Purpose(await GetAsync("v1/users/u-plain/consent"), "saleShare"));
        Assert.Equal(["no_sale", "full", "no_sale"], (await EnrichedAsync(n => n["data"]?["sku"]?.GetValue<string>()?.StartsWith("gpc-book-", StringComparison.Ordinal) == true))
            .OrderBy(n => n["data"]!["sku"]!.GetValue<string>(), StringComparer.Ordinal).Select(n => n["enrichment"]!["consent"]!.GetValue<string>()));
    }

    [Fact]
    public async Task SecGpc_OnAConsentRequest_DeniesSaleShare_WhateverTheBodySays()
    {
        var put = await PutAsync("v1/anonymous/a-gpc/consent", """{"purposes":{"saleShare":true,"analytics":true}}""", ("Sec-GPC", "1"));

        Assert.False(Purpose(put, "saleShare"));
        Assert.Equal("gpc", put["saleShareSource"]!.GetValue<string>());
        Assert.True(Purpose(put, "analytics"));
    }

    [Fact]
    public async Task AnalyticsDenied_Pseudonymous_ZoneHoldsPseudonymsNotTheIds_AggregatesAndProfileKept()
    {
        await PutAsync("v1/users/u-noanalytics/consent", """{"purposes":{"analytics":false}}""");

        await PostAsync(null, ApiInstance.ProductView("u-noanalytics", "pseudo-1"), ApiInstance.ProductView("u-noanalytics", "pseudo-2"));
        await _p.DrainAsync();

        var mine = await EnrichedAsync(n => n["data"]?["sku"]?.GetValue<string>() is "pseudo-1" or "pseudo-2");
        Assert.Equal(2, mine.Count);
        Assert.All(mine, n =>
        {
            var text = n.ToJsonString();
            Assert.DoesNotContain("u-noanalytics", text, StringComparison.Ordinal);
            Assert.Equal("pseudonymous", n["enrichment"]!["consent"]!.GetValue<string>());
            Assert.Null(n["resolvedUserId"]);
        });
        Assert.Single(mine.Select(n => n["userId"]!.GetValue<string>()).Distinct());
        using var product = await _p.Api.SendAsync(HttpMethod.Get, "v1/products/pseudo-1", _query);
        Assert.Equal(1, (await product.Content.ReadFromJsonAsync<JsonObject>())!["stats"]!["views"]!.GetValue<int>());
        using var profile = await _p.Api.SendAsync(HttpMethod.Get, "v1/users/u-noanalytics/profile", _query);
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode); // personalisation was not denied
    }

    [Fact]
    public async Task PersonalisationDenied_ByPurpose_NoProfileWrites()
    {
        await PutAsync("v1/users/u-nopers/consent", """{"purposes":{"personalisation":false}}""");

        await PostAsync(null, ApiInstance.ProductView("u-nopers", "nopers-1"));
        await _p.DrainAsync();

        var users = new UserDataStore(_p.Harness.Stack.DynamoDbClient, _p.Harness.Names);
        Assert.Null(await users.ProfileAsync("u-nopers", CancellationToken.None));
        Assert.Equal("aggregate_only", Assert.Single(await EnrichedAsync(n => Sku(n, "nopers-1")))["enrichment"]!["consent"]!.GetValue<string>());
    }
}

/// <summary>The shop's other choice for analytics denials, <c>drop</c>: counted as consent-dropped, never in the enriched zone, still in aggregates.</summary>
public sealed class ApiConsentDropTests : IAsyncLifetime
{
    private readonly StringWriter _output = new();
    private ApiPipeline _p = null!;

    public async ValueTask InitializeAsync() =>
        _p = await ApiPipeline.StartAsync("apiconsentdrop", new Dictionary<string, string> { [SettingNames.AnalyticsConsent] = "drop" }, TextWriter.Synchronized(_output));

    public async ValueTask DisposeAsync() => await _p.DisposeAsync();

    [Fact]
    public async Task AnalyticsDenied_Drop_NotInTheZone_CountedInTheMetrics_AggregatesKept()
    {
        var ingest = await _p.Api.CreateKeyAsync("ingest");
        var query = await _p.Api.CreateKeyAsync("query");
        using (var put = await _p.Api.SendAsync(HttpMethod.Put, "v1/users/u-drop/consent", ingest, JsonContent.Create(new { purposes = new { analytics = false } })))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using (var post = await _p.Api.PostJsonAsync("v1/events", ingest, $"[{ApiInstance.ProductView("u-drop", "drop-1")},{ApiInstance.ProductView("u-drop", "drop-1")},{ApiInstance.ProductView("u-keep", "drop-1")}]"))
        {
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        }

        await _p.DrainAsync();

        var lines = (await Testing.StoreChecksum.EnrichedLinesAsync(_p.Harness.Stack, _p.Harness.Names.Bucket(Buckets.Enriched), "events/")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("u-keep", Assert.Single(lines, n => n["data"]?["sku"]?.GetValue<string>() == "drop-1")["userId"]!.GetValue<string>());
        using var product = await _p.Api.SendAsync(HttpMethod.Get, "v1/products/drop-1", query);
        Assert.Equal(3, (await product.Content.ReadFromJsonAsync<JsonObject>())!["stats"]!["views"]!.GetValue<int>());
        var dropped = _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!)
            .Where(n => n["RecordsConsentDropped"] is not null).Sum(n => n["RecordsConsentDropped"]!.GetValue<int>());
        Assert.Equal(2, dropped);
    }
}

/// <summary>One pipeline and one ingest and query key for <see cref="ApiConsentTests"/>: each test has its own users, visitors and SKUs.</summary>
public sealed class ApiConsentFixture : IAsyncLifetime
{
    public ApiPipeline Pipeline { get; private set; } = null!;

    public string Ingest { get; private set; } = "";

    public string Query { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Pipeline = await ApiPipeline.StartAsync("apiconsent");
        Ingest = await Pipeline.Api.CreateKeyAsync("ingest");
        Query = await Pipeline.Api.CreateKeyAsync("query");
    }

    public async ValueTask DisposeAsync() => await Pipeline.DisposeAsync();
}
