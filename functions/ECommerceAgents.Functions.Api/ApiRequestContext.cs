using ECommerceAgents.Domain.Api;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// What the API knows about the request it answers, as one typed feature of the request: its id and trace context
/// (from the correlation middleware) and, once authenticated, its API key.
/// </summary>
public sealed class ApiRequestContext(string requestId, string traceparent)
{
    public string RequestId { get; } = requestId;

    /// <summary>The W3C trace context carried through, or started here.</summary>
    public string Traceparent { get; } = traceparent;

    /// <summary>The caller's key, set by the authentication middleware; null on anonymous routes.</summary>
    public ApiKeyRecord? Key { get; set; }

    /// <summary>A browser request's client address (set once its origin is admitted): its <c>context.ip</c> and per-IP limit.</summary>
    public string? ClientIp { get; set; }

    /// <summary>The caller's key id: the actor in audit entries and the scope of its Idempotency-Keys.</summary>
    public string KeyId => Key?.KeyId ?? throw new InvalidOperationException("The request is not authenticated.");
}

/// <summary>Access to the <see cref="ApiRequestContext"/> of a request.</summary>
public static class ApiRequestContextExtensions
{
    /// <summary>The request's context; the correlation middleware sets it before anything else runs.</summary>
    public static ApiRequestContext ApiRequest(this HttpContext context) =>
        context.Features.Get<ApiRequestContext>() ?? throw new InvalidOperationException("The correlation middleware has not run.");
}
