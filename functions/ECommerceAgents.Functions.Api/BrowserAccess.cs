using ECommerceAgents.Domain.Api;
using Microsoft.Extensions.Primitives;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// Browser keys and CORS. A preflight carries no key, so it is answered (204 with the CORS headers) for an origin that
/// any active browser key allows, on the Segment routes, for POST; anything else gets a 403 without CORS headers. The
/// preflight is not the guard: <c>text/plain</c> posts and <c>sendBeacon</c> skip it, so every request that carries
/// an <c>Origin</c> is checked again against its own key. A browser key must come with an origin from its list; a
/// server key (any other role) is refused when an <c>Origin</c> is present, so a server key pasted into a web page
/// stops working at once.
/// </summary>
public static class BrowserAccess
{
    /// <summary>The request headers a browser may send (HTTP Basic for SDKs that send the write key that way).</summary>
    public const string AllowedHeaders = "Content-Type, Authorization, X-Api-Key, traceparent";

    /// <summary>The response headers a page's script may read.</summary>
    public const string ExposedHeaders = "x-request-id, traceparent, Retry-After";

    /// <summary>How long a browser may reuse a preflight's answer (seconds): a removed origin stops preflighting within it.</summary>
    public const int PreflightMaxAgeSeconds = 600;

    private static readonly HashSet<string> Allowed = new(AllowedHeaders.Split(", "), StringComparer.OrdinalIgnoreCase);

    /// <summary>Before routing: answers CORS preflights (OPTIONS with Origin and Access-Control-Request-Method), and nothing else.</summary>
    public static async Task PreflightAsync(HttpContext context, Func<Task> next)
    {
        var request = context.Request;
        if (!HttpMethods.IsOptions(request.Method) || StringValues.IsNullOrEmpty(request.Headers.Origin) || StringValues.IsNullOrEmpty(request.Headers.AccessControlRequestMethod))
        {
            await next();
            return;
        }

        var origin = request.Headers.Origin.ToString();
        context.Response.Headers.Vary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";
        var refusal = !SegmentEndpoints.Paths.Contains(request.Path.Value ?? "")
            ? $"{request.Path} takes no browser requests: browser keys may only send events to the Segment routes ({string.Join(", ", SegmentEndpoints.Paths)})."
            : !HttpMethods.IsPost(request.Headers.AccessControlRequestMethod.ToString())
                ? $"Only POST is allowed from browsers, not {request.Headers.AccessControlRequestMethod}."
                : request.Headers.AccessControlRequestHeaders.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(h => !Allowed.Contains(h)) is { } header
                    ? $"The header '{header}' is not allowed from browsers; allowed: {AllowedHeaders}."
                    : !await context.RequestServices.GetRequiredService<BrowserOriginCache>().AnyKeyAllowsAsync(origin, context.RequestAborted)
                        ? $"The origin '{origin}' is on no active browser key's allowed origins."
                        : null;
        if (refusal is not null)
        {
            await ApiProblems.WriteAsync(context, 403, "Origin not allowed", refusal, [new ProblemError("header:Origin", "origin", refusal)]);
            return;
        }

        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = origin;
        headers.AccessControlAllowMethods = "POST";
        headers.AccessControlAllowHeaders = AllowedHeaders;
        headers.AccessControlMaxAge = PreflightMaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>
    /// After the key is known: whether its request may go on as far as origins go (else the 403 is written). An
    /// admitted browser request gets its CORS headers here, so every later answer (400, 429, 503 too) is readable.
    /// </summary>
    public static async Task<bool> AdmitAsync(HttpContext context, ApiKeyRecord key)
    {
        var origin = context.Request.Headers.Origin.ToString();
        string? refusal;
        if (key.Role != ApiRole.Browser)
        {
            refusal = origin.Length == 0 ? null
                : $"This {key.Role.ToString().ToLowerInvariant()} key is a server key and refuses browser requests (this one has Origin '{origin}'). A web page must use a browser key, created with its allowed origins.";
        }
        else
        {
            refusal = origin.Length == 0 ? "A browser key is accepted only with an Origin header from one of its allowed origins (browsers send it on every POST)."
                : !BrowserOrigins.Allows(key.AllowedOrigins, origin) ? $"The origin '{origin}' is not one of this browser key's allowed origins."
                : null;
        }

        if (refusal is not null)
        {
            await ApiProblems.WriteAsync(context, 403, "Origin not allowed", refusal, [new ProblemError("header:Origin", "origin", refusal)]);
            return false;
        }

        if (key.Role == ApiRole.Browser)
        {
            context.ApiRequest().ClientIp = ClientAddress.Of(context);
            RestoreCorsHeaders(context);
        }

        return true;
    }

    /// <summary>The CORS headers of an admitted browser request (again after the error mapping cleared the response).</summary>
    public static void RestoreCorsHeaders(HttpContext context)
    {
        if (context.Features.Get<ApiRequestContext>() is not { Key.Role: ApiRole.Browser, ClientIp: not null }) return;
        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = context.Request.Headers.Origin.ToString();
        headers.AccessControlExposeHeaders = ExposedHeaders;
        headers.Vary = "Origin";
    }
}

/// <summary>
/// The allowed origins of every active browser key, cached per instance like <see cref="ApiKeyAuthenticator"/>: a
/// preflight costs a table scan at most once per time to live, and a key created or revoked here is seen at once.
/// </summary>
public sealed class BrowserOriginCache(IApiKeyStore keys, TimeSpan cacheTtl, TimeProvider clock)
{
    private volatile Snapshot? _snapshot;

    public async Task<bool> AnyKeyAllowsAsync(string origin, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var snapshot = _snapshot;
        if (snapshot is null || snapshot.Until <= now)
        {
            var browserKeys = await keys.ActiveBrowserKeysAsync(cancellationToken).ConfigureAwait(false);
            snapshot = new Snapshot([.. browserKeys.SelectMany(k => k.AllowedOrigins).Distinct(StringComparer.Ordinal)], now + cacheTtl);
            _snapshot = snapshot;
        }

        return BrowserOrigins.Allows(snapshot.Origins, origin);
    }

    /// <summary>Drops the cached origins (after a key is created, rotated or revoked here).</summary>
    public void Forget() => _snapshot = null;

    private sealed record Snapshot(IReadOnlyList<string> Origins, DateTimeOffset Until);
}
