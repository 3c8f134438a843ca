using Amazon.Runtime;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>Builds the Kinesis and Firehose clients once per container, over one pooled HTTP handler.</summary>
public static class StreamClients
{
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxConnectionsPerServer = 64,
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    { Timeout = TimeSpan.FromSeconds(30) });

    public static HttpClient Http => SharedHttp.Value;

    public static KinesisClient Kinesis(ServiceEndpoints endpoints, RetryPolicy? retry = null) =>
        new(Client(AwsJsonService.Kinesis, endpoints.Kinesis, endpoints, retry));

    public static FirehoseClient Firehose(ServiceEndpoints endpoints, RetryPolicy? retry = null) =>
        new(Client(AwsJsonService.Firehose, endpoints.Firehose, endpoints, retry));

    public static SigV4JsonClient Client(AwsJsonService service, Uri? endpoint, ServiceEndpoints endpoints, RetryPolicy? retry = null) =>
        new(Http, service, endpoint ?? service.DefaultEndpoint(endpoints.Region), endpoints.Region, Credentials(endpoints), retry, caller: endpoints.Caller);

    /// <summary>Static keys when configured (local stand-ins); otherwise the SDK's default chain, resolved on first use.</summary>
    public static AWSCredentials Credentials(ServiceEndpoints endpoints) =>
        endpoints.AccessKey is { } key && endpoints.SecretKey is { } secret
            ? new BasicAWSCredentials(key, secret)
            : new LazyDefaultCredentials();

    private sealed class LazyDefaultCredentials : AWSCredentials
    {
        private readonly Lazy<AWSCredentials> _inner = new(() => Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials(null));

        public override ImmutableCredentials GetCredentials() => _inner.Value.GetCredentials();

        public override Task<ImmutableCredentials> GetCredentialsAsync() => _inner.Value.GetCredentialsAsync();
    }
}
