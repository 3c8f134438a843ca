namespace ECommerceAgents.Domain.Api;

/// <summary>The first answer to a request made with an <c>Idempotency-Key</c>, shared by every API instance.</summary>
public sealed record StoredResponse(int Status, string ContentType, string Body, string RequestHash);

/// <summary>What claiming an Idempotency-Key found.</summary>
public enum IdempotencyClaim
{
    /// <summary>The key is this request's now.</summary>
    Claimed,

    /// <summary>Another request holds the key and is still running.</summary>
    InProgress,

    /// <summary>An earlier request with the key finished; its answer comes with the claim.</summary>
    Done,
}

/// <summary>
/// The port to the idempotency records: a key is claimed before the work and completed with the answer, so a concurrent
/// retry waits and a later one gets the first answer back. A claim holds a lease: once it has ended on an unfinished
/// claim, a retry takes the claim over.
/// </summary>
public interface IIdempotencyStore
{
    /// <summary>
    /// Claims the key for <paramref name="lease"/> (longer than any request can run), or returns what an earlier request
    /// with it produced. An unfinished claim whose lease has ended is taken over.
    /// </summary>
    Task<(IdempotencyClaim Claim, StoredResponse? Response)> ClaimAsync(string scope, string key, string requestHash, TimeSpan ttl, TimeSpan lease, CancellationToken cancellationToken);

    Task CompleteAsync(string scope, string key, StoredResponse response, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Releases a claim whose work failed, so the client may retry with the same key.</summary>
    Task ReleaseAsync(string scope, string key, CancellationToken cancellationToken);
}

/// <summary>The port to the webhook replay cache: each signature is accepted once within its time to live.</summary>
public interface IWebhookReplayCache
{
    /// <summary>Records a webhook signature once; false when it was seen before (a replay).</summary>
    Task<bool> FirstSightingAsync(string source, string signature, TimeSpan ttl, CancellationToken cancellationToken);
}
