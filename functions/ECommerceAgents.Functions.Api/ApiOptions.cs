using System.Text.Json;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Functions.Api;

/// <summary>The API's settings, read once from the function environment (names in <see cref="SettingNames"/>).</summary>
public sealed record ApiOptions
{
    /// <summary>Largest request body the API reads (API Gateway's own limit is 10 MB; events are small).</summary>
    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Most events one ingest request may carry.</summary>
    public int MaxEventsPerRequest { get; init; } = 500;

    /// <summary>Requests per second per API key (API Gateway usage plans in AWS; this limiter locally and behind a function URL).</summary>
    public int RateLimitPerSecond { get; init; } = 200;

    /// <summary>Requests a key may send at once before the per-second rate applies.</summary>
    public int RateLimitBurst { get; init; } = 400;

    /// <summary>Requests per second per client IP with browser keys, on top of the per-key rate (server keys have no per-IP limit).</summary>
    public int BrowserRateLimitPerIpPerSecond { get; init; } = 20;

    /// <summary>Requests one client IP may send at once with browser keys before its per-second rate applies.</summary>
    public int BrowserRateLimitPerIpBurst { get; init; } = 40;

    /// <summary>Where a browser request's client IP is read (stamped as <c>context.ip</c>, and the per-IP limit's partition).</summary>
    public ClientIpSource ClientIpSource { get; init; } = ClientIpSource.Connection;

    /// <summary>The ApiStream function: the same app serving only the recommendations push, under its own role.</summary>
    public bool StreamOnly { get; init; }

    /// <summary>The name the function runs under (its clients and its IAM role): ApiStream in stream mode.</summary>
    public string FunctionName => StreamOnly ? "ApiStream" : "Api";

    /// <summary>The prefix of the real-time store's keys.</summary>
    public string RedisPrefix { get; init; } = "";

    /// <summary>The OpenSearch index product search reads.</summary>
    public string ProductsIndex { get; init; } = Domain.Search.SearchIndexes.Products;

    /// <summary>A first administrator key (at least 16 characters) the startup creates when it does not exist yet.</summary>
    public string? BootstrapAdminKey { get; init; }

    /// <summary>How far a webhook's signed timestamp may be from now; a signature is remembered twice as long.</summary>
    public TimeSpan WebhookWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Each webhook source's HMAC secret.</summary>
    public IReadOnlyDictionary<string, string> WebhookSecrets { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>How long an Idempotency-Key's first answer is kept and replayed.</summary>
    public TimeSpan IdempotencyTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a claimed Idempotency-Key waits for its request (409 to a retry meanwhile) before a retry may take it
    /// over: longer than the function's 29 s timeout, so the claimer is surely gone by then.
    /// </summary>
    public TimeSpan IdempotencyLease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a key lookup is cached per instance: a revoked key stops working within this time.</summary>
    public TimeSpan KeyCacheTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a profile answer stays in the real-time cache.</summary>
    public TimeSpan ProfileCacheTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The plain settings; the secrets (given as values or SSM parameters) are left empty.</summary>
    public static ApiOptions From(FunctionEnvironment environment) => new()
    {
        RateLimitPerSecond = environment.IntSetting(SettingNames.RateLimitRps, 200),
        RateLimitBurst = environment.IntSetting(SettingNames.RateLimitBurst, 400),
        BrowserRateLimitPerIpPerSecond = environment.IntSetting(SettingNames.BrowserRateLimitPerIpRps, 20),
        BrowserRateLimitPerIpBurst = environment.IntSetting(SettingNames.BrowserRateLimitPerIpBurst, 40),
        ClientIpSource = ClientAddress.Default(environment.Setting),
        StreamOnly = environment.Setting(SettingNames.ApiMode) == "stream",
        RedisPrefix = environment.Setting(SettingNames.RedisPrefix) ?? "",
        ProductsIndex = environment.Setting(SettingNames.ProductsIndex) ?? Domain.Search.SearchIndexes.Products,
    };

    /// <summary>Every setting, the secrets resolved too.</summary>
    public static async Task<ApiOptions> ResolveAsync(FunctionEnvironment environment, CancellationToken cancellationToken)
    {
        var secretsJson = await Parameters.ResolveAsync(environment, SettingNames.WebhookSecrets, cancellationToken).ConfigureAwait(false);
        return From(environment) with
        {
            WebhookSecrets = secretsJson is null
                ? new Dictionary<string, string>(StringComparer.Ordinal)
                : JsonSerializer.Deserialize(secretsJson, ApiJsonContext.Default.JsonObject)!.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal),
            BootstrapAdminKey = await Parameters.ResolveAsync(environment, SettingNames.BootstrapAdminKey, cancellationToken).ConfigureAwait(false),
        };
    }
}
