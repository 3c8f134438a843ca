using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.Search;
using ECommerceAgents.Domain.Api;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// Product search against the OpenSearch <c>products</c> index: a multi_match over title, keywords, brand and category,
/// through the search adapter (SigV4 "es" for an AWS domain, basic auth or none for a plain OpenSearch).
/// </summary>
public sealed class ProductSearch(OpenSearchClient client, string index) : IProductSearch
{
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
        using var result = await client.SearchAsync(index, body.ToJsonString(), cancellationToken).ConfigureAwait(false);
        var hits = result.RootElement.TryGetProperty("hits", out var h) ? h : default;
        var items = new JsonArray();
        if (hits.ValueKind == JsonValueKind.Object && hits.TryGetProperty("hits", out var list))
        {
            foreach (var hit in list.EnumerateArray())
            {
                items.Add((JsonNode)new JsonObject
                {
                    ["score"] = hit.TryGetProperty("_score", out var score) && score.ValueKind == JsonValueKind.Number ? score.GetDouble() : null,
                    ["product"] = hit.TryGetProperty("_source", out var source) ? JsonNode.Parse(source.GetRawText()) : null,
                });
            }
        }

        return new JsonObject
        {
            ["query"] = query,
            ["total"] = hits.ValueKind == JsonValueKind.Object && hits.TryGetProperty("total", out var total) && total.TryGetProperty("value", out var value) ? value.GetInt64() : items.Count,
            ["items"] = items,
        };
    }
}
