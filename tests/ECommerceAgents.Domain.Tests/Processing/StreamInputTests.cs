using System.Text;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Tests.Processing;

public sealed class StreamInputTests
{
    private static readonly StreamPosition Position = new("shardId-000000000001", "49000");

    [Fact]
    public void FromBase64_Base64_DecodedBytesNoRejection()
    {
        var input = StreamInput.FromBase64(Position, "pk", Convert.ToBase64String("{\"a\":1}"u8), DateTimeOffset.UnixEpoch);

        Assert.Null(input.Rejection);
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(input.Data.Span));
    }

    [Theory]
    [InlineData("!!! not base64 !!!")]
    [InlineData("{\"schema\":\"com.ecommerceagents/page_view/1-0-0\"}")]
    [InlineData("abc")]
    public void FromBase64_NotBase64_RejectedAsInvalidBase64_TextKeptAsPayload(string data)
    {
        var input = StreamInput.FromBase64(Position, "pk", data, DateTimeOffset.UnixEpoch);

        Assert.Equal(FailureReason.InvalidBase64, input.Rejection?.Reason);
        Assert.Equal("invalid_base64", input.Rejection!.Reason.Name());
        Assert.Equal(data, Encoding.UTF8.GetString(input.Data.Span));
    }

    [Fact]
    public void SubRecords_NewlineDelimitedEvents_OnePerEvent_NumberedInOrder_OrderedAfterTheRecordAndBeforeTheNext()
    {
        var input = new StreamInput(Position, "pk", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}"u8.ToArray(), DateTimeOffset.UnixEpoch);

        var events = input.SubRecords().ToList();

        Assert.Equal(["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"], events.Select(e => Encoding.UTF8.GetString(e.Data.Span)));
        Assert.Equal([0, 1, 2], events.Select(e => e.Position.SubSequence));
        Assert.All(events, e => Assert.Equal(("pk", Position.ShardId, Position.SequenceNumber), (e.PartitionKey, e.Position.ShardId, e.Position.SequenceNumber)));
        // The first event keeps the record's own position (as a one-event record has it); the next ones sort after it,
        // and every one before the shard's next record, by position and by the padded string watermarks compare.
        Assert.Equal(Position, events[0].Position);
        var next = new StreamPosition(Position.ShardId, "49001");
        var ordered = new[] { next, events[2].Position, Position, events[1].Position }.Order().ToList();
        Assert.Equal([Position, events[1].Position, events[2].Position, next], ordered);
        Assert.Equal(ordered.Select(p => p.Padded), ordered.Select(p => p.Padded).Order(StringComparer.Ordinal));
        Assert.True(events[1].Position.AppliedUnder(new Dictionary<string, string> { [Position.ShardId] = events[2].Position.Padded }));
        Assert.False(events[2].Position.AppliedUnder(new Dictionary<string, string> { [Position.ShardId] = events[1].Position.Padded }));
        Assert.NotEqual(events[1].Position.ToString(), events[2].Position.ToString());
    }

    [Theory]
    [InlineData("{\"a\":1}")] // one event
    [InlineData("{\n  \"a\": 1\n}")] // one event, pretty-printed: no newline is followed by {
    [InlineData("[{\"a\":1}\n{\"a\":2}]")] // not an object: quarantined whole, as before
    [InlineData("\u00f3\u0089\n{")] // binary
    public void SubRecords_NoEventBoundary_TheRecordItself(string data)
    {
        var input = new StreamInput(Position, "pk", Encoding.UTF8.GetBytes(data), DateTimeOffset.UnixEpoch);

        Assert.Same(input, Assert.Single(input.SubRecords()));
    }

    [Fact]
    public void SubRecords_UndecodableRecord_NotSplit()
    {
        var input = StreamInput.FromBase64(Position, "pk", "{\"a\":1}\n{\"a\":2}", DateTimeOffset.UnixEpoch);

        Assert.Same(input, Assert.Single(input.SubRecords()));
    }
}
