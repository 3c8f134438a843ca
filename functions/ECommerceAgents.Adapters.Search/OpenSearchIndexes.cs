using ECommerceAgents.Domain.Search;

namespace ECommerceAgents.Adapters.Search;

/// <summary>
/// The two indexes and their mappings. <c>products</c> analyses titles, brands and keywords with <c>product_text</c>
/// (standard tokenizer, lowercase, ASCII folding, light English stemming, so "Headphones" finds "headphone"), keeps exact
/// keyword fields for facets, and is strict: a field the mapping does not know is rejected, not silently added.
/// Field names match the OpenSearch Dashboards saved objects (infra/opensearch-dashboards).
/// </summary>
public static class OpenSearchIndexes
{
    public const string ProductsBody = """
    {
      "settings": {
        "index": { "number_of_shards": 1, "number_of_replicas": 1 },
        "analysis": {
          "filter": { "product_stemmer": { "type": "stemmer", "language": "light_english" } },
          "analyzer": {
            "product_text": { "type": "custom", "tokenizer": "standard", "filter": ["lowercase", "asciifolding", "product_stemmer"] }
          }
        }
      },
      "mappings": {
        "dynamic": "strict",
        "properties": {
          "sku": { "type": "keyword" },
          "title": { "type": "text", "analyzer": "product_text", "fields": { "raw": { "type": "keyword", "ignore_above": 256 } } },
          "category": { "type": "keyword" },
          "brand": { "type": "keyword", "fields": { "text": { "type": "text", "analyzer": "product_text" } } },
          "price": { "type": "scaled_float", "scaling_factor": 100 },
          "currency": { "type": "keyword" },
          "keywords": { "type": "text", "analyzer": "product_text" },
          "priceBand": { "type": "keyword" },
          "stockStatus": { "type": "keyword" },
          "discountPct": { "type": "float" },
          "stock": { "type": "integer" },
          "updatedAt": { "type": "date" }
        }
      }
    }
    """;

    public const string DailyMetricsBody = """
    {
      "settings": { "index": { "number_of_shards": 1, "number_of_replicas": 1 } },
      "mappings": {
        "dynamic": "strict",
        "properties": {
          "date": { "type": "date", "format": "strict_date" },
          "category": { "type": "keyword" },
          "revenue": { "type": "scaled_float", "scaling_factor": 100 },
          "orders": { "type": "integer" },
          "aov": { "type": "scaled_float", "scaling_factor": 100 },
          "sessions": { "type": "integer" },
          "conversionRate": { "type": "float" },
          "currency": { "type": "keyword" },
          "completeness": { "type": "float" },
          "errorRate": { "type": "float" }
        }
      }
    }
    """;

    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [SearchIndexes.Products] = ProductsBody,
        [SearchIndexes.DailyMetrics] = DailyMetricsBody,
    };
}
