using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ECommerceAgents.Domain.Enrichment;

namespace ECommerceAgents.Domain.Catalog;

public sealed record CleanserOptions
{
    /// <summary>Currency for rows without one; null rejects such rows.</summary>
    public string? DefaultCurrency { get; init; }

    /// <summary>Stock at or below this (and above 0) is <c>low_stock</c>.</summary>
    public int LowStockThreshold { get; init; } = 5;

    /// <summary>Below this posterior the classifier's guess is still used, but counted as low confidence in the report.</summary>
    public double LowConfidence { get; init; } = 0.5;
}

/// <summary>The outcome for one row of a catalog file.</summary>
internal abstract record RowResult(long Line);

/// <summary>A row that passed: the product, and whether the file asks to delete it.</summary>
internal sealed record CleansedRow(long Line, CatalogProduct Product, bool Delete, CategoryPrediction? Prediction, IReadOnlyList<string> Warnings) : RowResult(Line);

/// <summary>A row that did not: its line and every reason.</summary>
internal sealed record RejectedRow(long Line, string? Sku, IReadOnlyList<string> Reasons) : RowResult(Line);

/// <summary>
/// Validation, cleansing, feature extraction and classification of one catalog row:
/// <list type="bullet">
/// <item>SKU as the event schema allows it (<c>^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$</c>), never re-cased;</item>
/// <item>title and brand: HTML entities decoded, tags and control characters removed, whitespace collapsed; an
/// all-capitals title is put in title case; at most 512 / 128 characters;</item>
/// <item>prices as decimals (<c>1,299.99</c>, <c>1.299,99</c>, <c>€12</c> all read), rounded to the currency's minor
/// unit; currency as an ISO 4217 code (symbols € $ £ ¥ read);</item>
/// <item>stock a whole number ≥ 0 (missing means 0, with a warning); a list price below the price is ignored (warning);</item>
/// <item>features: keywords, price band, discount %, stock status; category from the taxonomy (or a synonym), else
/// from <see cref="CategoryClassifier"/>.</item>
/// </list>
/// </summary>
internal sealed partial class ProductCleanser(CategoryClassifier classifier, CleanserOptions options)
{
    private static readonly HashSet<string> DeleteStatuses = new(StringComparer.OrdinalIgnoreCase) { "deleted", "delete", "discontinued", "delisted", "inactive", "removed" };

    public double LowConfidence => options.LowConfidence;

    internal RowResult Cleanse(RawProductRow row, DateTimeOffset importedAt, string sourceFile, string importId)
    {
        if (row.Error is not null) return new RejectedRow(row.Line, row.Sku, [row.Error]);
        var reasons = new List<string>();
        var warnings = new List<string>();

        var sku = row.Sku?.Trim();
        if (string.IsNullOrEmpty(sku)) reasons.Add("sku_missing");
        else if (!SkuPattern().IsMatch(sku)) reasons.Add("sku_invalid: letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit");

        var delete = row.Status is { } status && DeleteStatuses.Contains(status.Trim());
        var title = CleanTitle(row.Title);
        if (title.Length == 0 && !delete) reasons.Add("title_missing");

        var (price, currency, stock, listPrice) = ReadAmounts(row, delete, reasons, warnings);
        if (reasons.Count > 0) return new RejectedRow(row.Line, sku, reasons);

        currency ??= options.DefaultCurrency ?? "XXX";
        price = RoundToMinorUnit(price, currency);
        if (listPrice is { } lp) listPrice = RoundToMinorUnit(lp, currency);
        var brand = CleanText(row.Brand, 128);
        var description = CleanText(row.Description, 2000);
        var (category, source, prediction) = Categorise(row.Category, title, brand, description);

        var discount = listPrice is { } list && list > 0 && list > price ? Math.Round((list - price) / list * 100m, 1, MidpointRounding.AwayFromZero) : 0m;
        var product = new CatalogProduct
        {
            Sku = sku!,
            Category = category,
            CategorySource = source,
            Title = delete && title.Length == 0 ? sku! : title,
            Brand = brand,
            Description = description,
            Price = price,
            Currency = currency,
            ListPrice = listPrice,
            DiscountPct = discount,
            Stock = stock,
            StockStatus = stock <= 0 ? "out_of_stock" : stock <= options.LowStockThreshold ? "low_stock" : "in_stock",
            PriceBand = PreferenceExtractor.PriceBand(price),
            Keywords = ProductText.Keywords(title, brand, description),
            ImportedAt = importedAt,
            SourceFile = sourceFile,
            ImportId = importId,
        }.WithHash();
        return new CleansedRow(row.Line, product, delete, prediction, warnings);
    }

