using Amazon.DynamoDBv2;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Kms;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Search;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Resources;
using StackExchange.Redis;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// The connections the API's adapters share, made once per container: DynamoDB, Redis, the event stream and, when an
/// endpoint is configured, OpenSearch. Registered in the app's container, which disposes them with the app.
/// </summary>
public sealed class ApiClients(IAmazonDynamoDB dynamoDb, IConnectionMultiplexer redis, IEventStreamWriter stream, OpenSearchClient? search, SubjectKeyring? keyring = null, IExportFiles? exports = null) : IAsyncDisposable
{
    /// <summary>The exports bucket (data subjects' exports); null where the function is not given it.</summary>
    public IExportFiles? Exports { get; } = exports;

    /// <summary>The subjects' data keys (the door's sealing, erasure's shredding); null when no key wrapping is configured.</summary>
    public SubjectKeyring? Keyring { get; } = keyring;

    public IAmazonDynamoDB DynamoDb { get; } = dynamoDb;

    public IConnectionMultiplexer Redis { get; } = redis;

    public IEventStreamWriter Stream { get; } = stream;

    public OpenSearchClient? Search { get; } = search;

    /// <summary>Connects to the services the function environment names (the Lambda container's, or the local stack's).</summary>
    public static async Task<ApiClients> ConnectAsync(FunctionEnvironment environment)
    {
        var dynamo = DynamoDbClientFactory.Create(environment.Endpoints);
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Options(environment.Endpoints.Redis ?? throw new InvalidOperationException($"{ServiceEndpoints.RedisVariable} is required."))).ConfigureAwait(false);
        var stream = new KinesisEventStreamWriter(StreamClients.Kinesis(environment.Endpoints), environment.Names.Stream(Streams.Events));
        var exports = environment.Setting(Buckets.Exports.EnvironmentVariable) is { } bucket ? new S3ExportFiles(S3ClientFactory.Create(environment.Endpoints), bucket) : null;
        return new ApiClients(dynamo, redis, stream, SearchClient(environment), SubjectKeyringFactory.Create(environment.Endpoints, environment.Names, dynamo, environment.Setting, environment.Clock), exports);
    }

    /// <summary>Clients that reach nothing: enough to build the app and describe its routes.</summary>
    public static ApiClients Offline(FunctionEnvironment environment)
    {
        var dynamo = DynamoDbClientFactory.Create(environment.Endpoints);
        var redis = ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { "127.0.0.1:1" }, AbortOnConnectFail = false, ConnectTimeout = 1 });
        return new ApiClients(dynamo, redis, new OfflineStream(), SearchClient(environment));
    }

    /// <summary>The OpenSearch client, when an endpoint is configured.</summary>
    public static OpenSearchClient? SearchClient(FunctionEnvironment environment) =>
        environment.Endpoints.OpenSearch is { } search
            ? new OpenSearchClient(AwsHttp.Http, search, OpenSearchAuth.For(search, environment.Setting, () => AwsHttp.Credentials(environment.Endpoints), environment.Endpoints.Region), caller: environment.Endpoints.Caller)
            : null;

    public async ValueTask DisposeAsync()
    {
        DynamoDb.Dispose();
        await Redis.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class OfflineStream : IEventStreamWriter
    {
        public Task<StreamWriteResult> WriteAsync(IReadOnlyList<AcceptedEvent> events, CancellationToken cancellationToken) =>
            Task.FromResult(new StreamWriteResult(0, Enumerable.Range(0, events.Count).ToArray(), "Offline"));
    }
}
