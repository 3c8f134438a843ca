using System.Globalization;

namespace ECommerceAgents.Domain.Batch;

/// <summary>
/// One unit of batch work: an event type's hour (event time, UTC). The enriched zone holds it under
/// <c>events/type=/dt=/hr=/</c>; the processed zone writes its Parquet under the same partition path.
/// </summary>
public readonly record struct PartitionId(string Type, string Dt, string Hr) : IComparable<PartitionId>
{
    public string Path => $"type={Type}/dt={Dt}/hr={Hr}/";

    /// <summary>The hour's start, UTC.</summary>
    public DateTimeOffset Hour => DateTimeOffset.ParseExact(Dt + "T" + Hr, "yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    /// <summary>The watermark table's sort key for this partition (partition key <c>batch#&lt;dt&gt;</c>).</summary>
    public string WatermarkSortKey => Type + "/" + Hr;

    public string WatermarkPartitionKey => WatermarkPk(Dt);

    public static string WatermarkPk(string dt) => "batch#" + dt;

    public static PartitionId At(string type, DateTimeOffset hour)
    {
        var utc = hour.UtcDateTime;
        return new PartitionId(type, utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), utc.ToString("HH", CultureInfo.InvariantCulture));
    }

    /// <summary>Reads <c>…type=X/dt=Y/hr=Z/…</c> out of an object key; null when the key has no such partition.</summary>
    public static PartitionId? FromKey(string key)
    {
        string? type = null, dt = null, hr = null;
        foreach (var part in key.Split('/'))
        {
            if (part.StartsWith("type=", StringComparison.Ordinal)) type = part[5..];
            else if (part.StartsWith("dt=", StringComparison.Ordinal)) dt = part[3..];
            else if (part.StartsWith("hr=", StringComparison.Ordinal)) hr = part[3..];
        }

        return type is { Length: > 0 } && dt is { Length: 10 } && hr is { Length: 2 } ? new PartitionId(type, dt, hr) : null;
    }

    public static bool IsDate(string value) =>
        DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    public int CompareTo(PartitionId other)
    {
        var c = string.CompareOrdinal(Dt, other.Dt);
        if (c == 0) c = string.CompareOrdinal(Hr, other.Hr);
        return c != 0 ? c : string.CompareOrdinal(Type, other.Type);
    }

    public override string ToString() => $"{Type}/{Dt}/{Hr}";

    public static bool operator <(PartitionId left, PartitionId right) => left.CompareTo(right) < 0;

    public static bool operator <=(PartitionId left, PartitionId right) => left.CompareTo(right) <= 0;

    public static bool operator >(PartitionId left, PartitionId right) => left.CompareTo(right) > 0;

    public static bool operator >=(PartitionId left, PartitionId right) => left.CompareTo(right) >= 0;
}
