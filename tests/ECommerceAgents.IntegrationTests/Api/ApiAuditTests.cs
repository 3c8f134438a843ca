using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// Audit of access (issue 21): every route that returns a user's personal data leaves one audit entry per call, naming
/// the caller (key id and role), the subject, the endpoint and the request id, and nothing of the data itself; routes
/// that return nothing personal leave none; the chain they form verifies.
/// </summary>
public sealed class ApiAuditTests : IAsyncLifetime
{
    private ApiPipeline _p = null!;

    public async ValueTask InitializeAsync() => _p = await ApiPipeline.StartAsync("apiaudit");

    public async ValueTask DisposeAsync() => await _p.DisposeAsync();

    private async Task<(string Key, string KeyId)> KeyAsync(string role)
    {
        using var response = await _p.Api.SendAsync(HttpMethod.Post, "v1/admin/keys", ApiInstance.AdminKey, JsonContent.Create(new { name = role + "-audit", role }));
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return (created["key"]!.GetValue<string>(), created["keyId"]!.GetValue<string>());
    }

    private async Task<string> GetAsync(string path, string key, HttpStatusCode expected)
    {
        using var response = await _p.Api.SendAsync(HttpMethod.Get, path, key);
        Assert.Equal(expected, response.StatusCode);
        return response.Headers.GetValues("x-request-id").Single();
    }

    [Fact]
    public async Task PersonalReads_EachAuditedWithCallerSubjectEndpointRequest_NoPersonalData_ChainVerifies()
    {
        var (ingest, _) = await KeyAsync("ingest");
        var (query, queryId) = await KeyAsync("query");
        using (var post = await _p.Api.PostJsonAsync("v1/events", ingest, "[" + ApiInstance.ProductView("u-audit", "atlas-7", "maps") + "]"))
        {
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        }

        await _p.DrainAsync();

        var reads = new List<(string Action, string Endpoint, string RequestId, string Role)>
        {
            ("read.profile", "GET /v1/users/{id}/profile", await GetAsync("v1/users/u-audit/profile", query, HttpStatusCode.OK), "query"),
            ("read.profile", "GET /v1/users/{id}/profile", await GetAsync("v1/users/u-audit/profile", query, HttpStatusCode.OK), "query"), // from the cache: audited too
            ("read.recommendations", "GET /v1/users/{id}/recommendations", await GetAsync("v1/users/u-audit/recommendations", query, HttpStatusCode.OK), "query"),
            ("read.consent", "GET /v1/users/{id}/consent", await GetAsync("v1/users/u-audit/consent", query, HttpStatusCode.OK), "query"),
            ("export", "GET /v1/users/{id}/export", await GetAsync("v1/users/u-audit/export", ApiInstance.AdminKey, HttpStatusCode.OK), "admin"),
        };

        // Nothing personal returned, nothing audited: a product, the metrics, a refused call, an id that is not one.
        await GetAsync("v1/products/atlas-7", query, HttpStatusCode.OK);
        await GetAsync("v1/metrics/realtime", query, HttpStatusCode.OK);
        await GetAsync("v1/users/u-audit/export", query, HttpStatusCode.Forbidden);
        await GetAsync("v1/users/bad%20id/profile", query, HttpStatusCode.BadRequest);

        using var store = new AuditChainStore(_p.Harness.Stack.DynamoDbClient, _p.Harness.Names);
        var entries = await store.AuditAsync("user#u-audit", CancellationToken.None);
        Assert.Equal(reads.Select(r => r.Action), entries.Select(e => e["action"]!.GetValue<string>()));
        for (var i = 0; i < reads.Count; i++)
        {
            var entry = entries[i];
            Assert.Equal(reads[i].Endpoint, entry["endpoint"]!.GetValue<string>());
            Assert.Equal(reads[i].RequestId, entry["requestId"]!.GetValue<string>());
            Assert.Equal(reads[i].Role, entry["role"]!.GetValue<string>());
            Assert.Equal(64, entry["hash"]!.GetValue<string>().Length);
            Assert.NotNull(entry["time"]);
            if (reads[i].Role == "query") Assert.Equal(queryId, entry["actor"]!.GetValue<string>());

            // What was read is not in what was recorded.
            var text = entry.ToJsonString();
            Assert.DoesNotContain("atlas-7", text, StringComparison.Ordinal);
            Assert.DoesNotContain("maps", text, StringComparison.Ordinal);
            Assert.DoesNotContain("203.0.113", text, StringComparison.Ordinal);
        }

        Assert.Empty(await store.AuditAsync("user#bad id", CancellationToken.None));
        var verification = await store.VerifyAsync(AuditChain.Retention, CancellationToken.None);
        Assert.True(verification.Intact, verification.Problem?.Detail);
    }
}
