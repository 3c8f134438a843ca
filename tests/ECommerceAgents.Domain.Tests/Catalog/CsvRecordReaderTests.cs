using ECommerceAgents.Domain.Catalog;

namespace ECommerceAgents.Domain.Tests.Catalog;

public sealed class CsvRecordReaderTests
{
    private static List<CsvRecord> ReadAll(string csv, char? delimiter = ',', int max = 1 << 20)
    {
        var reader = new CsvRecordReader(new StringReader(csv), delimiter, max);
        var records = new List<CsvRecord>();
        while (reader.Read() is { } r) records.Add(r);
        return records;
    }

    [Fact]
    public void Read_QuotesEscapedQuotesCommasAndNewlines_FieldsAndStartingLines()
    {
        var records = ReadAll("sku,title,price\r\nA1,\"Lamp, \"\"Nordic\"\" style\",12.50\r\nA2,\"Two\nline title\",3\nA3,Plain,4\n");

        Assert.Equal(4, records.Count);
        Assert.Equal(["A1", "Lamp, \"Nordic\" style", "12.50"], records[1].Fields);
        Assert.Equal(2, records[1].Line);
        Assert.Equal(["A2", "Two\nline title", "3"], records[2].Fields);
        Assert.Equal(3, records[2].Line);
        Assert.Equal(5, records[3].Line);
    }

    [Fact]
    public void Read_UnclosedQuote_RowMalformedWithItsLineAndTheRowsAfterItRead()
    {
        var records = ReadAll("sku,title,price\nA1,\"Unclosed title,10.00\nA2,Good,12.00\nA3,\"Fine, quoted\",5\n");

        var bad = records.Single(r => r.IsMalformed);
        Assert.Equal(2, bad.Line);
        Assert.Contains("quote", bad.Error, StringComparison.Ordinal);
        Assert.Equal(["A2", "Good", "12.00"], records.Single(r => r.Line == 3).Fields);
        Assert.Equal(["A3", "Fine, quoted", "5"], records.Single(r => r.Line == 4).Fields);
    }

    [Fact]
    public void Read_UnclosedQuoteOnLastRow_MalformedNotLost()
    {
        var records = ReadAll("sku,title\nA1,\"never closed\n");

        Assert.True(records[1].IsMalformed);
        Assert.Equal(2, records[1].Line);
    }

    [Fact]
    public void Read_TextAfterClosingQuote_Malformed()
    {
        var records = ReadAll("sku,title,price\nA1,\"Lamp \"Nordic\" style\",12\nA2,ok,1\n");

        Assert.True(records[1].IsMalformed);
        Assert.Contains("after a closing quote", records[1].Error, StringComparison.Ordinal);
        Assert.Equal(["A2", "ok", "1"], records[2].Fields);
    }

    [Fact]
    public void Read_BareQuoteInsideUnquotedField_KeptLiterally()
    {
        var records = ReadAll("sku,title\nA1,Monitor 27\" wide\n");

        Assert.Equal(["A1", "Monitor 27\" wide"], records[1].Fields);
    }

    [Fact]
    public void Read_QuotedFieldLongerThanTheCap_MalformedAndFollowingLinesRead()
    {
        var lines = string.Join('\n', Enumerable.Range(0, 50).Select(i => $"B{i},x"));
        var records = ReadAll("sku,title\nA1,\"runaway\n" + lines + "\n", max: 200);

        Assert.True(records[1].IsMalformed);
        Assert.Equal(50, records.Count(r => !r.IsMalformed && r.Fields[0].StartsWith('B')));
    }

    [Theory]
    [InlineData("sku;title;price", ';')]
    [InlineData("sku\ttitle\tprice", '\t')]
    [InlineData("sku,title,\"a;b\"", ',')]
    public void Read_DelimiterDetectedFromHeader(string header, char expected)
    {
        var reader = new CsvRecordReader(new StringReader(header + "\n"));

        reader.Read();

        Assert.Equal(expected, reader.Delimiter);
    }

    [Fact]
    public void Read_BlankLinesSkipped_LineNumbersStillPhysical()
    {
        var records = ReadAll("sku\n\nA1\n\nA2\n");

        Assert.Equal([1L, 3L, 5L], records.Select(r => r.Line));
    }
}
