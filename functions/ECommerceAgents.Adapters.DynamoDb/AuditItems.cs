using System.Globalization;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>
/// Audit chain entries as DynamoDB items and back. Reading is lenient on purpose: an item with a missing or mangled
/// attribute still becomes an entry, which then fails its hash check, so tampering is reported rather than thrown.
/// </summary>
internal static class AuditItems
{
    public const string CheckpointSubjectAttribute = "entrySubject";

    /// <summary>The sort key of the entry at <paramref name="position"/>: 20 digits, so the key order is the chain's order.</summary>
    public static string PositionKey(long position) => position.ToString("D20", CultureInfo.InvariantCulture);

    public static Dictionary<string, AttributeValue> Entry(AuditEntry entry, string subjectAttribute = AuditChainStore.SubjectAttribute)
    {
        var r = entry.Record;
        var item = new Dictionary<string, AttributeValue>
        {
            ["subject"] = new() { S = AuditChainStore.ChainPartition },
            ["at"] = new() { S = PositionKey(entry.Seq) },
            ["seq"] = new() { N = entry.Seq.ToString(CultureInfo.InvariantCulture) },
            ["time"] = new() { S = entry.At },
            ["prev"] = new() { S = entry.Prev },
            ["hash"] = new() { S = entry.Hash },
        };

        // Empty strings are left out (older DynamoDB emulators refuse them); a missing attribute reads back as "".
        foreach (var (name, value) in (ReadOnlySpan<(string, string)>)[(subjectAttribute, r.Subject), ("action", r.Action), ("actor", r.Actor), ("role", r.Role), ("endpoint", r.Endpoint), ("requestId", r.RequestId), ("details", r.Details)])
        {
            if (value.Length > 0) item[name] = new AttributeValue { S = value };
        }

        return item;
    }

    public static AuditEntry ToEntry(Dictionary<string, AttributeValue> item)
    {
        var subject = item.ContainsKey(AuditChainStore.SubjectAttribute) ? Text(item, AuditChainStore.SubjectAttribute) : Text(item, CheckpointSubjectAttribute);
        var record = new AuditRecord(subject, Text(item, "action"), Text(item, "actor"), Text(item, "role"), Text(item, "endpoint"), Text(item, "requestId"), Text(item, "details"));
        return new AuditEntry(Long(item, "seq"), Text(item, "time"), record, Text(item, "prev"), Text(item, "hash"));
    }

    /// <summary>The position an item is stored at (its sort key), or -1 when the key is not one.</summary>
    public static long Position(Dictionary<string, AttributeValue> item) =>
        long.TryParse(Text(item, "at"), NumberStyles.None, CultureInfo.InvariantCulture, out var position) ? position : -1;

    public static string Text(Dictionary<string, AttributeValue> item, string name) => item.TryGetValue(name, out var v) && v.S is { } s ? s : "";

    public static long Long(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && long.TryParse(v.N, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : -1;
}
