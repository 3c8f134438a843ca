// Stands in for Amazon.Lambda.RuntimeSupport's RuntimeApiClient (not served to this build).
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ECommerceAgents.Lambda.Runtime;

/// <summary>The four documented endpoints of the Lambda Runtime API (version 2018-06-01).</summary>
public sealed class LambdaRuntimeClient(HttpClient http, string runtimeApi)
{
    private readonly Uri _base = new($"http://{runtimeApi}/2018-06-01/runtime/");

    public async Task<(LambdaInvocation Invocation, byte[] Payload)> NextAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(_base, "invocation/next"), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new RuntimeApiException($"invocation/next answered {(int)response.StatusCode}", response.StatusCode);
        }

        var requestId = Header(response, "Lambda-Runtime-Aws-Request-Id")
            ?? throw new RuntimeApiException("invocation/next gave no Lambda-Runtime-Aws-Request-Id", response.StatusCode);
        var deadlineMs = long.TryParse(Header(response, "Lambda-Runtime-Deadline-Ms"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
            ? ms
            : DateTimeOffset.UtcNow.AddMinutes(15).ToUnixTimeMilliseconds();
        var invocation = new LambdaInvocation(
            requestId,
            DateTimeOffset.FromUnixTimeMilliseconds(deadlineMs),
            Header(response, "Lambda-Runtime-Invoked-Function-Arn"),
            Header(response, "Lambda-Runtime-Trace-Id"),
            Header(response, "Lambda-Runtime-Client-Context"),
            Header(response, "Lambda-Runtime-Cognito-Identity"));
        var payload = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        return (invocation, payload);
    }

    public async Task RespondAsync(string requestId, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(_base, $"invocation/{Uri.EscapeDataString(requestId)}/response"), content, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestEntityTooLarge)
        {
            throw new ResponseTooLargeException(body.Length);
        }

        EnsureAccepted(response, "response");
    }

    public async Task ReportInvocationErrorAsync(string requestId, Exception error, CancellationToken cancellationToken)
    {
        using var content = ErrorContent(error);
        using var response = await http.PostAsync(new Uri(_base, $"invocation/{Uri.EscapeDataString(requestId)}/error"), content, cancellationToken).ConfigureAwait(false);
        EnsureAccepted(response, "invocation error");
    }

    public async Task ReportInitErrorAsync(Exception error, CancellationToken cancellationToken)
    {
        using var content = ErrorContent(error);
        using var response = await http.PostAsync(new Uri(_base, "init/error"), content, cancellationToken).ConfigureAwait(false);
        EnsureAccepted(response, "init error");
    }

    /// <summary>The documented error body: <c>{"errorMessage","errorType","stackTrace"}</c>, with the error type also in a header.</summary>
    private static ByteArrayContent ErrorContent(Exception error)
    {
        var errorType = error.GetType().Name;
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("errorMessage", error.Message);
            writer.WriteString("errorType", errorType);
            writer.WriteStartArray("stackTrace");
            foreach (var line in (error.StackTrace ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                writer.WriteStringValue(line);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.Add("Lambda-Runtime-Function-Error-Type", "Unhandled." + errorType);
        return content;
    }

    private static void EnsureAccepted(HttpResponseMessage response, string what)
    {
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new RuntimeApiException($"posting the {what} answered {(int)response.StatusCode}", response.StatusCode);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

public sealed class RuntimeApiException(string message, HttpStatusCode status) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}

/// <summary>The response exceeded Lambda's 6 MB synchronous payload limit.</summary>
public sealed class ResponseTooLargeException(int bytes) : Exception($"The response of {bytes.ToString(CultureInfo.InvariantCulture)} bytes is over Lambda's 6 MB payload limit.");
