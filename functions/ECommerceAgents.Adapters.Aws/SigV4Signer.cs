using System.Net.Http.Headers;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace ECommerceAgents.Adapters.Aws;

/// <summary>
/// AWSSDK.Core's SigV4 signer for the calls the platform makes without a service SDK (Kinesis, Firehose, Redshift Data,
/// Lambda Invoke, OpenSearch): one signing name, region and endpoint per instance.
/// </summary>
public sealed class SigV4Signer(string service, string region, Uri endpoint)
{
    private readonly AWS4Signer _signer = new();
    private readonly SigningConfig _config = new(service, region, endpoint);

    /// <summary>Signs a request; the returned headers (Authorization, X-Amz-Date, content hash, token) are the ones to send.</summary>
    public IRequest Sign(string method, string path, byte[] body, IReadOnlyDictionary<string, string> headers, ImmutableCredentials credentials, DateTime signedAt)
    {
        var request = new DefaultRequest(new SignedCall(), service)
        {
            HttpMethod = method,
            Endpoint = endpoint,
            ResourcePath = path,
            Content = body,
            AuthenticationRegion = region,
            OverrideSigningServiceName = service,
        };
        foreach (var (name, value) in headers) request.Headers[name] = value;
        if (credentials.UseToken) request.Headers["X-Amz-Security-Token"] = credentials.Token;
        var result = _signer.SignRequest(request, _config, null, credentials.AccessKey, credentials.SecretKey, signedAt);
        request.Headers["Authorization"] = result.ForAuthorizationHeader;
        return request;
    }

    /// <summary>
    /// Copies a signed request's headers onto <paramref name="message"/>: Content-Type onto its content, Content-Length and
    /// Host left for HttpClient to write (from the same values the signature covers), the rest as request headers.
    /// </summary>
    public static void CopyHeaders(IRequest signed, HttpRequestMessage message)
    {
        foreach (var (name, value) in signed.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                if (message.Content is not null) message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && !name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }
    }

    private sealed class SignedCall : AmazonWebServiceRequest;

    /// <summary>The few settings the signer reads from a client configuration.</summary>
    private sealed class SigningConfig : ClientConfig
    {
        private readonly string _service;

        public SigningConfig(string service, string region, Uri endpoint)
            : base(new DefaultConfigurationProvider([new DefaultConfiguration()]))
        {
            _service = service;
            AuthenticationRegion = region;
            ServiceURL = endpoint.ToString();
        }

        public override string RegionEndpointServiceName => _service;

        public override string ServiceVersion => "1";

        public override string UserAgent => "ecommerceagents-sigv4";

        public override Amazon.Runtime.Endpoints.Endpoint DetermineServiceOperationEndpoint(Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters parameters) =>
            new(ServiceURL);
    }
}
