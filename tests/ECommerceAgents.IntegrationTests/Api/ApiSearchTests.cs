using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime;
using ECommerceAgents.Adapters.Search;
using ECommerceAgents.Domain.Search;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// <c>GET /v1/products/search</c> against an OpenSearch double on loopback, through the search adapter: results, the
/// 400 for a bad query, SigV4 signing for an AWS domain, and 503 when the cluster is down.
/// </summary>
public sealed class ApiSearchTests : IAsyncLifetime
{
    private PlatformHarness _harness = null!;
    private OpenSearchDouble _search = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await PlatformHarness.StartAsync("apisearch");
        _search = await OpenSearchDouble.StartAsync();
        var client = new OpenSearchClient(new HttpClient(), _search.Endpoint, new OpenSearchAuth.None());
        await client.EnsureIndexesAsync(default);
        await client.BulkAsync(
        [
            Doc("SKU-1", "Wireless Headphones"),
            Doc("SKU-2", "Garden Hose"),
            Doc("SKU-3", "Noise Cancelling Headphones"),
        ], default);
        await client.RefreshAsync(SearchIndexes.Products, default);
    }

    public async ValueTask DisposeAsync()
    {
        await _search.DisposeAsync();
        await _harness.DisposeAsync();
    }

    private static BulkAction Doc(string sku, string title) =>
        BulkAction.IndexDoc(SearchIndexes.Products, sku, Encoding.UTF8.GetBytes($$"""{"sku":"{{sku}}","title":"{{title}}","category":"electronics","price":19.99}"""), "search-outbox/products/dt=2026-01-01/t.ndjson");

    private Task<ApiInstance> ApiAsync(Dictionary<string, string>? settings = null) =>
        ApiInstance.StartAsync(_harness.Environment with { Endpoints = _harness.Environment.Endpoints with { OpenSearch = _search.Endpoint } }, settings);

    [Fact]
    public async Task Search_FindsMatchingProducts_BadQuery400()
    {
        await using var api = await ApiAsync();
        using var response = await api.SendAsync(HttpMethod.Get, "v1/products/search?q=headphones", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(2, json["total"]!.GetValue<long>());
        Assert.Equal(["SKU-1", "SKU-3"], json["items"]!.AsArray().Select(i => i!["product"]!["sku"]!.GetValue<string>()).Order());

        using var empty = await api.SendAsync(HttpMethod.Get, "v1/products/search?q=", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
    }

    [Fact]
    public async Task Search_AwsDomain_SignedWithSigV4ForEs()
    {
        await using var api = await ApiAsync(new Dictionary<string, string> { ["OPENSEARCH_AUTH"] = "sigv4" });
        _search.Requests.Clear();
        using var response = await api.SendAsync(HttpMethod.Get, "v1/products/search?q=hose", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(_search.Requests, r => r.Path.EndsWith("/_search", StringComparison.Ordinal));
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=", call.Authorization, StringComparison.Ordinal);
        Assert.Contains("/es/aws4_request", call.Authorization, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_ClusterDown_503WithRetryAfter()
    {
        var closed = new Uri($"http://127.0.0.1:{Local.Stack.LocalPorts.Free().Api}/");
        await using var api = await ApiInstance.StartAsync(_harness.Environment with { Endpoints = _harness.Environment.Endpoints with { OpenSearch = closed } });
        using var response = await api.SendAsync(HttpMethod.Get, "v1/products/search?q=hose", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
