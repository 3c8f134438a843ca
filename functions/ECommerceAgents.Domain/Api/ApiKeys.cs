namespace ECommerceAgents.Domain.Api;

/// <summary>What an API key may call. Admin keys may call every route.</summary>
public enum ApiRole
{
    Ingest,
    Query,
    Admin,
}

/// <summary>An API key as stored: only its SHA-256 hash, never the key.</summary>
public sealed record ApiKeyRecord(string KeyId, string KeyHash, string Name, ApiRole Role, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public bool Active => RevokedAt is null;
}

/// <summary>The port to the API keys: stored hashed, each with a role; a new key is shown once, when it is created.</summary>
public interface IApiKeyStore
{
    /// <summary>Creates a key (a new random one unless <paramref name="key"/> is given); fails when that key exists.</summary>
    Task<(ApiKeyRecord Record, string Key)> CreateAsync(string name, ApiRole role, CancellationToken cancellationToken, string? key = null);

    /// <summary>The record of a key, active or revoked, or null.</summary>
    Task<ApiKeyRecord?> FindAsync(string key, CancellationToken cancellationToken);

    Task<ApiKeyRecord?> FindByIdAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>Revokes a key by id; false when there is no such key.</summary>
    Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken);
}
