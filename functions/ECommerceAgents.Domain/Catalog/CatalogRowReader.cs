using System.Text;
using System.Text.Json;

namespace ECommerceAgents.Domain.Catalog;

internal enum CatalogFormat
{
    Csv,
    JsonLines,
}

/// <summary>A catalog row as the file gives it: raw text per known column, or why the row could not be read.</summary>
internal sealed class RawProductRow
{
    public long Line { get; init; }

    public string? Error { get; init; }

    public string? Sku { get; set; }

    public string? Title { get; set; }

    public string? Description { get; set; }

    public string? Category { get; set; }

    public string? Brand { get; set; }

    public string? Price { get; set; }

    public string? Currency { get; set; }

    public string? ListPrice { get; set; }

    public string? Stock { get; set; }

    public string? Status { get; set; }

    public static RawProductRow Malformed(long line, string error) => new() { Line = line, Error = error };
}

/// <summary>
/// Streams the rows of a catalog file (CSV with a header row, or JSON Lines; optionally <c>.gz</c>) without loading it:
/// one row at a time, with its physical line number. Column names are matched case-insensitively with common aliases
/// (<c>id</c>, <c>name</c>, <c>msrp</c>, <c>quantity</c>, …); unknown columns are ignored.
/// </summary>
internal sealed class CatalogRowReader : IDisposable
{
    private static readonly Dictionary<string, string> Aliases = BuildAliases();
    private readonly StreamReader _text;
    private readonly CsvRecordReader? _csv;
    private readonly string?[]? _columns;
    private long _jsonLine;

    /// <summary>
    /// Stands in for bytes that are not UTF-8. U+FDD0 is a Unicode noncharacter, never meant for interchange, so unlike
    /// U+FFFD (which a file may legitimately contain) finding it in a row means the row's bytes were not UTF-8.
    /// </summary>
    public const char InvalidByte = '\uFDD0';

    private static readonly Encoding Utf8Marking = Encoding.GetEncoding("utf-8", EncoderFallback.ReplacementFallback, new DecoderReplacementFallback(InvalidByte.ToString()));

