using System.Text;
using ECommerceAgents.Domain.Catalog;

namespace ECommerceAgents.Domain.Tests.Catalog;

public sealed class CatalogRowReaderTests
{
    private static (CatalogRowReader Reader, List<RawProductRow> Rows) Read(string text, CatalogFormat format)
    {
        var reader = new CatalogRowReader(new MemoryStream(Encoding.UTF8.GetBytes(text)), format);
        return (reader, reader.Rows().ToList());
    }

    [Fact]
    public void Rows_CsvWithAliasedColumns_Mapped()
    {
        var (_, rows) = Read("\uFEFFID,Product Name,MSRP,Qty,Sale Price,Currency Code,unknown\nA1,Lamp,20,3,15,eur,zzz\n", CatalogFormat.Csv);

        var row = Assert.Single(rows);
        Assert.Equal(("A1", "Lamp", "20", "3", "15", "eur"), (row.Sku, row.Title, row.ListPrice, row.Stock, row.Price, row.Currency));
    }

    [Fact]
    public void Rows_WrongFieldCount_MalformedWithLine()
    {
        var (_, rows) = Read("sku,title,price\nA1,Lamp\nA2,Chair,3\n", CatalogFormat.Csv);

        Assert.Equal(2, rows[0].Line);
        Assert.Contains("expected 3 fields, found 2", rows[0].Error, StringComparison.Ordinal);
        Assert.Null(rows[1].Error);
    }

    [Fact]
    public void Rows_NoSkuColumn_FileRejected()
    {
        var (reader, rows) = Read("name,price\nLamp,3\n", CatalogFormat.Csv);

        Assert.Contains("sku", reader.HeaderError, StringComparison.Ordinal);
        Assert.Empty(rows);
    }

    [Fact]
    public void Rows_JsonLines_NumbersAndMalformedLines()
    {
        var (_, rows) = Read("{\"sku\":\"A1\",\"name\":\"Lamp\",\"price\":12.5,\"stock\":4}\n\n{\"sku\":\"A2\",\"title\":\n[1,2]\n", CatalogFormat.JsonLines);

        Assert.Equal(3, rows.Count);
        Assert.Equal(("A1", "Lamp", "12.5", "4"), (rows[0].Sku, rows[0].Title, rows[0].Price, rows[0].Stock));
        Assert.Equal(3, rows[1].Line);
        Assert.StartsWith("malformed_json", rows[1].Error, StringComparison.Ordinal);
        Assert.Equal(4, rows[2].Line);
    }

    [Theory]
    [InlineData("catalog/incoming/a.csv", nameof(CatalogFormat.Csv), false)]
    [InlineData("catalog/incoming/a.CSV.gz", nameof(CatalogFormat.Csv), true)]
    [InlineData("catalog/incoming/summer sale 2026.jsonl", nameof(CatalogFormat.JsonLines), false)]
    [InlineData("catalog/incoming/x.ndjson.gz", nameof(CatalogFormat.JsonLines), true)]
    public void FormatOf_Extension(string key, string format, bool gzip)
    {
        Assert.Equal((Enum.Parse<CatalogFormat>(format), gzip), CatalogRowReader.FormatOf(key));
    }

    [Fact]
    public void FormatOf_UnknownExtension_Null()
    {
        Assert.Null(CatalogRowReader.FormatOf("catalog/incoming/a.xlsx"));
    }

    [Fact]
    public void Rows_BytesNotUtf8_RowMalformedOthersRead()
    {
        var bytes = Encoding.UTF8.GetBytes("sku,title,price\nA1,Caf").Concat(new byte[] { 0xE9 }).Concat(Encoding.UTF8.GetBytes(",3\nA2,Caf\u00E9 \uFFFD,4\n")).ToArray();
        var rows = new CatalogRowReader(new MemoryStream(bytes), CatalogFormat.Csv).Rows().ToList();

        Assert.StartsWith("invalid_utf8", rows[0].Error, StringComparison.Ordinal);
        Assert.Equal("Caf\u00E9 \uFFFD", rows[1].Title); // a well-formed U+FFFD is text, not a decoding failure
    }

    [Theory]
    [InlineData("{\"sku\":\"A1\",\"price\":5,\"price\":0.01}", "appears twice")]
    [InlineData("{\"sku\":\"A1\",\"Price\":5,\"price\":0.01}", "appears twice")]
    [InlineData("{\"sku\":\"A1\",\"title\":\"x\\ud800y\"}", "lone surrogate")]
    [InlineData("{\"sku\":\"A1\",\"t\":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}", "malformed_json")]
    public void Rows_JsonLineNotAcceptable_MalformedWithReason(string line, string reason)
    {
        var (_, rows) = Read(line + "\n{\"sku\":\"A2\",\"price\":1}\n", CatalogFormat.JsonLines);

        Assert.Contains(reason, rows[0].Error, StringComparison.Ordinal);
        Assert.Equal(("A2", null), (rows[1].Sku, rows[1].Error));
    }
}
