using System.Text;
using System.Text.Json;

namespace ECommerceAgents.Local.Cost.Measure;

/// <summary>
/// How AWS turns a request into billed units, as its pricing pages and developer guides state them: DynamoDB items
/// sized by their attribute names and values and billed per 1 KB written and 4 KB read, Kinesis records per 1 KB
/// (on-demand data in) or per 25 KB PUT payload unit (provisioned), Firehose records per 5 KB. Pure functions, so the
/// metering proxies and the tests share one set of rules.
/// </summary>
public static class BillingRules
{
    public const int WriteUnitBytes = 1_024;
    public const int ReadUnitBytes = 4_096;
    public const int KinesisOnDemandIncrementBytes = 1_024;
    public const int KinesisPayloadUnitBytes = 25 * 1_024;
    public const int FirehoseIncrementBytes = 5 * 1_024;

    /// <summary>
    /// A DynamoDB item's size from its wire form (the <c>{"name": {"S": "…"}}</c> map the JSON protocol sends): each
    /// attribute's name in UTF-8 bytes plus its value. Strings count their UTF-8 bytes, binaries their decoded bytes,
    /// numbers one byte per two significant digits plus one, booleans and nulls one byte, lists and maps 3 bytes plus
    /// one byte per element plus the elements (a map's keys are names), sets their elements (DynamoDB developer guide,
    /// "Item sizes and formats").
    /// </summary>
    public static long ItemBytes(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object) return 0;
        long bytes = 0;
        foreach (var attribute in item.EnumerateObject()) bytes += Encoding.UTF8.GetByteCount(attribute.Name) + ValueBytes(attribute.Value);
        return bytes;
    }

    /// <summary>One attribute value's size (<see cref="ItemBytes"/>).</summary>
    public static long ValueBytes(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) return 0;
        foreach (var typed in value.EnumerateObject())
        {
            var v = typed.Value;
            switch (typed.Name)
            {
                case "S": return Encoding.UTF8.GetByteCount(v.GetString() ?? "");
                case "N": return NumberBytes(v.GetString() ?? "0");
                case "B": return Base64Bytes(v.GetString());
                case "BOOL" or "NULL": return 1;
                case "SS":
                    return v.EnumerateArray().Sum(e => (long)Encoding.UTF8.GetByteCount(e.GetString() ?? ""));
                case "NS":
                    return v.EnumerateArray().Sum(e => NumberBytes(e.GetString() ?? "0"));
                case "BS":
                    return v.EnumerateArray().Sum(e => Base64Bytes(e.GetString()));
                case "L":
                    return 3 + v.EnumerateArray().Sum(e => 1 + ValueBytes(e));
                case "M":
                    return 3 + v.EnumerateObject().Sum(e => 1 + Encoding.UTF8.GetByteCount(e.Name) + ValueBytes(e.Value));
            }
        }

        return 0;
    }

    /// <summary>A number's size: leading and trailing zeroes trimmed, one byte per two significant digits, plus one.</summary>
    public static long NumberBytes(string number)
    {
        var mantissa = number.Split('e', 'E')[0];
        var digits = new StringBuilder(mantissa.Length);
        foreach (var c in mantissa)
        {
            if (char.IsAsciiDigit(c)) digits.Append(c);
        }

        var significant = digits.ToString().Trim('0').Length;
        return ((Math.Max(1, significant) + 1) / 2) + 1;
    }

    /// <summary>Write request units of one item write: 1 per KB of the item, at least 1 (on-demand and provisioned alike).</summary>
    public static long WriteUnits(long itemBytes) => Math.Max(1, (itemBytes + WriteUnitBytes - 1) / WriteUnitBytes);

    /// <summary>
    /// Read request units of reading <paramref name="bytes"/> (one item, or a Query page's items summed): 1 per 4 KB,
    /// at least 1, half that when eventually consistent.
    /// </summary>
    public static double ReadUnits(long bytes, bool consistent)
    {
        var units = Math.Max(1, (bytes + ReadUnitBytes - 1) / ReadUnitBytes);
        return consistent ? units : units / 2.0;
    }

    /// <summary>
    /// Write units a global secondary index bills for one item write (DynamoDB developer guide, "Provisioned throughput
    /// considerations for Global Secondary Indexes"): an item that enters the index costs one write, one that leaves it
    /// one, one whose index key changes two (delete and put), one whose projected attributes change one; an item in the
    /// index neither before nor after costs nothing. Each index write is billed in 1 KB units of the index entry: the
    /// table's key, the index's key and the projected attributes, plus 100 bytes. <paramref name="before"/> and
    /// <paramref name="after"/> are the item's wire forms (null: no item).
    /// </summary>
    public static long IndexWriteUnits(JsonElement? before, JsonElement? after, IndexSchema index, IReadOnlyList<string> tableKey)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(tableKey);
        var wasIn = before is { } b && index.Key.All(k => b.TryGetProperty(k, out _));
        var isIn = after is { } a && index.Key.All(k => a.TryGetProperty(k, out _));
        if (!wasIn && !isIn) return 0;
        var old = wasIn ? Projected(before!.Value, index, tableKey) : null;
        var @new = isIn ? Projected(after!.Value, index, tableKey) : null;
        if (wasIn && isIn)
        {
            var keyChanged = index.Key.Any(k => before!.Value.GetProperty(k).GetRawText() != after!.Value.GetProperty(k).GetRawText());
            if (keyChanged) return EntryUnits(old!) + EntryUnits(@new!);
            return old!.SequenceEqual(@new!) ? 0 : EntryUnits(@new!);
        }

        return EntryUnits(wasIn ? old! : @new!);
    }

    private static long EntryUnits(List<(string Name, string Value, long Bytes)> entry) => WriteUnits(entry.Sum(e => e.Bytes) + 100);

    /// <summary>The attributes an index entry holds, sorted by name: the table's and the index's keys and the projection.</summary>
    private static List<(string Name, string Value, long Bytes)> Projected(JsonElement item, IndexSchema index, IReadOnlyList<string> tableKey) =>
        [.. item.EnumerateObject()
            .Where(a => index.ProjectsAll || tableKey.Contains(a.Name) || index.Key.Contains(a.Name) || index.Projected.Contains(a.Name))
            .Select(a => (a.Name, a.Value.GetRawText(), Encoding.UTF8.GetByteCount(a.Name) + ValueBytes(a.Value)))
            .OrderBy(a => a.Name, StringComparer.Ordinal)];

    /// <summary>KB of on-demand Kinesis data in for one record (data blob plus partition key, rounded up to 1 KB).</summary>
    public static long KinesisBilledKb(long recordBytes) => Math.Max(1, (recordBytes + KinesisOnDemandIncrementBytes - 1) / KinesisOnDemandIncrementBytes);

    /// <summary>Provisioned-mode PUT payload units of one record (25 KB each, at least 1).</summary>
    public static long KinesisPayloadUnits(long recordBytes) => Math.Max(1, (recordBytes + KinesisPayloadUnitBytes - 1) / KinesisPayloadUnitBytes);

    /// <summary>KB of Firehose ingestion for one record: rounded up to the next 5 KB, at least 5.</summary>
    public static long FirehoseBilledKb(long recordBytes) => 5 * Math.Max(1, (recordBytes + FirehoseIncrementBytes - 1) / FirehoseIncrementBytes);

    private static long Base64Bytes(string? base64) =>
        string.IsNullOrEmpty(base64) ? 0 : (base64.Length * 3 / 4) - (base64.EndsWith("==", StringComparison.Ordinal) ? 2 : base64.EndsWith('=') ? 1 : 0);
}

/// <summary>A global secondary index as DescribeTable states it: its key attributes and its projection.</summary>
public sealed record IndexSchema(string Name, IReadOnlyList<string> Key, bool ProjectsAll, IReadOnlyList<string> Projected);
