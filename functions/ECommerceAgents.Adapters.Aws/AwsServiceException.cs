using System.Net;
using System.Text.Json;

namespace ECommerceAgents.Adapters.Aws;

/// <summary>A service error: the JSON body's <c>__type</c> (without its namespace) and message.</summary>
public sealed class AwsServiceException(string errorCode, string message, HttpStatusCode status) : Exception($"{errorCode}: {message}")
{
    public string ErrorCode { get; } = errorCode;

    public HttpStatusCode Status { get; } = status;

    /// <summary>Throttling and server-side errors are worth retrying; the rest are the caller's.</summary>
    public bool IsRetryable => (int)Status >= 500 || IsThrottling(ErrorCode);

    public static bool IsThrottling(string? code) => code is "ThrottlingException" or "ProvisionedThroughputExceededException"
        or "LimitExceededException" or "ServiceUnavailableException" or "Throttling" or "TooManyRequestsException" or "InternalFailure" or "ServiceUnavailable";

    /// <summary>The error an unsuccessful response's status and JSON body describe.</summary>
    public static AwsServiceException FromResponse(HttpStatusCode status, byte[] body)
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
