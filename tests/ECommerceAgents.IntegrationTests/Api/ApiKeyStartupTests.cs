using ECommerceAgents.Domain.Api;
using ECommerceAgents.Functions.Api;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// The API's key handling against an in-memory <see cref="IApiKeyStore"/> (no servers): the bootstrap administrator key
/// is created once, and the per-instance key cache answers from memory until its time to live ends or it is dropped.
/// </summary>
public sealed class ApiKeyStartupTests
{
    private sealed class InMemoryKeys : IApiKeyStore
    {
        public Dictionary<string, ApiKeyRecord> ByKey { get; } = new(StringComparer.Ordinal);

        public int Lookups { get; private set; }

        public Task<(ApiKeyRecord Record, string Key)> CreateAsync(string name, ApiRole role, CancellationToken cancellationToken, string? key = null, IReadOnlyList<string>? allowedOrigins = null)
        {
            key ??= Guid.NewGuid().ToString("N");
            var record = new ApiKeyRecord("k-" + ByKey.Count, key, name, role, DateTimeOffset.UnixEpoch, null) { AllowedOrigins = allowedOrigins ?? [] };
            ByKey.Add(key, record);
            return Task.FromResult((record, key));
        }

        public Task<ApiKeyRecord?> FindAsync(string key, CancellationToken cancellationToken)
        {
            Lookups++;
            return Task.FromResult(ByKey.GetValueOrDefault(key));
        }

        public Task<ApiKeyRecord?> FindByIdAsync(string keyId, CancellationToken cancellationToken) =>
            Task.FromResult(ByKey.Values.FirstOrDefault(r => r.KeyId == keyId));

        public Task<IReadOnlyList<ApiKeyRecord>> ActiveBrowserKeysAsync(CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<ApiKeyRecord>>([.. ByKey.Values.Where(r => r is { Role: ApiRole.Browser, Active: true })]);

        public Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken)
        {
            var entry = ByKey.FirstOrDefault(p => p.Value.KeyId == keyId);
            if (entry.Value is null) return Task.FromResult(false);
            ByKey[entry.Key] = entry.Value with { RevokedAt = DateTimeOffset.UnixEpoch };
            return Task.FromResult(true);
        }
    }

    [Fact]
    public async Task BootstrapAdminKey_CreatedOnce_ShortKeyIgnored()
    {
        var keys = new InMemoryKeys();
        var options = new ApiOptions { BootstrapAdminKey = "bootstrap-admin-key-0123456789" };
        await AdminKeyBootstrap.EnsureAsync(keys, options, CancellationToken.None);
        await AdminKeyBootstrap.EnsureAsync(keys, options, CancellationToken.None);
        await AdminKeyBootstrap.EnsureAsync(keys, new ApiOptions { BootstrapAdminKey = "too-short" }, CancellationToken.None);

        var record = Assert.Single(keys.ByKey).Value;
        Assert.Equal((AdminKeyBootstrap.KeyName, ApiRole.Admin), (record.Name, record.Role));
    }

    [Fact]
    public async Task Authenticator_CachesUntilTtl_RevokedKeyRefusedAfterForget()
    {
        var keys = new InMemoryKeys();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var authenticator = new ApiKeyAuthenticator(keys, TimeSpan.FromSeconds(30), clock);
        var (record, key) = await keys.CreateAsync("query", ApiRole.Query, CancellationToken.None);

        Assert.Equal(record, await authenticator.AuthenticateAsync(key, CancellationToken.None));
        Assert.Equal(record, await authenticator.AuthenticateAsync(key, CancellationToken.None));
        Assert.Equal(1, keys.Lookups);

        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.NotNull(await authenticator.AuthenticateAsync(key, CancellationToken.None));
        Assert.Equal(2, keys.Lookups);

        await keys.RevokeAsync(record.KeyId, CancellationToken.None);
        Assert.NotNull(await authenticator.AuthenticateAsync(key, CancellationToken.None));
        authenticator.Forget();
        Assert.Null(await authenticator.AuthenticateAsync(key, CancellationToken.None));
        Assert.Null(await authenticator.AuthenticateAsync("unknown-key-0123456789", CancellationToken.None));
    }
}
