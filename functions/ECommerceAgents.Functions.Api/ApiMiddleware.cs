using System.Text.RegularExpressions;
using ECommerceAgents.Domain.Api;

namespace ECommerceAgents.Functions.Api;

/// <summary>The API's middleware, in the order it runs: correlation, error mapping, (routing), authentication.</summary>
internal static partial class ApiMiddleware
{
    /// <summary>A request id for every answer, and the W3C trace context carried through (or started here).</summary>
    public static Task CorrelationAsync(HttpContext context, Func<Task> next)
    {
        var requestId = RandomIds.RequestId();
        var incoming = context.Request.Headers["traceparent"].ToString();
        var traceparent = incoming.Length == RandomIds.TraceparentLength && TraceParent().IsMatch(incoming) && !incoming.StartsWith("ff", StringComparison.Ordinal)
            ? incoming
            : RandomIds.Traceparent();
        context.Features.Set(new ApiRequestContext(requestId, traceparent));
        context.Response.Headers["x-request-id"] = requestId;
        context.Response.Headers["traceparent"] = traceparent;
        return next();
    }

    /// <summary>
    /// Oversized bodies and malformed requests get a problem body, never a stack trace. A dependency that cannot be
    /// reached or is throttling (DynamoDB, Redis, OpenSearch, the stream: <see cref="DependencyFailures"/>) is a 503
    /// with Retry-After, wherever in the request it happened (the key lookup included); only anything else is a 500.
    /// </summary>
    public static async Task ErrorsAsync(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            BrowserAccess.RestoreCorsHeaders(context);
            await ApiProblems.WriteAsync(context, ex.StatusCode, ex.StatusCode == 413 ? "Request body too large" : "Bad request",
                ex.StatusCode == 413 ? $"The body exceeds {context.RequestServices.GetRequiredService<ApiOptions>().MaxBodyBytes} bytes." : ex.Message);
        }
        catch (Exception ex) when (!context.Response.HasStarted && DependencyFailures.Classify(ex, context.RequestAborted) is { } failure)
        {
            context.Response.Clear();
            BrowserAccess.RestoreCorsHeaders(context);
            await ApiProblems.WriteDependencyAsync(context, failure);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.Clear();
            BrowserAccess.RestoreCorsHeaders(context);
            await ApiProblems.WriteAsync(context, 500, "Internal error", $"The request failed ({ex.GetType().Name}). Request id {context.Features.Get<ApiRequestContext>()?.RequestId}.");
        }
    }

    /// <summary>
    /// Every route but health and the OpenAPI document needs a key: 401 without a valid one, 403 with the wrong role or
    /// an origin the key does not allow (<see cref="BrowserAccess"/>).
    /// </summary>
    public static async Task AuthenticateAsync(HttpContext context, Func<Task> next)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<ApiApplication.AllowAnonymousRoute>() is not null || endpoint is null)
        {
            await next();
            return;
        }

        var key = context.Request.Headers[ApiApplication.KeyHeader].ToString();
        var record = key.Length is >= 16 and <= 128
            ? await context.RequestServices.GetRequiredService<ApiKeyAuthenticator>().AuthenticateAsync(key, context.RequestAborted)
            : null;
        if (record is null)
        {
            var segment = endpoint.Metadata.GetMetadata<SegmentRoute>() is not null;
            context.Response.Headers.WWWAuthenticate = segment ? SegmentEndpoints.Challenge : "ApiKey header=\"x-api-key\"";
            await ApiProblems.WriteAsync(context, 401, "Unauthorized", segment ? SegmentEndpoints.UnauthorizedDetail : "A valid API key is required in the x-api-key header.");
            return;
        }

        // A browser key may call only the routes that name its role; a route naming no role takes any server key.
        var required = endpoint.Metadata.GetMetadata<RequiresRole>();
        var permitted = record.Role switch
        {
            ApiRole.Admin => true,
            ApiRole.Browser => required?.Roles.Contains(ApiRole.Browser) == true,
            _ => required is null || required.Roles.Contains(record.Role),
        };
        if (!permitted)
        {
            var roles = required is null ? "server" : string.Join(" or ", required.Roles.Select(r => r.ToString().ToLowerInvariant()));
            await ApiProblems.WriteAsync(context, 403, "Forbidden", $"This route needs a {roles} key; this key's role is {record.Role.ToString().ToLowerInvariant()}.");
            return;
        }

        context.ApiRequest().Key = record;
        if (!await BrowserAccess.AdmitAsync(context, record)) return;
        await next();
    }

    [GeneratedRegex("^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")]
    private static partial Regex TraceParent();
}
