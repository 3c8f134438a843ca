using System.Text;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Domain.Tests.Batch;

/// <summary>The quarantine's objects: a micro-batch's records a line each (<c>.jsonl</c>), older and batch-layer objects one record each.</summary>
public sealed class QuarantineLayoutTests
{
    [Fact]
    public void BatchKey_IsTheRecordKeyAsJsonLines_UnderTheArrivalHour()
    {
        var at = new DateTimeOffset(2026, 12, 4, 23, 59, 59, TimeSpan.FromHours(-2));

        Assert.Equal("quarantine/reason=schema_violation/dt=2026-12-05/hr=01/stream-shardId-1-42.jsonl", ZoneLayout.QuarantineBatchKey("schema_violation", at, "stream-shardId-1-42"));
        Assert.Equal("quarantine/reason=schema_violation/dt=2026-12-05/hr=01/stream-shardId-1-42.json", ZoneLayout.QuarantineKey("schema_violation", at, "stream-shardId-1-42"));
    }

    [Fact]
    public void JsonLinesObject_OneRecordALine_BlankLinesAndTheLastNewlineIgnored()
    {
        var body = Encoding.UTF8.GetBytes("{\"a\":1}\n{\"b\":\"x\\ny\"}\n\n{\"c\":3}");

        var records = ZoneLayout.QuarantineRecords("quarantine/reason=r/dt=d/hr=h/n.jsonl", body);

        Assert.Equal(["{\"a\":1}", "{\"b\":\"x\\ny\"}", "{\"c\":3}"], records.Select(r => Encoding.UTF8.GetString(r.Span)));
    }

    [Fact]
    public void JsonObject_IsOneRecord_EvenWithNewlinesInIt()
    {
        var body = Encoding.UTF8.GetBytes("{\n  \"reason\": \"batch_invalid\"\n}\n");

        var record = Assert.Single(ZoneLayout.QuarantineRecords("quarantine/reason=batch_invalid/dt=d/hr=h/batch-x.json", body));

        Assert.Equal(body, record.ToArray());
    }

    [Fact]
    public void Body_IsWhatRecordsReadsBack_ALineEach()
    {
        ReadOnlyMemory<byte>[] records = ["{\"a\":1}"u8.ToArray(), "{\"b\":2}"u8.ToArray()];

        var body = ZoneLayout.QuarantineBody(records);

        Assert.Equal("{\"a\":1}\n{\"b\":2}\n", Encoding.UTF8.GetString(body));
        Assert.Equal(["{\"a\":1}", "{\"b\":2}"], ZoneLayout.QuarantineRecords("q/x.jsonl", body).Select(r => Encoding.UTF8.GetString(r.Span)));
    }

    [Theory]
    [InlineData("{\"shardId\":\"shardId-1\",\"sequenceNumber\":\"42\",\"reason\":\"r\"}", "shardId-1/42/")]
    [InlineData("{\"shardId\":\"shardId-1\",\"sequenceNumber\":\"42\",\"subSequenceNumber\":3}", "shardId-1/42/3")]
    [InlineData("{\"reason\":\"batch_invalid\",\"objectKey\":\"k\"}", null)]
    [InlineData("not json", null)]
    public void Position_IsTheStreamPosition_NullWithoutOne(string record, string? position) =>
        Assert.Equal(position, ZoneLayout.QuarantinePosition(Encoding.UTF8.GetBytes(record)));
}
