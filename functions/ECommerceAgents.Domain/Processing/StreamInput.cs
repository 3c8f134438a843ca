using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Processing;

/// <summary>One stream record as the processor receives it.</summary>
public sealed record StreamInput(StreamPosition Position, string PartitionKey, ReadOnlyMemory<byte> Data, DateTimeOffset ArrivalTime)
{
    /// <summary>
    /// Set when the record could not even be decoded into bytes (its data was not base64): it is quarantined with this
    /// rejection, and <see cref="Data"/> holds the data's text as delivered (UTF-8), the only payload there is.
    /// </summary>
    public RejectedEvent? Rejection { get; init; }

    /// <summary>
    /// The events one Kinesis record carries. The API packs the events of a request that share a partition key into
    /// one record, newline-delimited (NDJSON: Kinesis and the raw archive's Firehose bill each record in 1 KB, 25 KB and
    /// 5 KB steps, so ten 1 KB events cost what one does). A boundary is a <c>\n</c> directly followed by <c>{</c>, which
    /// compact JSON never holds inside an event; a record that does not start with <c>{</c> (binary, a KPL aggregate,
    /// undecodable data) or holds no boundary is one event, as before. Each event gets the record's position with its
    /// place in the record as <see cref="StreamPosition.SubSequence"/>, so a redelivered record's events are recognised
    /// one by one. The raw archive's Firehose appends a newline to every record, so the archive holds one event per line
    /// either way, and a replay reads the same events.
    /// </summary>
    public IEnumerable<StreamInput> SubRecords()
    {
        var data = Data;
        if (Rejection is not null || data.Length == 0 || data.Span[0] != (byte)'{' || data.Span.IndexOf("\n{"u8) < 0)
        {
            yield return this;
            yield break;
        }

        for (var sub = 0; ; sub++)
        {
            // The last number a position can give takes the rest whole (it then fails validation and is quarantined).
            var at = sub == StreamPosition.MaxSubRecords ? -1 : data.Span.IndexOf("\n{"u8);
            yield return this with { Position = new StreamPosition(Position.ShardId, Position.SequenceNumber, sub), Data = at < 0 ? data : data[..at] };
            if (at < 0) yield break;
            data = data[(at + 1)..];
        }
    }

    /// <summary>A record as Lambda delivers it, its data in base64. Data that is not base64 makes a record that is rejected alone.</summary>
    public static StreamInput FromBase64(StreamPosition position, string partitionKey, string data, DateTimeOffset arrivalTime)
    {
        var buffer = new byte[(data.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(data, buffer, out var written))
        {
            return new StreamInput(position, partitionKey, buffer.AsMemory(0, written), arrivalTime);
        }

        return new StreamInput(position, partitionKey, System.Text.Encoding.UTF8.GetBytes(data), arrivalTime)
        {
            Rejection = new RejectedEvent(FailureReason.InvalidBase64,
                [new Violation("$", "base64", $"the Kinesis record's data ({data.Length} characters) is not base64; the quarantine keeps the text as delivered")]),
        };
    }
}
