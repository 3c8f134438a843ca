using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Lambda.Hosting;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// Product search against the OpenSearch <c>products</c> index (a multi_match over title, keywords, brand and category).
/// Basic auth comes from the endpoint's user info (plain OpenSearch). Requests to an AWS domain are signed with SigV4
/// ("es") by the search adapter's signer when it is configured; without an endpoint the API answers 503.
/// </summary>
public sealed class ProductSearch(Uri endpoint, FunctionEnvironment environment)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) }) { Timeout = TimeSpan.FromSeconds(10) };

    public Uri Endpoint => endpoint;

    public async Task<JsonObject> SearchAsync(string query, int size, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["size"] = size,
            ["query"] = new JsonObject
            {
                ["multi_match"] = new JsonObject
                {
                    ["query"] = query,
                    ["fields"] = new JsonArray("title^3", "keywords^2", "brand", "category"),
                    ["fuzziness"] = "AUTO",
                },
            },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, (environment.Setting("ECA_PRODUCTS_INDEX") ?? "products") + "/_search"))
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (endpoint.UserInfo is { Length: > 0 } userInfo)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(Uri.UnescapeDataString(userInfo))));
        }

        using var response = await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"OpenSearch answered {(int)response.StatusCode}: {text[..Math.Min(200, text.Length)]}");
        }

        var result = JsonSerializer.Deserialize(text, ApiJsonContext.Default.JsonObject)!;
        var hits = result["hits"]?["hits"]?.AsArray() ?? [];
        return new JsonObject
        {
            ["query"] = query,
            ["total"] = result["hits"]?["total"]?["value"]?.DeepClone(),
            ["items"] = new JsonArray(hits.Select(h => (JsonNode?)new JsonObject
            {
                ["score"] = h?["_score"]?.DeepClone(),
                ["product"] = h?["_source"]?.DeepClone(),
            }).ToArray()),
        };
    }
}