    /// <summary>Price, currency, stock and list price as the row gives them; what is wrong goes to the reasons or the warnings.</summary>
    private (decimal Price, string? Currency, long Stock, decimal? ListPrice) ReadAmounts(RawProductRow row, bool delete, List<string> reasons, List<string> warnings)
    {
        decimal price = 0;
        if (string.IsNullOrWhiteSpace(row.Price))
        {
            if (!delete) reasons.Add("price_missing");
        }
        else if (ParsePrice(row.Price) is not { } p) reasons.Add("price_invalid: '" + Clip(row.Price) + "'");
        else if (p < 0) reasons.Add("price_negative");
        else if (p > 10_000_000) reasons.Add("price_too_large");
        else price = p;

        var currency = NormaliseCurrency(row.Currency) ?? (string.IsNullOrWhiteSpace(row.Currency) ? options.DefaultCurrency : null);
        if (currency is null && !delete) reasons.Add(string.IsNullOrWhiteSpace(row.Currency) ? "currency_missing" : "currency_invalid: '" + Clip(row.Currency) + "'");

        long stock = 0;
        if (string.IsNullOrWhiteSpace(row.Stock)) warnings.Add("stock_missing");
        else if (!decimal.TryParse(row.Stock.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var s) || s != decimal.Truncate(s) || s < 0 || s > 100_000_000)
        {
            reasons.Add("stock_invalid: '" + Clip(row.Stock) + "'");
        }
        else stock = (long)s;

        decimal? listPrice = null;
        if (!string.IsNullOrWhiteSpace(row.ListPrice))
        {
            if (ParsePrice(row.ListPrice) is { } l && l >= 0 && l <= 10_000_000)
            {
                if (l >= price) listPrice = l;
                else warnings.Add("list_price_below_price");
            }
            else
            {
                warnings.Add("list_price_invalid");
            }
        }

        return (price, currency, stock, listPrice);
    }

    /// <summary>The category from the taxonomy (as given, or through a synonym), else the classifier's guess.</summary>
    private (string Category, string Source, CategoryPrediction? Prediction) Categorise(string? given, string title, string? brand, string? description)
    {
        if (CatalogTaxonomy.Map(given) is { } mapped)
        {
            return (mapped, string.Equals(given!.Trim(), mapped, StringComparison.OrdinalIgnoreCase) ? "provided" : "mapped", null);
        }

        var prediction = classifier.Predict(title + " " + brand + " " + description);
        return (prediction.Category, "classified", prediction);
    }

    /// <summary>Decoded, tag-free, single-spaced; all capitals become title case.</summary>
    public static string CleanTitle(string? raw)
    {
        var text = CleanText(raw, 512) ?? string.Empty;
        var letters = 0;
        var upper = 0;
        foreach (var c in text)
        {
            if (!char.IsLetter(c)) continue;
            letters++;
            if (char.IsUpper(c)) upper++;
        }

        return letters >= 6 && upper == letters ? TitleCase(text) : text;
    }

