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
    /// one record, newline-delimited (<see cref="Pack"/>: Kinesis and the raw archive's Firehose bill each
    /// record in 1 KB, 25 KB and 5 KB steps, so ten 1 KB events cost what one does); a record that does not start with <c>{</c> (binary, a KPL aggregate,
    /// undecodable data) or holds no boundary is one event, as before. Each event gets the record's position with its
    /// place in the record as <see cref="StreamPosition.SubSequence"/>, so a redelivered record's events are recognised
    /// one by one. The raw archive's Firehose appends a newline to every record, so the archive holds one event per line
    /// either way, and a replay reads the same events.
    /// </summary>
    public IEnumerable<StreamInput> SubRecords()
    {
        var data = Data;
        if (Rejection is not null || data.Length == 0 || data.Span[0] != (byte)'{' || NextBoundary(data.Span) < 0)
        {
            yield return this;
            yield break;
        }

        for (var sub = 0; ; sub++)
        {
            // The last number a position can give takes the rest whole (it then fails validation and is quarantined).
            var at = sub == StreamPosition.MaxSubRecords ? -1 : NextBoundary(data.Span);
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

    // The record format of several events, read by SubRecords and written by Pack: compact JSON objects,
    // newline-delimited (NDJSON). A boundary is a newline directly followed by {, which compact JSON never holds
    // inside an event, so only events CanPack accepts share a record.

    /// <summary>Whether an event may share a record: a JSON object with no newline of its own.</summary>
    private static bool CanPack(ReadOnlySpan<byte> record) => record.Length > 0 && record[0] == (byte)'{' && record.IndexOf((byte)'\n') < 0;

    /// <summary>Where the first event of <paramref name="data"/> ends (the newline before the next one), or -1 when it is the last.</summary>
    private static int NextBoundary(ReadOnlySpan<byte> data) => data.IndexOf("\n{"u8);

    /// <summary>
    /// A request's events as stream records: the events that share a partition key, in their order, in records of at
    /// most <paramref name="maxBytes"/>. They ride the key's shard as one record would, so a key's events stay in order.
    /// An event that <see cref="CanPack"/> refuses, or one larger than the limit, is a record of its own.
    /// </summary>
    public static IEnumerable<(byte[] Data, int[] Events)> Pack(IReadOnlyList<Ingest.AcceptedEvent> events, int maxBytes)
    {
        var open = new Dictionary<string, (List<int> Events, int Bytes)>(StringComparer.Ordinal);
        var order = new List<List<int>>();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (!CanPack(e.Record))
            {
                order.Add([i]);
                continue;
            }

            if (open.TryGetValue(e.PartitionKey, out var group) && group.Bytes + 1 + e.Record.Length <= maxBytes)
            {
                group.Events.Add(i);
                open[e.PartitionKey] = (group.Events, group.Bytes + 1 + e.Record.Length);
                continue;
            }

            open[e.PartitionKey] = ([i], e.Record.Length);
            order.Add(open[e.PartitionKey].Events);
        }

        foreach (var group in order)
        {
            yield return (group.Count == 1 ? events[group[0]].Record : Join(events, group), [.. group]);
        }
    }

    private static byte[] Join(IReadOnlyList<Ingest.AcceptedEvent> events, List<int> group)
    {
        var data = new byte[group.Sum(i => events[i].Record.Length) + group.Count - 1];
        var at = 0;
        foreach (var i in group)
        {
            if (at > 0) data[at++] = (byte)'\n';
            events[i].Record.CopyTo(data, at);
            at += events[i].Record.Length;
        }

        return data;
    }
}
