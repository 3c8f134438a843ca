using System.Text.Json;
using ECommerceAgents.Domain.Catalog;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Catalog;

public sealed class ProductCleanserTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 10, 5, 0, TimeSpan.Zero);
    private readonly ProductCleanser _cleanser = new(CategoryClassifier.Default, new CleanserOptions());

    private CleansedRow Ok(RawProductRow row) => Assert.IsType<CleansedRow>(_cleanser.Cleanse(row, At, "s3://landing/catalog/incoming/f.csv", "imp-1"));

    private RejectedRow Rejected(RawProductRow row) => Assert.IsType<RejectedRow>(_cleanser.Cleanse(row, At, "s3://landing/catalog/incoming/f.csv", "imp-1"));

    private static RawProductRow Row(string sku = "SKU-1", string? title = "Oak Desk Lamp", string? price = "49.90", string? currency = "EUR", string? category = "home", string? stock = "12", string? listPrice = null, string? brand = "Lumen", string? status = null) =>
        new() { Line = 7, Sku = sku, Title = title, Price = price, Currency = currency, Category = category, Stock = stock, ListPrice = listPrice, Brand = brand, Status = status };

    [Theory]
    [InlineData("12.5", "12.5")]
    [InlineData("1,299.99", "1299.99")]
    [InlineData("1.299,99", "1299.99")]
    [InlineData("12,50", "12.5")]
    [InlineData("€ 12", "12")]
    [InlineData("EUR 3.10", "3.1")]
    [InlineData("1 299,00", "1299")]
    [InlineData("12.99 EUR", "12.99")]
    [InlineData("US$ 1,299", "1299")]
    [InlineData("Rs. 499", "499")]
    [InlineData("Rs. 1,299", "1299")]
    [InlineData("Fr. 12.50", "12.5")]
    [InlineData("-$12.99", "-12.99")]
    [InlineData(".99", "0.99")]
    [InlineData("$.99", "0.99")]
    [InlineData("EUR .99", "0.99")]
    public void ParsePrice_CommonSpellings_Decimal(string raw, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), ProductCleanser.ParsePrice(raw));
    }

    [Theory]
    [InlineData("twelve")]
    [InlineData("12.5%")]
    [InlineData("1e400")]
    [InlineData("1.5e2")]
    [InlineData("NaN")]
    [InlineData("-Infinity")]
    [InlineData("12 EUR 50")]
    [InlineData("")]
    public void ParsePrice_NotAPrice_Null(string raw)
    {
        Assert.Null(ProductCleanser.ParsePrice(raw));
    }

    [Theory]
    [InlineData(" eur ", "EUR")]
    [InlineData("€", "EUR")]
    [InlineData("£", "GBP")]
    [InlineData("usd", "USD")]
    [InlineData("EURO", null)]
    [InlineData("ABC", null)]
    public void NormaliseCurrency_IsoCodesAndSymbols(string raw, string? expected)
    {
        Assert.Equal(expected, ProductCleanser.NormaliseCurrency(raw));
    }

    [Theory]
    [InlineData("  Oak   Desk\tLamp ", "Oak Desk Lamp")]
    [InlineData("OAK DESK LAMP FOR THE OFFICE", "Oak Desk Lamp for the Office")]
    [InlineData("Tom &amp; Jerry <b>Boxed</b> Set", "Tom & Jerry Boxed Set")]
    [InlineData("USB-C HUB 7IN1", "Usb-C Hub 7IN1")]
    public void CleanTitle_TrimmedDecodedAndNormalised(string raw, string expected)
    {
        Assert.Equal(expected, ProductCleanser.CleanTitle(raw));
    }

    [Fact]
    public void Cleanse_ValidRow_FeaturesExtracted()
    {
        var row = Ok(Row(price: "79,90", listPrice: "99.90", stock: "3"));

        var p = row.Product;
        Assert.Equal(79.90m, p.Price);
        Assert.Equal(99.90m, p.ListPrice);
        Assert.Equal(20.0m, p.DiscountPct);
        Assert.Equal("low_stock", p.StockStatus);
        Assert.Equal("mid", p.PriceBand);
        Assert.Equal(["oak", "desk", "lamp", "lumen"], p.Keywords);
        Assert.Equal("provided", p.CategorySource);
        Assert.Equal(32, p.ContentHash.Length);
    }

    [Theory]
    [InlineData("0", "out_of_stock")]
    [InlineData("5", "low_stock")]
    [InlineData("6", "in_stock")]
    public void Cleanse_Stock_Status(string stock, string status)
    {
        Assert.Equal(status, Ok(Row(stock: stock)).Product.StockStatus);
    }

    [Theory]
    [InlineData("24.99", "budget")]
    [InlineData("25", "mid")]
    [InlineData("100", "premium")]
    [InlineData("500", "luxury")]
    public void Cleanse_PriceBand_SameBandsAsPreferences(string price, string band)
    {
        Assert.Equal(band, Ok(Row(price: price)).Product.PriceBand);
        Assert.Equal(band, ECommerceAgents.Domain.Enrichment.PreferenceExtractor.PriceBand(decimal.Parse(price, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Cleanse_JpyPrice_RoundedToWholeYen()
    {
        Assert.Equal(1235m, Ok(Row(price: "1234.6", currency: "JPY")).Product.Price);
    }

    [Fact]
    public void Cleanse_InvalidRow_EveryReason()
    {
        var rejected = Rejected(Row(sku: "bad sku!", title: " ", price: "-3", currency: "EURO", stock: "2.5"));

        Assert.Equal(7, rejected.Line);
        Assert.Equal(["sku_invalid", "title_missing", "price_negative", "currency_invalid", "stock_invalid"], rejected.Reasons.Select(r => r.Split(':')[0]));
    }

    [Fact]
    public void Cleanse_ListPriceBelowPrice_IgnoredWithWarning()
    {
        var row = Ok(Row(price: "50", listPrice: "40"));

        Assert.Null(row.Product.ListPrice);
        Assert.Equal(0m, row.Product.DiscountPct);
        Assert.Contains("list_price_below_price", row.Warnings);
    }

    [Theory]
    [InlineData("Home & Kitchen", "home", "mapped")]
    [InlineData("Clothing > Women > Dresses", "fashion", "mapped")]
    [InlineData("ELECTRONICS", "electronics", "provided")]
    public void Cleanse_CategorySynonym_Mapped(string provided, string category, string source)
    {
        var p = Ok(Row(category: provided)).Product;

        Assert.Equal((category, source), (p.Category, p.CategorySource));
    }

    [Fact]
    public void Cleanse_NoCategory_Classified()
    {
        var row = Ok(Row(title: "Stainless Steel Espresso Machine with Milk Frother", category: null, brand: "De'Longhi"));

        Assert.Equal("home", row.Product.Category);
        Assert.Equal("classified", row.Product.CategorySource);
        Assert.NotNull(row.Prediction);
    }

    [Fact]
    public void Cleanse_DeleteStatus_DeleteWithoutPriceOrTitle()
    {
        var row = Ok(Row(title: null, price: null, currency: null, status: "discontinued"));

        Assert.True(row.Delete);
    }

    [Fact]
    public void ContentHash_SamePriceWrittenDifferently_SameHash()
    {
        Assert.Equal(Ok(Row(price: "12.5")).Product.ContentHash, Ok(Row(price: "12.50")).Product.ContentHash);
    }

    [Fact]
    public void ContentHash_StockOrCategoryChanged_DifferentHash()
    {
        var baseline = Ok(Row()).Product.ContentHash;

        Assert.NotEqual(baseline, Ok(Row(stock: "13")).Product.ContentHash);
        Assert.NotEqual(baseline, Ok(Row(category: "garden")).Product.ContentHash);
    }

    [Fact]
    public void ContentHash_ImportBookkeeping_NotPartOfIt()
    {
        var a = _cleanser.Cleanse(Row(), At, "s3://x/a.csv", "imp-1");
        var b = _cleanser.Cleanse(Row(), At.AddDays(3), "s3://y/b.csv", "imp-2");

        Assert.Equal(((CleansedRow)a).Product.ContentHash, ((CleansedRow)b).Product.ContentHash);
    }

    [Fact]
    public void ProductUpserted_Event_ValidAgainstTheSchemaWithSkuPartitionKey()
    {
        var product = Ok(Row(stock: "40")).Product;
        var bytes = CatalogImporter.ProductUpserted(product, stockDelta: -2, previousHash: "abc", At);

        var parsed = Assert.IsType<ParsedEvent>(new EventParser(SchemaRegistry.Default, new FakeTimeProvider(At)).Parse(bytes));

        Assert.Equal(EventTypes.ProductUpserted, parsed.Type);
        Assert.Equal(-2, parsed.Event.Data.StockDelta);
        Assert.Equal(40, parsed.Event.Data.Stock);
        Assert.Equal("catalog", parsed.Event.Lineage!.Source);
        Assert.Equal("sku:SKU-1", PartitionKeys.For(EventTypes.ProductUpserted, null, null, null, product.Sku, null, parsed.Event.EventId));
    }

    [Fact]
    public void EventId_SameChange_SameIdDifferentChange_DifferentId()
    {
        var id = CatalogImporter.EventId("SKU-1", "h1", "h2");

        Assert.Equal(id, CatalogImporter.EventId("SKU-1", "h1", "h2"));
        Assert.NotEqual(id, CatalogImporter.EventId("SKU-1", "h2", "h3"));
        Assert.True(Guid.TryParse(id, out _));
        Assert.Equal('8', id[14]);
    }

    [Fact]
    public void OutboxLine_Json_HasTheOutboxContractFields()
    {
        var doc = CatalogOutbox.Index(Ok(Row(listPrice: "60")).Product);

        var json = JsonDocument.Parse(JsonSerializer.Serialize(doc, ECommerceAgents.Domain.Search.SearchJsonContext.Default.ProductOutboxLine)).RootElement;

        Assert.Equal(
            ["action", "sku", "title", "category", "brand", "price", "currency", "keywords", "priceBand", "stockStatus", "discountPct", "stock", "updatedAt"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("index", json.GetProperty("action").GetString());
    }
}
