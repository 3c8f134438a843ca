using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ECommerceAgents.Domain.Catalog;

/// <summary>
/// A product as the catalog table stores it, one item per SKU with every attribute top level, so the byCategory index
/// (category + sku) follows <see cref="Category"/>: a product that changes category moves in the index and leaves
/// nothing behind. <see cref="ContentHash"/> covers every content attribute (not the import's own bookkeeping), so an
/// unchanged product is recognised and not rewritten.
/// </summary>
public sealed record CatalogProduct
{
    public required string Sku { get; init; }

    public required string Category { get; init; }

    public required string Title { get; init; }

    public string? Brand { get; init; }

    public string? Description { get; init; }

    public required decimal Price { get; init; }

    /// <summary>ISO 4217 code.</summary>
    public required string Currency { get; init; }

    public decimal? ListPrice { get; init; }

    /// <summary>Discount from the list price, in percent with one decimal; 0 without a list price.</summary>
    public decimal DiscountPct { get; init; }

    public long Stock { get; init; }

    /// <summary><c>in_stock</c>, <c>low_stock</c> or <c>out_of_stock</c>.</summary>
    public required string StockStatus { get; init; }

    /// <summary>budget, mid, premium or luxury (the bands of <c>PreferenceExtractor.PriceBand</c>).</summary>
    public required string PriceBand { get; init; }

    public IReadOnlyList<string> Keywords { get; init; } = [];

    /// <summary>provided (the file's category is in the taxonomy), mapped (a synonym) or classified.</summary>
    public string CategorySource { get; init; } = "provided";

    public string ContentHash { get; init; } = string.Empty;

    public DateTimeOffset ImportedAt { get; init; }

    /// <summary><c>s3://bucket/key</c> of the file this version came from.</summary>
    public string SourceFile { get; init; } = string.Empty;

    public string? ImportId { get; init; }

    public CatalogProduct WithHash() => this with { ContentHash = ComputeHash(this) };

    /// <summary>SHA-256 over the content attributes in a fixed order and format (first 32 hex characters).</summary>
    public static string ComputeHash(CatalogProduct p)
    {
        var sb = new StringBuilder(256);
        void Part(string? value) => sb.Append(value ?? "\u2400").Append('\u241F');
        Part(p.Sku);
        Part(p.Category);
        Part(p.Title);
        Part(p.Brand);
        Part(p.Description);
        Part(Number(p.Price));
        Part(p.Currency);
        Part(p.ListPrice is { } l ? Number(l) : null);
        Part(Number(p.DiscountPct));
        Part(p.Stock.ToString(CultureInfo.InvariantCulture));
        Part(p.StockStatus);
        Part(p.PriceBand);
        Part(string.Join('\u241E', p.Keywords));
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>A decimal in its shortest invariant form (<c>12.50</c> and <c>12.5</c> are the same price).</summary>
    public static string Number(decimal value) => (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}

/// <summary>What the store holds for a SKU, as much as an import needs to compare.</summary>
public sealed record StoredProduct(string Sku, string ContentHash, long Stock, string Category);

/// <summary>The search outbox lines an import writes; the contract is <see cref="Search.ProductOutboxLine"/>, which SearchIndexer reads.</summary>
internal static class CatalogOutbox
{
    public static Search.ProductOutboxLine Index(CatalogProduct p) => new("index", new Search.ProductDocument(
        p.Sku, p.Title, p.Category, p.Brand,
        p.Price, p.Currency,
        p.Keywords, p.PriceBand, p.StockStatus, (double)p.DiscountPct, p.Stock,
        p.ImportedAt));

    public static Search.ProductOutboxLine Delete(string sku, DateTimeOffset at) => new("delete", new Search.ProductDocument(sku, UpdatedAt: at));
}

/// <summary>JSON of the catalog's documents: the processed copy, the search outbox, pending changes and the import report.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CatalogProduct))]
[JsonSerializable(typeof(PendingChange))]
[JsonSerializable(typeof(ImportReport))]
[JsonSerializable(typeof(LatestImport))]
internal sealed partial class CatalogJsonContext : JsonSerializerContext;
