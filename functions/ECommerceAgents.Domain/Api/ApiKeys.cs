namespace ECommerceAgents.Domain.Api;

/// <summary>
/// What an API key may call. Admin keys may call every route. A browser key (a publishable key, shipped in a web page)
/// may only send events through the Segment routes, only from its allowed origins; every other role is a server key.
/// </summary>
public enum ApiRole
{
    Ingest,
    Query,
    Admin,
    Browser,
}

/// <summary>An API key as stored: only its SHA-256 hash, never the key.</summary>
public sealed record ApiKeyRecord(string KeyId, string KeyHash, string Name, ApiRole Role, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public bool Active => RevokedAt is null;

    /// <summary>A browser key's allowed origins, as <see cref="BrowserOrigins.Normalize"/> writes them; empty for server keys.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];
}

/// <summary>The port to the API keys: stored hashed, each with a role; a new key is shown once, when it is created.</summary>
public interface IApiKeyStore
{
    /// <summary>
    /// Creates a key (a new random one unless <paramref name="key"/> is given); fails when that key exists. A browser
    /// key carries its normalised <paramref name="allowedOrigins"/>.
    /// </summary>
    Task<(ApiKeyRecord Record, string Key)> CreateAsync(string name, ApiRole role, CancellationToken cancellationToken, string? key = null, IReadOnlyList<string>? allowedOrigins = null);

    /// <summary>The record of a key, active or revoked, or null.</summary>
    Task<ApiKeyRecord?> FindAsync(string key, CancellationToken cancellationToken);

    Task<ApiKeyRecord?> FindByIdAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>Revokes a key by id; false when there is no such key.</summary>
    Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>Every active browser key: a CORS preflight carries no key, so it is answered for any of their origins.</summary>
    Task<IReadOnlyList<ApiKeyRecord>> ActiveBrowserKeysAsync(CancellationToken cancellationToken);
}
