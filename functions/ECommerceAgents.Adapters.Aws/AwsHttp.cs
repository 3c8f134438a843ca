using Amazon.Runtime;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.Aws;

/// <summary>
/// What every hand-rolled AWS client in a container shares: one pooled HTTP handler, the credentials for the configured
/// endpoints, and JSON-protocol clients built over both.
/// </summary>
public static class AwsHttp
{
    private static readonly Lazy<HttpClient> SharedHttp = new(() => new HttpClient(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxConnectionsPerServer = 64,
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(5),
    })
    { Timeout = TimeSpan.FromSeconds(30) });

    /// <summary>The container's one HTTP client for AWS calls.</summary>
    public static HttpClient Http => SharedHttp.Value;

    /// <summary>A JSON-protocol client for <paramref name="service"/> at <paramref name="endpoint"/>, or at its public endpoint.</summary>
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
