using System.Text.Json;
using System.Text.Json.Serialization;

namespace ECommerceAgents.Domain.Search;

/// <summary>
/// A line of the search outbox for products (<c>search-outbox/products/dt=…/&lt;importId&gt;.ndjson</c>), written by
/// CatalogImport: <c>index</c> carries the document, <c>delete</c> only the SKU (and the time). On the wire the line is
/// flat, the document's fields after <c>action</c> (see <see cref="ProductOutboxLineConverter"/>).
/// </summary>
[JsonConverter(typeof(ProductOutboxLineConverter))]
internal sealed record ProductOutboxLine(string Action, ProductDocument Document);

/// <summary>A document of the <c>products</c> index (field names as in the OpenSearch Dashboards saved objects).</summary>
internal sealed record ProductDocument(
    [property: JsonRequired] string Sku,
    string? Title = null, string? Category = null, string? Brand = null,
    decimal? Price = null, string? Currency = null,
    IReadOnlyList<string>? Keywords = null, string? PriceBand = null, string? StockStatus = null, double? DiscountPct = null, long? Stock = null,
    DateTimeOffset? UpdatedAt = null);

/// <summary>Reads and writes a <see cref="ProductOutboxLine"/> flat: <c>action</c> first, then the document's fields.</summary>
internal sealed class ProductOutboxLineConverter : JsonConverter<ProductOutboxLine>
{
    public override ProductOutboxLine Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var line = JsonDocument.ParseValue(ref reader);
        if (!line.RootElement.TryGetProperty("action", out var action) || action.ValueKind != JsonValueKind.String)
        {
            throw new JsonException("An outbox line needs an action.");
        }

        var document = line.RootElement.Deserialize(SearchJsonContext.Default.ProductDocument) ?? throw new JsonException("An outbox line needs a document.");
        return new ProductOutboxLine(action.GetString()!, document);
    }

    public override void Write(Utf8JsonWriter writer, ProductOutboxLine value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("action", value.Action);
        foreach (var field in JsonSerializer.SerializeToElement(value.Document, SearchJsonContext.Default.ProductDocument).EnumerateObject())
        {
            field.WriteTo(writer);
        }

        writer.WriteEndObject();
    }
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
