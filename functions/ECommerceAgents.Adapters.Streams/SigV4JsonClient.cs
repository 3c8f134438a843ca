// Stands in for the AWS SDK's JSON-protocol service clients (AWSSDK.Kinesis, .KinesisFirehose, .RedshiftDataAPIService are not served to this build).
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using ECommerceAgents.Adapters.Aws;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>One AWS JSON-protocol service: how to sign and address it.</summary>
/// <param name="SigningName">SigV4 service name, e.g. <c>kinesis</c>, <c>firehose</c>, <c>redshift-data</c>.</param>
/// <param name="TargetPrefix">The <c>X-Amz-Target</c> prefix, e.g. <c>Kinesis_20131202</c>.</param>
public sealed record AwsJsonService(string SigningName, string TargetPrefix, string JsonVersion = "1.1")
{
    public static readonly AwsJsonService Kinesis = new("kinesis", "Kinesis_20131202");
    public static readonly AwsJsonService Firehose = new("firehose", "Firehose_20150804");
    public static readonly AwsJsonService RedshiftData = new("redshift-data", "RedshiftData");

    /// <summary>The public endpoint of the service in a region.</summary>
    public Uri DefaultEndpoint(string region) => new($"https://{SigningName}.{region}.amazonaws.com/");
}

/// <summary>A service error: the JSON body's <c>__type</c> (without its namespace) and message.</summary>
public sealed class AwsServiceException(string errorCode, string message, HttpStatusCode status) : Exception($"{errorCode}: {message}")
{
    public string ErrorCode { get; } = errorCode;

    public HttpStatusCode Status { get; } = status;

    /// <summary>Throttling and server-side errors are worth retrying; the rest are the caller's.</summary>
    public bool IsRetryable => (int)Status >= 500 || IsThrottling(ErrorCode);

    public static bool IsThrottling(string? code) => code is "ThrottlingException" or "ProvisionedThroughputExceededException"
        or "LimitExceededException" or "ServiceUnavailableException" or "Throttling" or "TooManyRequestsException" or "InternalFailure" or "ServiceUnavailable";
}

/// <summary>
/// Signs JSON-protocol calls with AWSSDK.Core's SigV4 signer and sends them over one shared <see cref="HttpClient"/>.
/// Whole-call throttling, 5xx and connection failures are retried with capped exponential backoff and full jitter.
/// </summary>
public sealed class SigV4JsonClient
{
    private readonly HttpClient _http;
    private readonly AwsJsonService _service;
    private readonly Uri _endpoint;
    private readonly string _region;
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
        _region = region;
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

    /// <summary>The stream, delivery stream or workgroup a call names, for the AWS call log.</summary>
    private void Record(string operation, byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        string? Get(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var target = Get("StreamName") ?? Get("StreamARN")?.Split('/')[^1] ?? Get("DeliveryStreamName") ?? Get("WorkgroupName") ?? Get("Id") ?? "*";
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
        foreach (var (name, value) in signed.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) || name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                // HttpClient writes these itself, from the same values the signature covers.
            }
            else
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return responseBody;
        }

        throw ParseError(response.StatusCode, responseBody);
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

    internal static AwsServiceException ParseError(HttpStatusCode status, byte[] body)
    {
        var code = status == HttpStatusCode.TooManyRequests ? "Throttling" : $"Http{(int)status}";
        var message = string.Empty;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    if (p.NameEquals("__type") && p.Value.GetString() is { } type)
                    {
                        code = type[(type.LastIndexOf('#') + 1)..];
                    }
                    else if ((p.NameEquals("message") || p.NameEquals("Message")) && p.Value.ValueKind == JsonValueKind.String)
                    {
                        message = p.Value.GetString() ?? string.Empty;
                    }
                }
            }
        }
        catch (JsonException)
        {
            message = System.Text.Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 256)));
        }

        return new AwsServiceException(code, message, status);
    }

}

/// <summary>Capped exponential backoff with full jitter.</summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static readonly RetryPolicy Default = new(8, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(2));

    public static readonly RetryPolicy None = new(1, TimeSpan.Zero, TimeSpan.Zero);

    public TimeSpan Delay(int attempt)
    {
        var cap = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
    }
}
