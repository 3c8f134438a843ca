using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>The port to consent by purpose, per user id or anonymous id (<see cref="ConsentRecord.Subject"/>).</summary>
public interface IConsentStore
{
    /// <summary>The subject's consent as stored, or null when they never made a choice.</summary>
    Task<ConsentRecord?> ConsentAsync(string subject, CancellationToken cancellationToken);

    /// <summary>Sets the purposes <paramref name="change"/> sets (null ones stay as stored) and returns the whole record after the change.</summary>
    Task<ConsentRecord> SetConsentAsync(ConsentRecord change, CancellationToken cancellationToken);
}

/// <summary>
/// The port to the audit trail: every read of personal data through the API and every privacy and key action, as one
/// append-only hash chain (<see cref="AuditChain"/>), readable per subject (<c>user#…</c>, <c>key#…</c>).
/// </summary>
public interface IAuditLog
{
    /// <summary>The subject's entries, oldest first.</summary>
    Task<IReadOnlyList<JsonObject>> AuditAsync(string subject, CancellationToken cancellationToken);

    /// <summary>Appends the record at the end of the chain and returns the entry as stored; throws when it could not be stored.</summary>
    Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken);
}

/// <summary>The port that erases what the state store holds about a user at once, and asks the batch layer for the rest.</summary>
public interface IUserErasure
{
    /// <summary>
    /// Erases the user's state and leaves a tombstone for the batch layer, naming the privacy request it completes;
    /// returns what was erased, by kind. The consent record stays (it is the proof of what the user chose).
    /// </summary>
    Task<IReadOnlyDictionary<string, int>> EraseAsync(string userId, string requestId, CancellationToken cancellationToken);
}
