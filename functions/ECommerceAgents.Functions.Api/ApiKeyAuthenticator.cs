using System.Collections.Concurrent;
using ECommerceAgents.Domain.Api;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// Looks an API key up, caching the answer briefly per instance (a lookup per request would double the API's DynamoDB
/// reads): a revoked key stops working within the cache's time to live, at once on the instance that revoked it.
/// </summary>
public sealed class ApiKeyAuthenticator(IApiKeyStore keys, TimeSpan cacheTtl, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Record, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>The key's record when the key is active, else null.</summary>
    public async Task<ApiKeyRecord?> AuthenticateAsync(string key, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && cached.Until > now) return cached.Record;
        var record = await keys.FindAsync(key, cancellationToken).ConfigureAwait(false);
        if (_cache.Count > 10_000) _cache.Clear();
        _cache[key] = (record is { Active: true } ? record : null, now + cacheTtl);
        return record is { Active: true } ? record : null;
    }

    /// <summary>Drops every cached lookup (after a key is revoked or rotated here).</summary>
    public void Forget() => _cache.Clear();
}
