using System.Globalization;

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
