using System.Text;
using System.Text.Json;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// An erasure request as the API records it for the batch layer: the user, when, the anonymous ids linked to them, and
/// the privacy request it completes (none for tombstones written before requests existed).
/// </summary>
public sealed record Tombstone(string UserId, DateTimeOffset RequestedAt, IReadOnlyList<string> AnonymousIds, string Status = "pending", string? RequestId = null);

/// <summary>
/// Records removed per zone by erasure. Search is always 0: the search indexes hold no user data (products and daily
/// aggregates).
/// </summary>
public sealed record ErasureCounts(int Raw = 0, int Quarantine = 0, int Enriched = 0, int Processed = 0, int Warehouse = 0, int Search = 0)
{
    /// <summary>Export objects of the user deleted (their own exports are copies of what was erased).</summary>
    public int Exports { get; init; }

    public int Total => Raw + Quarantine + Enriched + Processed + Warehouse + Search + Exports;

    public static ErasureCounts operator +(ErasureCounts a, ErasureCounts b) => new()
    {
        Raw = a.Raw + b.Raw,
        Quarantine = a.Quarantine + b.Quarantine,
        Enriched = a.Enriched + b.Enriched,
        Processed = a.Processed + b.Processed,
        Warehouse = a.Warehouse + b.Warehouse,
        Search = a.Search + b.Search,
        Exports = a.Exports + b.Exports,
    };
}

/// <summary>
/// Who erasure removes: records whose <c>userId</c> or <c>resolvedUserId</c> is one of the users, or whose
/// <c>anonymousId</c> is one of their anonymous ids. A line that is not JSON (a malformed record in the raw archive or
/// the quarantine) matches when it contains one of the ids as a JSON string.
/// </summary>
public sealed class ErasureTargets
{
    private readonly HashSet<string> _users;
    private readonly Dictionary<string, string> _anonymous;
    private readonly (byte[] Quoted, string Owner)[] _quoted;

    public ErasureTargets(IEnumerable<Tombstone> tombstones)
    {
        var list = tombstones.ToArray();
        _users = list.Select(t => t.UserId).ToHashSet(StringComparer.Ordinal);
        _anonymous = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in list)
        {
            foreach (var a in t.AnonymousIds) _anonymous.TryAdd(a, t.UserId);
        }

        _quoted = [.. _users.Select(u => (Encoding.UTF8.GetBytes("\"" + u + "\""), u)), .. _anonymous.Select(a => (Encoding.UTF8.GetBytes("\"" + a.Key + "\""), a.Value))];
    }

    public IReadOnlySet<string> Users => _users;

    public IReadOnlyCollection<string> AnonymousIds => _anonymous.Keys;

    public bool IsEmpty => _users.Count == 0 && _anonymous.Count == 0;

    public bool Matches(string? userId, string? resolvedUserId, string? anonymousId) => OwnerOf(userId, resolvedUserId, anonymousId) is not null;

    /// <summary>The erased user a record belongs to, or null.</summary>
    public string? OwnerOf(string? userId, string? resolvedUserId, string? anonymousId)
    {
        if (userId is not null && _users.Contains(userId)) return userId;
        if (resolvedUserId is not null && _users.Contains(resolvedUserId)) return resolvedUserId;
        return anonymousId is not null && _anonymous.TryGetValue(anonymousId, out var owner) ? owner : null;
    }

    /// <summary>The erased user a JSON event line (raw as sent, or enriched) belongs to, or null.</summary>
    public string? OwnerOfLine(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return ContainsId(line);
            string? user = null, resolved = null, anonymous = null;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                if (reader.TokenType != JsonTokenType.PropertyName) continue;
                var name = reader.ValueSpan;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    if (name.SequenceEqual("userId"u8)) user = reader.GetString();
                    else if (name.SequenceEqual("resolvedUserId"u8)) resolved = reader.GetString();
                    else if (name.SequenceEqual("anonymousId"u8)) anonymous = reader.GetString();
                }
                else if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }
            }

            return OwnerOf(user, resolved, anonymous);
        }
        catch (JsonException)
        {
            return ContainsId(line);
        }
    }

    private string? ContainsId(ReadOnlySpan<byte> line)
    {
        foreach (var (quoted, owner) in _quoted)
        {
            if (line.IndexOf(quoted) >= 0) return owner;
        }

        return null;
    }
}