    public static string? CleanText(string? raw, int max)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var text = raw.Contains('&', StringComparison.Ordinal) ? WebUtility.HtmlDecode(raw) : raw;
        if (text.Contains('<', StringComparison.Ordinal)) text = Tags().Replace(text, " ");
        var sb = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = sb.Length > 0;
                continue;
            }

            if (space) sb.Append(' ');
            space = false;
            sb.Append(c);
        }

        var cleaned = sb.ToString();
        if (cleaned.Length > max) cleaned = cleaned[..max].TrimEnd();
        return cleaned.Length == 0 ? null : cleaned;
    }

    private static readonly HashSet<string> SmallWords = new(StringComparer.Ordinal) { "a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with" };

    private static string TitleCase(string text)
    {
        var words = text.Split(' ');
        for (var i = 0; i < words.Length; i++)
        {
            var w = words[i];
            if (w.Length == 0 || w.Any(char.IsDigit)) continue; // model numbers and sizes stay as written
            var lower = w.ToLowerInvariant();
            words[i] = i > 0 && SmallWords.Contains(lower) ? lower : string.Join('-', lower.Split('-').Select(part => part.Length == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]));
        }

        return string.Join(' ', words);
    }

    /// <summary>Reads a price written with either decimal separator, currency symbols or codes, and spaces.</summary>
    public static decimal? ParsePrice(string raw)
    {
        var sb = new StringBuilder(raw.Length);
        var digits = false;
        var afterNumber = false;
        var afterWord = false;
        foreach (var c in raw)
        {
            if (char.IsAsciiDigit(c) || c is '.' or ',' or '-')
            {
                // Letters and symbols may come before the number or after it (€12, 12 EUR), never inside it: 1e400 is not 1400.
                if (afterNumber) return null;
                // A point right after a word before the number ends an abbreviation (Rs. 499, Fr. 12.50); $.99 is a decimal.
                if (c is '.' or ',' && !digits && afterWord) continue;
                afterWord = false;
                digits |= char.IsAsciiDigit(c);
                sb.Append(c);
            }
            else if (char.IsWhiteSpace(c) || c is '\'' or '\u00A0' or '\u202F') afterWord = false;
            else if (char.IsLetter(c) || CurrencySymbols.ContainsKey(c.ToString()))
            {
                afterNumber = digits;
                afterWord = !digits && char.IsLetter(c);
            }
            else return null;
        }

        var s = sb.ToString();
        if (s.Length == 0) return null;
        var lastDot = s.LastIndexOf('.');
        var lastComma = s.LastIndexOf(',');
        if (lastDot >= 0 && lastComma >= 0)
        {
            // Both: the later one is the decimal separator.
            s = lastComma > lastDot ? s.Replace(".", "", StringComparison.Ordinal).Replace(',', '.') : s.Replace(",", "", StringComparison.Ordinal);
        }
        else if (lastComma >= 0)
        {
            // Only commas: a single one followed by 1-2 digits is decimal (12,5 / 12,50); otherwise thousands (1,299).
            var decimals = s.Length - lastComma - 1;
            s = s.Count(c => c == ',') == 1 && decimals is 1 or 2 ? s.Replace(',', '.') : s.Replace(",", "", StringComparison.Ordinal);
        }
        else if (s.Count(c => c == '.') > 1)
        {
            s = s.Replace(".", "", StringComparison.Ordinal); // 1.299.000
        }

        return decimal.TryParse(s, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    public static string? NormaliseCurrency(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;
        var t = raw.Trim();
        if (CurrencySymbols.TryGetValue(t, out var code)) return code;
        t = t.ToUpperInvariant();
        return t.Length == 3 && IsoCurrencies.Contains(t) ? t : null;
    }

    private static decimal RoundToMinorUnit(decimal value, string currency) =>
        Math.Round(value, ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2, MidpointRounding.AwayFromZero);

    /// <summary>A value as a reason quotes it: at most 32 characters.</summary>
    internal static string Clip(string s) => s.Length <= 32 ? s : s[..32] + "…";

    private static readonly Dictionary<string, string> CurrencySymbols = new(StringComparer.Ordinal)
    {
        ["€"] = "EUR", ["$"] = "USD", ["US$"] = "USD", ["£"] = "GBP", ["¥"] = "JPY", ["₹"] = "INR", ["₩"] = "KRW", ["CHF"] = "CHF", ["zł"] = "PLN", ["kr"] = "SEK", ["R$"] = "BRL", ["A$"] = "AUD", ["C$"] = "CAD",
    };

    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.Ordinal) { "JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG", "RWF", "KMF", "GNF", "VUV", "XPF", "DJF", "BIF" };

    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.Ordinal) { "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND" };

    // ISO 4217 active codes.
    private static readonly HashSet<string> IsoCurrencies = new(
        ("AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP " +
        "CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR " +
        "ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN " +
        "MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD " +
        "SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL")
        .Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex SkuPattern();

    [GeneratedRegex(@"<[^>]{0,200}>", RegexOptions.CultureInvariant)]
    private static partial Regex Tags();
}
