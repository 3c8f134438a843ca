using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>The port to the users' personalisation consent.</summary>
public interface IConsentStore
{
    Task<ConsentRecord?> ConsentAsync(string userId, CancellationToken cancellationToken);

    Task SetConsentAsync(ConsentRecord consent, CancellationToken cancellationToken);
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
