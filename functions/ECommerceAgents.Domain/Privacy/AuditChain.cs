using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// What an audit entry records: who (the API key id and its role) did what (the action, through which endpoint, in which
/// request) to whose data (the subject, <c>user#…</c> or <c>key#…</c>). Never the personal data itself.
/// </summary>
public sealed record AuditRecord(string Subject, string Action, string Actor, string Role, string Endpoint, string RequestId, string Details);

/// <summary>
/// An entry of the hash chain: the record, its place (<paramref name="Seq"/>, from 1), its time (ISO 8601, as stored and
/// hashed), the previous entry's hash and its own, SHA-256 over <see cref="AuditChain.Canonical"/>.
/// </summary>
public sealed record AuditEntry(long Seq, string At, AuditRecord Record, string Prev, string Hash)
{
    /// <summary>The time, or <see cref="DateTimeOffset.MaxValue"/> when the stored text is not one (a tampered entry is never "old").</summary>
    public DateTimeOffset Time => DateTimeOffset.TryParse(At, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time) ? time : DateTimeOffset.MaxValue;
}

/// <summary>The kinds of tampering the verifier tells apart.</summary>
public enum AuditProblemKind
{
    /// <summary>An entry's content no longer hashes to its hash, or a link to it was rewritten.</summary>
    Altered,

    /// <summary>Entries are missing: inside the chain, at its start (with no checkpoint) or at its end (behind the head).</summary>
    Removed,

    /// <summary>An intact entry sits at another place than its own sequence number.</summary>
    Reordered,

    /// <summary>The prune checkpoint was altered, or claims a prune of entries younger than the retention.</summary>
    Checkpoint,
}

/// <summary>The first problem found, at which sequence number.</summary>
public sealed record AuditProblem(AuditProblemKind Kind, long Seq, string Detail);

/// <summary>The hash chain's rules: the canonical form of an entry, its hash, and a new entry after a given one.</summary>
public static class AuditChain
{
    /// <summary>The "previous hash" of the first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>Seed 002 ("Audit Logs: 1 year (compliance)"): entries older than this are pruned.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(365);

    /// <summary>
    /// Every field, length-prefixed in a fixed order under a version tag, so no two different entries share a form
    /// (a field cannot spill into the next) and the form never depends on how a store orders attributes.
    /// </summary>
    public static string Canonical(AuditEntry entry)
    {
        var r = entry.Record;
        var sb = new StringBuilder("eca-audit/1\n");
        foreach (var field in (ReadOnlySpan<string>)[entry.Seq.ToString(CultureInfo.InvariantCulture), entry.At, r.Subject, r.Action, r.Actor, r.Role, r.Endpoint, r.RequestId, r.Details, entry.Prev])
        {
            sb.Append(field.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(field).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>SHA-256 of the canonical form, lower-case hex.</summary>
    public static string HashOf(AuditEntry entry) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Canonical(entry))));

    /// <summary>The entry that follows the one at <paramref name="after"/> (null: the chain is empty), with its hash.</summary>
    public static AuditEntry Next((long Seq, string Hash)? after, AuditRecord record, DateTimeOffset at)
    {
        var entry = new AuditEntry((after?.Seq ?? 0) + 1, at.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture), record, after?.Hash ?? Genesis, "");
        return entry with { Hash = HashOf(entry) };
    }
}
