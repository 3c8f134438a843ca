using System.Collections.Concurrent;
using System.Text.Json;
using Amazon.DynamoDBv2;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Adapters.Search;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Validation;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Resources;
using StackExchange.Redis;

namespace ECommerceAgents.Functions.Api;

public sealed record ApiOptions
{
    /// <summary>Largest request body the API reads (API Gateway's own limit is 10 MB; events are small).</summary>
    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    public int MaxEventsPerRequest { get; init; } = 500;

    /// <summary>Requests per second per API key (API Gateway usage plans in AWS; this limiter locally and behind a function URL).</summary>
    public int RateLimitPerSecond { get; init; } = 200;

    public int RateLimitBurst { get; init; } = 400;

    public TimeSpan WebhookWindow { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan IdempotencyTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a claimed Idempotency-Key waits for its request (409 to a retry meanwhile) before a retry may take it
    /// over: longer than the function's 29 s timeout, so the claimer is surely gone by then.
    /// </summary>
    public TimeSpan IdempotencyLease { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ProfileCacheTtl { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a key lookup is cached per instance: a revoked key stops working within this time.</summary>
    public TimeSpan KeyCacheTtl { get; init; } = TimeSpan.FromSeconds(30);

    public static ApiOptions From(FunctionEnvironment env) => new()
    {
        RateLimitPerSecond = env.IntSetting("ECA_RATE_LIMIT_RPS", 200),
        RateLimitBurst = env.IntSetting("ECA_RATE_LIMIT_BURST", 400),
    };
}

/// <summary>Everything the API talks to, built once per container and shared by all requests.</summary>
public sealed class ApiServices : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, (ApiKeyRecord? Record, DateTimeOffset Until)> _keys = new(StringComparer.Ordinal);
    private readonly IDisposable[] _owned;

    public ApiServices(FunctionEnvironment environment, ApiOptions options, IAmazonDynamoDB dynamo, IConnectionMultiplexer redis, IEventStreamWriter stream, IReadOnlyDictionary<string, string> webhookSecrets, IDisposable[]? owned = null)
    {
        Environment = environment;
        Options = options;
        Stream = stream;
        WebhookSecrets = webhookSecrets;
        Keys = new ApiKeyStore(dynamo, environment.Names, environment.Clock);
        Idempotency = new IdempotencyStore(dynamo, environment.Names, environment.Clock);
        Users = new UserDataStore(dynamo, environment.Names, environment.Clock);
        Realtime = new RealtimeReader(redis, new RealtimeOptions { KeyPrefix = environment.Setting("ECA_REDIS_PREFIX") ?? "" });
        Search = environment.Endpoints.OpenSearch is { } search
            ? new ProductSearch(
                new OpenSearchClient(AwsHttp.Http, search, OpenSearchAuth.For(search, environment.Setting, () => AwsHttp.Credentials(environment.Endpoints), environment.Endpoints.Region), caller: environment.Endpoints.Caller),
                environment.Setting("ECA_PRODUCTS_INDEX") ?? Domain.Search.SearchIndexes.Products)
            : null;
        _owned = owned ?? [];
    }

    public FunctionEnvironment Environment { get; }

    public ApiOptions Options { get; }

    public IEventStreamWriter Stream { get; }

    public IReadOnlyDictionary<string, string> WebhookSecrets { get; }

    public ApiKeyStore Keys { get; }

    public IdempotencyStore Idempotency { get; }

    public UserDataStore Users { get; }

    public RealtimeReader Realtime { get; }

    public ProductSearch? Search { get; }

    public TimeProvider Clock => Environment.Clock;

    [ThreadStatic]
    private static IngestValidator? _validator;

    /// <summary>One validator per thread: validation is synchronous, so a request never shares one.</summary>
    public static IngestValidator Validator => _validator ??= new IngestValidator(new EventParser(SchemaRegistry.Default, TimeProvider.System));

    /// <summary>The key's record, cached briefly per instance (a lookup per request would double the API's DynamoDB reads).</summary>
    public async Task<ApiKeyRecord?> AuthenticateAsync(string key, CancellationToken cancellationToken)
    {
        var now = Clock.GetUtcNow();
        if (_keys.TryGetValue(key, out var cached) && cached.Until > now) return cached.Record;
        var record = await Keys.FindAsync(key, cancellationToken).ConfigureAwait(false);
        if (_keys.Count > 10_000) _keys.Clear();
        _keys[key] = (record is { Active: true } ? record : null, now + Options.KeyCacheTtl);
        return record is { Active: true } ? record : null;
    }

    public void ForgetKeys() => _keys.Clear();

    /// <summary>True when the build's OpenAPI generator (GetDocument.Insider) is running the app.</summary>
    public static bool GeneratingDocument => System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    /// <summary>Services that reach nothing: enough to build the app and describe its routes.</summary>
    public static ApiServices Offline(FunctionEnvironment env)
    {
        var offline = env with { Names = ResourceBindings.FromPrefix("openapi"), Endpoints = env.Endpoints };
        var dynamo = DynamoDbClientFactory.Create(offline.Endpoints);
        var redis = ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { "127.0.0.1:1" }, AbortOnConnectFail = false, ConnectTimeout = 1 });
        return new ApiServices(offline, ApiOptions.From(offline), dynamo, redis, new OfflineStream(), new Dictionary<string, string>(StringComparer.Ordinal), [dynamo, redis]);
    }

