using Amazon.DynamoDBv2;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Resources;
using StackExchange.Redis;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// The API's dependencies in the ASP.NET Core container, each behind its domain port. Instances and factories only,
/// no reflection-based activation, so the registrations stay native-AOT and trim safe.
/// </summary>
public static class ApiRegistrations
{
    /// <summary>Everything the endpoints and the middleware need: options, clock, clients, stores, key cache.</summary>
    public static IServiceCollection AddEcaApi(this IServiceCollection services, ApiOptions options, ApiClients clients, ResourceBindings names, TimeProvider clock)
    {
        services.AddSingleton(options);
        services.AddSingleton(clock);

        // A factory, not an instance: the container disposes what its factories made, so the clients go with the app.
        services.AddSingleton(_ => clients);
        services.AddSingleton(clients.Stream);
        services.AddEcaStores(clients.DynamoDb, names, clock);
        if (clients.Exports is { } exports) services.AddSingleton(exports);
        services.AddEcaRealtime(clients.Redis, options.RedisPrefix);
        if (clients.Search is { } search) services.AddSingleton<IProductSearch>(new ProductSearch(search, options.ProductsIndex));
        services.AddSingleton(provider => new ApiKeyAuthenticator(provider.GetRequiredService<IApiKeyStore>(), options.KeyCacheTtl, clock));
        services.AddSingleton(provider => new BrowserOriginCache(provider.GetRequiredService<IApiKeyStore>(), options.KeyCacheTtl, clock));
        services.AddSingleton(provider => new IngestHandler(options, provider.GetRequiredService<IIdempotencyStore>(), provider.GetRequiredService<IWebhookReplayCache>(), clients.Stream, clock,
            clients.Keyring is { } keyring ? new DoorEncryption(keyring) : null));
        services.AddSingleton(_ => new SegmentHandler(clients.Stream, clock, clients.Keyring is { } keyring ? new DoorEncryption(keyring) : null));
        return services;
    }

    /// <summary>The DynamoDB stores: API keys, idempotency and the webhook replay cache, user data, consent, audit.</summary>
    public static IServiceCollection AddEcaStores(this IServiceCollection services, IAmazonDynamoDB dynamoDb, ResourceBindings names, TimeProvider clock)
    {
        services.AddSingleton<IApiKeyStore>(new ApiKeyStore(dynamoDb, names, clock));
        var idempotency = new IdempotencyStore(dynamoDb, names, clock);
        services.AddSingleton<IIdempotencyStore>(idempotency);
        services.AddSingleton<IWebhookReplayCache>(idempotency);
        var users = new UserDataStore(dynamoDb, names, clock);
        services.AddSingleton<IUserReads>(users);
        services.AddSingleton<IProductReads>(users);
        services.AddSingleton<IRealtimeStaleness>(users);
        services.AddSingleton<IConsentStore>(users);
        // A factory: the container disposes the store (its append gate) with the app.
        services.AddSingleton<IAuditLog>(_ => new AuditChainStore(dynamoDb, names, clock));
        services.AddSingleton<IUserErasure>(users);
        services.AddSingleton<IPrivacyRequests>(new PrivacyRequestStore(dynamoDb, names));
        services.AddSingleton(provider => new PrivacyRequestTracker(provider.GetRequiredService<IPrivacyRequests>(), provider.GetRequiredService<IAuditLog>(), clock));
        return services;
    }

    /// <summary>The real-time store (Redis) as the API reads it.</summary>
    public static IServiceCollection AddEcaRealtime(this IServiceCollection services, IConnectionMultiplexer redis, string keyPrefix) =>
        services.AddSingleton<IRealtimeReads>(new RealtimeReader(redis, new RealtimeOptions { KeyPrefix = keyPrefix }));
}