    /// <param name="gzip">Decompress through <see cref="CheckedGzipStream"/>: corrupt, truncated or bomb-like data throws
    /// <see cref="BadCompressedFileException"/>, from here (the header) or from <see cref="Rows"/>.</param>
    public CatalogRowReader(Stream stream, CatalogFormat format, bool gzip = false, int maxRowChars = 1 << 20, GzipLimits? gzipLimits = null)
    {
        Format = format;
        MaxRowChars = maxRowChars;
        var source = gzip ? new CheckedGzipStream(stream, gzipLimits) : stream;
        _text = new StreamReader(source, Utf8Marking, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
        try
        {
            (HeaderError, Columns, _csv, _columns) = format == CatalogFormat.Csv ? ReadHeader(_text, maxRowChars) : (null, [], null, null);
        }
        catch
        {
            _text.Dispose(); // the decompressor's native state too, when the header itself cannot be read
            throw;
        }
    }

    private static (string? Error, IReadOnlyList<string> Columns, CsvRecordReader? Csv, string?[]? Mapped) ReadHeader(StreamReader text, int maxRowChars)
    {
        var csv = new CsvRecordReader(text, null, maxRowChars);
        var header = csv.Read();
        if (header is null || header.IsMalformed)
        {
            return (header is null ? "the file is empty" : $"the header row is malformed: {header.Error}", [], csv, null);
        }

        var columns = header.Fields.Select(f => Aliases.GetValueOrDefault(Normalise(f))).ToArray();
        var error = !columns.Contains("sku") ? "the header has no sku column (sku, id, product_id, item_id)"
            : !columns.Contains("title") ? "the header has no title column (title, name, product_name)"
            : !columns.Contains("price") ? "the header has no price column (price, sale_price)"
            : null;
        return (error, header.Fields, csv, columns);
    }

    public CatalogFormat Format { get; }

    public int MaxRowChars { get; }

    /// <summary>Why the file cannot be read at all (no header, no sku column); null when it can.</summary>
    public string? HeaderError { get; }

    public IReadOnlyList<string> Columns { get; } = [];

    /// <summary>The CSV delimiter in use (detected from the header).</summary>
    public char Delimiter => _csv?.Delimiter ?? ',';

    /// <summary>Format from the key's extension (<c>.csv</c>, <c>.tsv</c>, <c>.jsonl</c>, <c>.ndjson</c>, <c>.json</c>, each optionally <c>.gz</c>).</summary>
    public static (CatalogFormat Format, bool Gzip)? FormatOf(string key)
    {
        var name = key.ToLowerInvariant();
        var gzip = name.EndsWith(".gz", StringComparison.Ordinal);
        if (gzip) name = name[..^3];
        if (name.EndsWith(".csv", StringComparison.Ordinal) || name.EndsWith(".tsv", StringComparison.Ordinal) || name.EndsWith(".txt", StringComparison.Ordinal)) return (CatalogFormat.Csv, gzip);
        if (name.EndsWith(".jsonl", StringComparison.Ordinal) || name.EndsWith(".ndjson", StringComparison.Ordinal) || name.EndsWith(".json", StringComparison.Ordinal)) return (CatalogFormat.JsonLines, gzip);
        return null;
    }

    public IEnumerable<RawProductRow> Rows()
    {
        if (HeaderError is not null) yield break;
        if (_csv is not null)
        {
            while (_csv.Read() is { } record)
            {
                yield return FromCsv(record);
            }

            yield break;
        }

        while (ReadJsonLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line.Text)) continue;
            yield return FromJson(line.Line, line.Text);
        }
    }

    private RawProductRow FromCsv(CsvRecord record)
    {
        if (record.IsMalformed) return RawProductRow.Malformed(record.Line, "malformed_csv: " + record.Error);
        if (record.Fields.Count != _columns!.Length)
        {
            return RawProductRow.Malformed(record.Line, $"malformed_csv: expected {_columns.Length} fields, found {record.Fields.Count}");
        }

        foreach (var field in record.Fields)
        {
            if (field.Contains(InvalidByte, StringComparison.Ordinal)) return RawProductRow.Malformed(record.Line, NotUtf8);
        }

        var row = new RawProductRow { Line = record.Line };
        for (var i = 0; i < _columns.Length; i++)
        {
            if (_columns[i] is { } column) Set(row, column, record.Fields[i]);
        }

        return row;
    }

    private const string NotUtf8 = "invalid_utf8: the row has bytes that are not UTF-8";

    private static RawProductRow FromJson(long line, string text)
    {
        if (text.Contains(InvalidByte, StringComparison.Ordinal)) return RawProductRow.Malformed(line, NotUtf8);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            return RawProductRow.Malformed(line, "malformed_json: " + ex.Message.Split(" LineNumber", 2)[0]);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return RawProductRow.Malformed(line, "malformed_json: a line must be a JSON object");
            var row = new RawProductRow { Line = line };
            var names = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    // JSON leaves duplicate names undefined (RFC 8259 §4) and parsers disagree on which one wins.
                    // Names are matched as columns are (Price, price and PRICE are one), so compare them that way.
                    var name = Normalise(p.Name);
                    if (!names.Add(name)) return RawProductRow.Malformed(line, $"malformed_json: the key '{ProductCleanser.Clip(p.Name)}' appears twice");
                    if (!Aliases.TryGetValue(name, out var column)) continue;
                    var value = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString(),
                        JsonValueKind.Number => p.Value.GetRawText(),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        JsonValueKind.Null => null,
                        _ => p.Value.GetRawText(),
                    };
                    Set(row, column, value);
                }
            }
            catch (InvalidOperationException)
            {
                // System.Text.Json parses "\ud800" but cannot turn it into a string: the corpus found this failing the whole import.
                return RawProductRow.Malformed(line, "malformed_json: a string has a lone surrogate escape (not valid Unicode)");
            }

            return row;
        }
    }

    private (long Line, string Text)? ReadJsonLine()
    {
        var sb = new StringBuilder();
        var any = false;
        var tooLong = false;
        while (true)
        {
            var c = _text.Read();
            if (c < 0) break;
            any = true;
            if (c == '\n') break;
            if (c == '\r')
            {
                if (_text.Peek() == '\n') _text.Read();
                break;
            }

            if (sb.Length < MaxRowChars) sb.Append((char)c);
            else tooLong = true;
        }

        if (!any) return null;
        _jsonLine++;
        // An over-long line is cut, so it fails to parse and is rejected with its line number.
        return (_jsonLine, tooLong ? sb.ToString(0, Math.Min(sb.Length, 64)) + "…" : sb.ToString());
    }

    private static void Set(RawProductRow row, string column, string? value)
    {
        switch (column)
        {
            case "sku": row.Sku = value; break;
            case "title": row.Title = value; break;
            case "description": row.Description = value; break;
            case "category": row.Category = value; break;
            case "brand": row.Brand = value; break;
            case "price": row.Price = value; break;
            case "currency": row.Currency = value; break;
            case "listPrice": row.ListPrice = value; break;
            case "stock": row.Stock = value; break;
            case "status": row.Status = value; break;
        }
    }

    private static string Normalise(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (var c in name.Trim().Trim('\uFEFF'))
        {
            if (char.IsLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }

    private static Dictionary<string, string> BuildAliases()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string column, params string[] names)
        {
            foreach (var n in names) map[Normalise(n)] = column;
        }

        Add("sku", "sku", "id", "product_id", "productId", "item_id", "itemId", "article", "article_number");
        Add("title", "title", "name", "product_name", "productName", "product_title");
        Add("description", "description", "desc", "long_description", "body");
        Add("category", "category", "product_type", "productType", "department", "category_name", "google_product_category");
        Add("brand", "brand", "manufacturer", "vendor", "make");
        Add("price", "price", "sale_price", "salePrice", "unit_price", "unitPrice");
        Add("currency", "currency", "currency_code", "currencyCode");
        Add("listPrice", "list_price", "listPrice", "msrp", "rrp", "compare_at_price", "compareAtPrice", "original_price", "originalPrice", "regular_price");
        Add("stock", "stock", "quantity", "qty", "inventory", "stock_quantity", "stockQuantity", "available_quantity", "on_hand");
        Add("status", "status", "state", "action");
        return map;
    }

    public void Dispose() => _text.Dispose();
}