    private sealed class OfflineStream : IEventStreamWriter
    {
        public Task<StreamWriteResult> WriteAsync(IReadOnlyList<AcceptedEvent> events, CancellationToken cancellationToken) =>
            Task.FromResult(new StreamWriteResult(0, Enumerable.Range(0, events.Count).ToArray(), "Offline"));
    }

    /// <summary>Builds the API's clients from the function environment (the Lambda container's, or the local stack's).</summary>
    public static async Task<ApiServices> CreateAsync(FunctionEnvironment env, CancellationToken cancellationToken)
    {
        // The streaming function runs the same app in stream mode under its own role.
        env = env.For(env.Setting("ECA_API_MODE") == "stream" ? "ApiStream" : "Api");
        var dynamo = DynamoDbClientFactory.Create(env.Endpoints);
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Options(env.Endpoints.Redis ?? throw new InvalidOperationException($"{ServiceEndpoints.RedisVariable} is required."))).ConfigureAwait(false);
        var stream = new KinesisEventStreamWriter(StreamClients.Kinesis(env.Endpoints), env.Names.Stream(Streams.Events));
        var secretsJson = await Parameters.ResolveAsync(env, "ECA_WEBHOOK_SECRETS", cancellationToken).ConfigureAwait(false);
        var secrets = secretsJson is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : JsonSerializer.Deserialize(secretsJson, ApiJsonContext.Default.JsonObject)!.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal);
        var services = new ApiServices(env, ApiOptions.From(env), dynamo, redis, stream, secrets, [dynamo, redis]);

        // A first administrator key from configuration, so keys can be managed through the API itself.
        if (await Parameters.ResolveAsync(env, "ECA_BOOTSTRAP_ADMIN_KEY", cancellationToken).ConfigureAwait(false) is { Length: >= 16 } bootstrap
            && await services.Keys.FindAsync(bootstrap, cancellationToken).ConfigureAwait(false) is null)
        {
            try
            {
                await services.Keys.CreateAsync("bootstrap-admin", ApiRole.Admin, cancellationToken, bootstrap).ConfigureAwait(false);
            }
            catch (Amazon.DynamoDBv2.Model.ConditionalCheckFailedException)
            {
                // Another instance created it first.
            }
        }

        return services;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var d in _owned)
        {
            if (d is IAsyncDisposable a) await a.DisposeAsync().ConfigureAwait(false);
            else d.Dispose();
        }
    }
}
