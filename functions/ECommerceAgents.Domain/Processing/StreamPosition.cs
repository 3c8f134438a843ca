using System.Globalization;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// Where an event sits in the stream: shard, the Kinesis record's sequence number, and the event's place among the
/// record's newline-delimited events (<see cref="SubSequence"/>, 0 for the first or only one; see
/// <see cref="StreamInput.SubRecords"/>). Kinesis sequence numbers are decimal strings of up to 56 digits and only
/// ordered within a shard; padded to 64 digits, with <c>.</c> and five digits for a later event of the same record,
/// they compare as strings, so every watermark, cursor and contribution key orders events, not records.
/// </summary>
public readonly record struct StreamPosition(string ShardId, string SequenceNumber, int SubSequence = 0) : IComparable<StreamPosition>
{
    /// <summary>The most events one record carries: the sub-sequence's five digits.</summary>
    public const int MaxSubRecords = 99_999;

    /// <summary>The sequence number padded to 64 digits (and the sub-sequence after it when not 0), computed once.</summary>
    public string Padded { get; } = Pad(SequenceNumber) + Suffix(SubSequence);

    public static string Pad(string sequenceNumber) => sequenceNumber.PadLeft(64, '0');

    private static string Suffix(int subSequence) => subSequence == 0 ? string.Empty : "." + subSequence.ToString("D5", CultureInfo.InvariantCulture);

    public int CompareTo(StreamPosition other) =>
        ShardId != other.ShardId
            ? string.CompareOrdinal(ShardId, other.ShardId)
            : string.CompareOrdinal(Padded, other.Padded);

    /// <summary>True when this record was already applied to an entity whose watermark for this shard is in <paramref name="watermarks"/>.</summary>
    public bool AppliedUnder(IReadOnlyDictionary<string, string>? watermarks) =>
        watermarks is not null && watermarks.TryGetValue(ShardId, out var wm) && string.CompareOrdinal(Padded, wm) <= 0;

    public override string ToString() => ShardId + ":" + SequenceNumber + (SubSequence == 0 ? string.Empty : "." + SubSequence.ToString(CultureInfo.InvariantCulture));

    public static bool operator <(StreamPosition left, StreamPosition right) => left.CompareTo(right) < 0;

    public static bool operator >(StreamPosition left, StreamPosition right) => left.CompareTo(right) > 0;

    public static bool operator <=(StreamPosition left, StreamPosition right) => left.CompareTo(right) <= 0;

    public static bool operator >=(StreamPosition left, StreamPosition right) => left.CompareTo(right) >= 0;

    public static string Describe(IReadOnlyDictionary<string, string> watermarks) =>
        string.Join(",", watermarks.Select(w => w.Key + "=" + w.Value.TrimStart('0').ToString(CultureInfo.InvariantCulture)));
}
