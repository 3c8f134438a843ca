// Stands in for AWSSDK.Lambda (not served to this build): only Invoke with InvocationType=Event, for fan-out.
using Amazon.Runtime;
using ECommerceAgents.Adapters.Aws;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>
/// Asynchronous Lambda invocation (<c>POST /2015-03-31/functions/{name}/invocations</c> with
/// <c>X-Amz-Invocation-Type: Event</c>), signed with AWSSDK.Core's SigV4 signer (service <c>lambda</c>). Lambda answers
/// 202 once the event is queued; its own retries and on-failure handling take over from there.
/// </summary>
public sealed class LambdaInvoker(HttpClient http, Uri endpoint, string region, AWSCredentials credentials, string? caller = null)
{
    private readonly SigV4Signer _signer = new("lambda", region, endpoint);

    public static LambdaInvoker For(Resources.ServiceEndpoints endpoints, Uri? endpoint = null) =>
        new(AwsHttp.Http, endpoint ?? new Uri($"https://lambda.{endpoints.Region}.amazonaws.com/"), endpoints.Region, AwsHttp.Credentials(endpoints), endpoints.Caller);

    public async Task InvokeEventAsync(string functionName, byte[] payload, CancellationToken cancellationToken)
    {
        var path = $"/2015-03-31/functions/{Uri.EscapeDataString(functionName)}/invocations";
        if (caller is not null) AwsCallLog.Record(caller, "lambda", "Invoke", functionName, "InvocationType=Event");
        var resolved = await credentials.GetCredentialsAsync().ConfigureAwait(false);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Content-Type"] = "application/json", ["X-Amz-Invocation-Type"] = "Event" };
        var request = _signer.Sign("POST", path, payload, headers, resolved, DateTime.UtcNow);

        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, path)) { Content = new ByteArrayContent(payload) };
        SigV4Signer.CopyHeaders(request, message);

        using var response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            throw AwsServiceException.FromResponse(response.StatusCode, body);
        }
    }
}
