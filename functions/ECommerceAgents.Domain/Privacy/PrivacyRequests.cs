namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// A data subject's request (GDPR art. 15 and 17, CCPA): an erasure or an export of one user, and where it stands.
/// It moves <c>accepted</c> → <c>in_progress</c> → <c>done</c> (or <c>failed</c>), never back; each step is kept in
/// <see cref="History"/> and audited. It holds what the law asks to keep of a request: who asked about whom, when, and
/// what was done (counts per store, the export's object) — no personal field of the user beyond the id.
/// </summary>
public sealed record PrivacyRequest(
    string RequestId, string Kind, string UserId, string Status, DateTimeOffset CreatedAt, IReadOnlyList<PrivacyRequestStep> History,
    IReadOnlyDictionary<string, int>? Counts = null, string? ExportKey = null)
{
    public const string Erasure = "erasure", Export = "export";
    public const string Accepted = "accepted", InProgress = "in_progress", Done = "done", Failed = "failed";

    public DateTimeOffset UpdatedAt => History.Count == 0 ? CreatedAt : History[^1].At;

    /// <summary>Whether a request at <paramref name="from"/> may move to <paramref name="to"/>.</summary>
    public static bool CanMove(string from, string to) => (from, to) switch
    {
        (Accepted, InProgress or Failed) => true,
        (InProgress, Done or Failed) => true,
        _ => false,
    };

    /// <summary>A new request, accepted now.</summary>
    public static PrivacyRequest Accept(string kind, string userId, DateTimeOffset at) =>
        new("pr-" + Guid.NewGuid().ToString("N"), kind, userId, Accepted, at, [new PrivacyRequestStep(Accepted, at, null)]);

    /// <summary>Where the API leaves what it alone can read at acceptance (DynamoDB and Redis) for an export.</summary>
    public static string LiveExportKey(string requestId) => "exports/" + requestId + "/live.json";

    /// <summary>The export's object, built by the batch layer.</summary>
    public static string ExportKeyOf(string requestId) => "exports/" + requestId + "/export.json";
}

/// <summary>One step of a request: the status it moved to, when, and what was done.</summary>
public sealed record PrivacyRequestStep(string Status, DateTimeOffset At, string? Details);

/// <summary>The port to the privacy requests (table <c>privacy-requests</c>).</summary>
public interface IPrivacyRequests
{
    Task CreateAsync(PrivacyRequest request, CancellationToken cancellationToken);

    Task<PrivacyRequest?> GetAsync(string requestId, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the request from <paramref name="from"/> to the step's status, appending the step and, when given, the counts
    /// and the export's key. False when it was not at <paramref name="from"/> (another run moved it): nothing changes.
    /// </summary>
    Task<bool> MoveAsync(string requestId, string from, PrivacyRequestStep step, IReadOnlyDictionary<string, int>? counts, string? exportKey, CancellationToken cancellationToken);

    /// <summary>The requests of a kind that are not finished (accepted or in progress), oldest first.</summary>
    Task<IReadOnlyList<PrivacyRequest>> OpenAsync(string kind, CancellationToken cancellationToken);

    /// <summary>Every request about the user, oldest first.</summary>
    Task<IReadOnlyList<PrivacyRequest>> ForUserAsync(string userId, CancellationToken cancellationToken);
}

/// <summary>The exports bucket as the API uses it (S3 in AWS and locally).</summary>
public interface IExportFiles
{
    Task PutAsync(string key, byte[] body, CancellationToken cancellationToken);

    /// <summary>A link that downloads the object without credentials until it expires.</summary>
    string DownloadUrl(string key, TimeSpan validFor);
}

/// <summary>Moves privacy requests and audits each move on the user's subject (<c>user#…</c>) as <c>privacy.{kind}.{status}</c>.</summary>
public sealed class PrivacyRequestTracker(IPrivacyRequests requests, IAuditLog audit, TimeProvider clock)
{
    /// <summary>Records and audits a new request; <paramref name="actor"/> is the audit record of the caller (its action and details are set here).</summary>
    public async Task<PrivacyRequest> AcceptAsync(string kind, string userId, AuditRecord actor, CancellationToken cancellationToken)
    {
        var request = PrivacyRequest.Accept(kind, userId, clock.GetUtcNow());
        await requests.CreateAsync(request, cancellationToken).ConfigureAwait(false);
        await audit.AppendAsync(actor with { Subject = "user#" + userId, Action = Action(kind, PrivacyRequest.Accepted), Details = "request=" + request.RequestId }, cancellationToken).ConfigureAwait(false);
        return request;
    }

    /// <summary>Moves the request to <paramref name="to"/> and audits it; false (and no audit) when another run moved it first.</summary>
    public async Task<bool> MoveAsync(PrivacyRequest request, string from, string to, AuditRecord actor, string? details,
        IReadOnlyDictionary<string, int>? counts, string? exportKey, CancellationToken cancellationToken)
    {
        if (!PrivacyRequest.CanMove(from, to)) throw new InvalidOperationException($"A privacy request cannot move from {from} to {to}.");
        var step = new PrivacyRequestStep(to, clock.GetUtcNow(), details);
        if (!await requests.MoveAsync(request.RequestId, from, step, counts, exportKey, cancellationToken).ConfigureAwait(false)) return false;
        var audited = "request=" + request.RequestId + (details is null ? "" : "," + details)
            + (counts is null ? "" : "," + string.Join(",", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}")));
        await audit.AppendAsync(actor with { Subject = "user#" + request.UserId, Action = Action(request.Kind, to), Details = audited }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The audit record of the batch layer's own moves (no API key: the function is the actor).</summary>
    public static AuditRecord BatchActor(string runId) => new("", "", "batch-loader", "system", "batch", runId, "");

    private static string Action(string kind, string status) => $"privacy.{kind}.{status}";
}
