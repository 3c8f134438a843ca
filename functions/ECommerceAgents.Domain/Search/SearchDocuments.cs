using System.Text.Json;
using System.Text.Json.Serialization;

namespace ECommerceAgents.Domain.Search;

/// <summary>
/// A line of the search outbox for products (<c>search-outbox/products/dt=…/&lt;importId&gt;.ndjson</c>), written by
/// CatalogImport: <c>index</c> carries the document, <c>delete</c> only the SKU.
/// </summary>
internal sealed record ProductOutboxLine
{
    public required string Action { get; init; }

    public required string Sku { get; init; }

    public string? Title { get; init; }

    public string? Category { get; init; }

    public string? Brand { get; init; }

    public decimal? Price { get; init; }

    public string? Currency { get; init; }

    public IReadOnlyList<string>? Keywords { get; init; }

    public string? PriceBand { get; init; }

    public string? StockStatus { get; init; }

    public decimal? DiscountPct { get; init; }

    public long? Stock { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }
}

/// <summary>A document of the <c>products</c> index (field names as in the OpenSearch Dashboards saved objects).</summary>
internal sealed record ProductDocument
{
    public required string Sku { get; init; }

    public string? Title { get; init; }

    public string? Category { get; init; }

    public string? Brand { get; init; }

    public decimal? Price { get; init; }

    public string? Currency { get; init; }

    public IReadOnlyList<string>? Keywords { get; init; }

    public string? PriceBand { get; init; }

    public string? StockStatus { get; init; }

    public double? DiscountPct { get; init; }

    public long? Stock { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    public static ProductDocument From(ProductOutboxLine l) => new()
    {
        Sku = l.Sku,
        Title = l.Title,
        Category = l.Category,
        Brand = l.Brand,
        Price = l.Price,
        Currency = l.Currency,
        Keywords = l.Keywords,
        PriceBand = l.PriceBand,
        StockStatus = l.StockStatus,
        DiscountPct = (double?)l.DiscountPct,
        Stock = l.Stock,
        UpdatedAt = l.UpdatedAt,
    };
}

/// <summary>
/// A document of the <c>daily-metrics</c> index, written by BatchLoader to <c>search-outbox/metrics/dt=…/daily-metrics.ndjson</c>.
/// One document per day (category <c>all</c>), id <c>&lt;date&gt;|all</c>, so re-indexing replaces it.
/// </summary>
public sealed record DailyMetrics
{
    public required string Date { get; init; }

    public string Category { get; init; } = "all";

    public decimal Revenue { get; init; }

    public int Orders { get; init; }

    public decimal Aov { get; init; }

    public int Sessions { get; init; }

    public double ConversionRate { get; init; }

    public required string Currency { get; init; }

    public double Completeness { get; init; }

    public double ErrorRate { get; init; }

    [JsonIgnore]
    public string DocumentId => Date + "|" + Category;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ProductOutboxLine))]
[JsonSerializable(typeof(ProductDocument))]
[JsonSerializable(typeof(DailyMetrics))]
internal sealed partial class SearchJsonContext : JsonSerializerContext;

public static class SearchIndexes
{
    public const string Products = "products";
    public const string DailyMetrics = "daily-metrics";

    /// <summary>Outbox sub-prefixes under <c>search-outbox/</c>.</summary>
    public const string ProductsOutbox = "products/";
    public const string MetricsOutbox = "metrics/";
}
