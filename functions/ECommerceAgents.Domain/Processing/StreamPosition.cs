using System.Globalization;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// Where a record sits in the stream: shard and sequence number. Kinesis sequence numbers are decimal strings of up
/// to 56 digits and only ordered within a shard; padded to 64 digits they compare as strings.
/// </summary>
public readonly record struct StreamPosition(string ShardId, string SequenceNumber) : IComparable<StreamPosition>
{
    /// <summary>The sequence number padded to 64 digits, computed once.</summary>
    public string Padded { get; } = Pad(SequenceNumber);

    public static string Pad(string sequenceNumber) => sequenceNumber.PadLeft(64, '0');

    public int CompareTo(StreamPosition other) =>
        ShardId != other.ShardId
            ? string.CompareOrdinal(ShardId, other.ShardId)
            : string.CompareOrdinal(Padded, other.Padded);

    /// <summary>True when this record was already applied to an entity whose watermark for this shard is in <paramref name="watermarks"/>.</summary>
    public bool AppliedUnder(IReadOnlyDictionary<string, string>? watermarks) =>
        watermarks is not null && watermarks.TryGetValue(ShardId, out var wm) && string.CompareOrdinal(Padded, wm) <= 0;

    public override string ToString() => ShardId + ":" + SequenceNumber;

    public static bool operator <(StreamPosition left, StreamPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(StreamPosition left, StreamPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(StreamPosition left, StreamPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(StreamPosition left, StreamPosition right) => left.CompareTo(right) >= 0;

    public static string Describe(IReadOnlyDictionary<string, string> watermarks) =>
        string.Join(",", watermarks.Select(w => w.Key + "=" + w.Value.TrimStart('0').ToString(CultureInfo.InvariantCulture)));
}

/// <summary>One stream record as the processor receives it.</summary>
public sealed record StreamInput(StreamPosition Position, string PartitionKey, ReadOnlyMemory<byte> Data, DateTimeOffset ArrivalTime)
{
    /// <summary>
    /// Set when the record could not even be decoded into bytes (its data was not base64): it is quarantined with this
    /// rejection, and <see cref="Data"/> holds the data's text as delivered (UTF-8), the only payload there is.
    /// </summary>
    public RejectedRecord? Rejection { get; init; }

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
            Rejection = new RejectedRecord(FailureReason.InvalidBase64,
                [new Violation("$", "base64", $"the Kinesis record's data ({data.Length} characters) is not base64; the quarantine keeps the text as delivered")]),
        };
    }
}
