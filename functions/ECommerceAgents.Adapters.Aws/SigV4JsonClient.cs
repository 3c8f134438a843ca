// Stands in for the AWS SDK's JSON-protocol service clients (AWSSDK.Kinesis, .KinesisFirehose, .RedshiftDataAPIService, .Glue are not served to this build).
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace ECommerceAgents.Adapters.Aws;

/// <summary>
/// Signs JSON-protocol calls with AWSSDK.Core's SigV4 signer and sends them over one shared <see cref="HttpClient"/>.
/// Whole-call throttling, 5xx and connection failures are retried with capped exponential backoff and full jitter.
/// </summary>
public sealed class SigV4JsonClient
{
    private readonly HttpClient _http;
    private readonly AwsJsonService _service;
    private readonly Uri _endpoint;
    private readonly AWSCredentials _credentials;
    private readonly RetryPolicy _retry;
    private readonly SigV4Signer _signer;
    private readonly TimeProvider _clock;
    private readonly string? _caller;

    public SigV4JsonClient(HttpClient http, AwsJsonService service, Uri endpoint, string region, AWSCredentials credentials, RetryPolicy? retry = null, TimeProvider? clock = null, string? caller = null)
    {
        _caller = caller;
        _clock = clock ?? TimeProvider.System;
        _http = http;
        _service = service;
        _endpoint = endpoint;
        _credentials = credentials;
        _retry = retry ?? RetryPolicy.Default;
        _signer = new SigV4Signer(service.SigningName, region, endpoint);
    }

    public Uri Endpoint => _endpoint;

    public RetryPolicy Retry => _retry;

    public async Task<TResponse> CallAsync<TRequest, TResponse>(
        string operation,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken,
        RetryPolicy? retry = null)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, requestType);
        if (_caller is not null && AwsCallLog.Enabled) Record(operation, body);
        var policy = retry ?? _retry;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var responseBody = await SendAsync(operation, body, cancellationToken).ConfigureAwait(false);
                // Some operations (CreateStream, …) answer 200 with an empty body.
                return JsonSerializer.Deserialize(responseBody.Length == 0 ? "{}"u8 : responseBody, responseType)
                    ?? throw new AwsServiceException("EmptyResponse", $"{operation} returned no body", HttpStatusCode.OK);
            }
            catch (Exception ex) when (attempt < policy.MaxAttempts && IsTransient(ex, cancellationToken))
            {
                await Task.Delay(policy.Delay(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The stream, delivery stream, workgroup or Glue table (<c>database/table</c>) a call names, for the AWS call log.</summary>
    private void Record(string operation, byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        string? Get(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var target = Get("StreamName") ?? Get("StreamARN")?.Split('/')[^1] ?? Get("DeliveryStreamName") ?? Get("WorkgroupName")
            ?? (Get("DatabaseName") is { } database ? database + "/" + (Get("TableName") ?? Get("Name") ?? "*") : null) ?? Get("Id") ?? "*";
        AwsCallLog.Record(_caller!, _service.SigningName, operation, target, Get("SecretArn") is { } secret ? "secret=" + secret : null);
    }

    private static bool IsTransient(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        AwsServiceException aws => aws.IsRetryable,
        HttpRequestException => true,
        TaskCanceledException when !cancellationToken.IsCancellationRequested => true, // an HTTP timeout, not ours
        _ => false,
    };

    private async Task<byte[]> SendAsync(string operation, byte[] body, CancellationToken cancellationToken)
    {
        var credentials = await _credentials.GetCredentialsAsync().ConfigureAwait(false);
        var signed = Sign(operation, body, credentials, _clock.GetUtcNow().UtcDateTime);
        using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint);
        message.Content = new ByteArrayContent(body);
        SigV4Signer.CopyHeaders(signed, message);

        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return responseBody;
        }

        throw AwsServiceException.FromResponse(response.StatusCode, responseBody);
    }

    /// <summary>Builds and signs a call with AWSSDK.Core's SigV4 signer. Public so a test can check it against an independent signature.</summary>
    public IRequest Sign(string operation, byte[] body, ImmutableCredentials credentials, DateTime signedAt)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Content-Type"] = $"application/x-amz-json-{_service.JsonVersion}",
            ["X-Amz-Target"] = $"{_service.TargetPrefix}.{operation}",
        };
        return _signer.Sign("POST", "/", body, headers, credentials, signedAt);
    }
}
