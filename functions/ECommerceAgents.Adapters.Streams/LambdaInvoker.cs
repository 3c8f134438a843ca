// Stands in for AWSSDK.Lambda (not served to this build): only Invoke with InvocationType=Event, for fan-out.
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>
/// Asynchronous Lambda invocation (<c>POST /2015-03-31/functions/{name}/invocations</c> with
/// <c>X-Amz-Invocation-Type: Event</c>), signed with AWSSDK.Core's SigV4 signer (service <c>lambda</c>). Lambda answers
/// 202 once the event is queued; its own retries and on-failure handling take over from there.
/// </summary>
public sealed class LambdaInvoker(HttpClient http, Uri endpoint, string region, AWSCredentials credentials)
{
    private readonly AWS4Signer _signer = new();

    public static LambdaInvoker For(Resources.ServiceEndpoints endpoints, Uri? endpoint = null) =>
        new(StreamClients.Http, endpoint ?? new Uri($"https://lambda.{endpoints.Region}.amazonaws.com/"), endpoints.Region, StreamClients.Credentials(endpoints));

    public async Task InvokeEventAsync(string functionName, byte[] payload, CancellationToken cancellationToken)
    {
        var path = $"/2015-03-31/functions/{Uri.EscapeDataString(functionName)}/invocations";
        var resolved = await credentials.GetCredentialsAsync().ConfigureAwait(false);
        var request = new DefaultRequest(new InvokeCall(), "lambda")
        {
            HttpMethod = "POST",
            Endpoint = endpoint,
            ResourcePath = path,
            Content = payload,
            AuthenticationRegion = region,
            OverrideSigningServiceName = "lambda",
        };
        request.Headers["Content-Type"] = "application/json";
        request.Headers["X-Amz-Invocation-Type"] = "Event";
        if (resolved.UseToken) request.Headers["X-Amz-Security-Token"] = resolved.Token;
        var signed = _signer.SignRequest(request, new SigningConfig(region, endpoint), null, resolved.AccessKey, resolved.SecretKey, DateTime.UtcNow);
        request.Headers["Authorization"] = signed.ForAuthorizationHeader;

        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path)) { Content = new ByteArrayContent(payload) };
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            else if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) && !name.Equals("Host", StringComparison.OrdinalIgnoreCase)) message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            throw SigV4JsonClient.ParseError(response.StatusCode, body);
        }
    }

    private sealed class InvokeCall : AmazonWebServiceRequest;

    private sealed class SigningConfig : ClientConfig
    {
        public SigningConfig(string region, Uri endpoint)
            : base(new DefaultConfigurationProvider([new DefaultConfiguration()]))
        {
            AuthenticationRegion = region;
            ServiceURL = endpoint.ToString();
        }

        public override string RegionEndpointServiceName => "lambda";

        public override string ServiceVersion => "2015-03-31";

        public override string UserAgent => "ecommerceagents-sigv4";

        public override Amazon.Runtime.Endpoints.Endpoint DetermineServiceOperationEndpoint(Amazon.Runtime.Endpoints.ServiceOperationEndpointParameters parameters) => new(ServiceURL);
    }
}
