using System.Net;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Resources;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;

namespace ECommerceAgents.Functions.Api;

/// <summary>The role a route needs. Admin keys may call every route.</summary>
public sealed record RequiresRole(params ApiRole[] Roles);

/// <summary>
/// The ingest and query API: an ASP.NET Core minimal API on Kestrel, AOT-compatible (slim builder, source-generated
/// JSON, dependencies registered as instances and factories). The same app runs locally on 127.0.0.1 and in AWS behind
/// the Lambda Web Adapter on port 8080.
/// </summary>
public static partial class ApiApplication
{
    public const string KeyHeader = "x-api-key";

    /// <summary>True when the build's OpenAPI generator (GetDocument.Insider) is running the app.</summary>
    public static bool GeneratingDocument => System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name == "GetDocument.Insider";

    /// <summary>
    /// The app as the function runs it: its settings resolved, its clients connected, then the startup steps run (the
    /// bootstrap administrator key). Disposing the app disposes the clients.
    /// </summary>
    public static async Task<WebApplication> CreateAsync(FunctionEnvironment environment, IPEndPoint listen, CancellationToken cancellationToken)
    {
        var options = await ApiOptions.ResolveAsync(environment, cancellationToken).ConfigureAwait(false);

        // The streaming function runs the same app in stream mode under its own role.
        environment = environment.For(options.FunctionName);
        var app = Build(environment, options, await ApiClients.ConnectAsync(environment).ConfigureAwait(false), listen);
        try
        {
            await AdminKeyBootstrap.EnsureAsync(app.Services.GetRequiredService<IApiKeyStore>(), options, cancellationToken).ConfigureAwait(false);
            return app;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The app on clients that reach nothing: enough to describe its routes (the build's OpenAPI document).</summary>
    public static WebApplication BuildOffline(FunctionEnvironment environment, IPEndPoint listen)
    {
        var offline = environment with { Names = ResourceBindings.FromPrefix("openapi") };
        return Build(offline, ApiOptions.From(offline), ApiClients.Offline(offline), listen);
    }

    /// <summary>The app on the given clients, which it owns from here on (they are disposed with it).</summary>
    public static WebApplication Build(FunctionEnvironment environment, ApiOptions options, ApiClients clients, IPEndPoint listen)
    {
        // No appsettings.json is read. A reloading source would watch the content root recursively: run locally from
        // the repository root that is node_modules and the local stack's state, whose every write wakes the watcher.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listen);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
        });
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        builder.Services.AddEcaApi(options, clients, environment.Names, environment.Clock);
        builder.Services.AddEcaOpenApi();
        builder.Services.AddRateLimiter(limiter => ConfigureRateLimiter(limiter, options));

        var app = builder.Build();

        // The container owns the clients once it has made them: resolved here, they are disposed with the app.
        app.Services.GetRequiredService<ApiClients>();
        app.Use(ApiMiddleware.CorrelationAsync);
        app.Use(ApiMiddleware.ErrorsAsync);
        if (!options.StreamOnly) app.Use(BrowserAccess.PreflightAsync);
        app.UseRouting();
        app.Use(SegmentEndpoints.WriteKeyAsync);
        app.Use(ApiMiddleware.AuthenticateAsync);
        app.UseRateLimiter();
        app.Use(ApiAudit.PersonalReadsAsync);
        MapRoutes(app, options);
        return app;
    }

    private static void MapRoutes(WebApplication app, ApiOptions options)
    {
        app.MapGet("/healthz", () => Results.Json(new Health("ok", typeof(ApiApplication).Assembly.GetName().Version?.ToString() ?? "1.0.0"), ApiJsonContext.Default.Health))
            .WithMetadata(new AllowAnonymousRoute()).DisableRateLimiting();
        app.MapOpenApi("/openapi/{documentName}.json").WithMetadata(new AllowAnonymousRoute()).DisableRateLimiting();
        if (options.StreamOnly)
        {
            // The ApiStream function (a function URL in response-stream mode) serves only the push.
            QueryEndpoints.MapStream(app);
            return;
        }

        IngestEndpoints.Map(app);
        SegmentEndpoints.Map(app);
        TrackerScript.Map(app);
        QueryEndpoints.Map(app);
        ConsentEndpoints.Map(app);
        PrivacyEndpoints.Map(app);
        PrivacyRequestEndpoints.Map(app);
    }

    /// <summary>
    /// A token bucket per API key, and for browser keys one more per client IP (a site's visitors share its key; one
    /// visitor must not use up the site's rate). Server keys have no per-IP limit: a server SDK sends everyone's events
    /// from one address. Anonymous routes are not limited.
    /// </summary>
    private static void ConfigureRateLimiter(RateLimiterOptions limiter, ApiOptions options)
    {
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;

        // Made once, not per request: the partitioner runs on every request, the factory only for a partition's first one.
        Func<string, TokenBucketRateLimiterOptions> perKey = _ => Bucket(options.RateLimitBurst, options.RateLimitPerSecond);
        Func<string, TokenBucketRateLimiterOptions> perIp = _ => Bucket(options.BrowserRateLimitPerIpBurst, options.BrowserRateLimitPerIpPerSecond);
        var keys = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            context.Features.Get<ApiRequestContext>()?.Key?.KeyId is { } keyId
                ? RateLimitPartition.GetTokenBucketLimiter(keyId, perKey)
                : RateLimitPartition.GetNoLimiter("anonymous"));
        var addresses = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            context.Features.Get<ApiRequestContext>() is { Key.Role: ApiRole.Browser } request
                ? RateLimitPartition.GetTokenBucketLimiter("ip:" + request.ClientIp, perIp)
                : RateLimitPartition.GetNoLimiter("server"));
        limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(keys, addresses);
        limiter.OnRejected = (context, _) =>
        {
            var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
            context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var browser = context.HttpContext.Features.Get<ApiRequestContext>()?.Key?.Role == ApiRole.Browser;
            return new ValueTask(ApiProblems.WriteAsync(context.HttpContext, 429, "Too many requests",
                $"The rate limit of this API key{(browser ? " or of this client IP" : "")} is exceeded; retry after the Retry-After seconds."));
        };
    }

    private static TokenBucketRateLimiterOptions Bucket(int burst, int perSecond) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>Marks the routes that need no key (health, the OpenAPI document).</summary>
    public sealed record AllowAnonymousRoute;

    /// <summary>Reads the whole body within the size limit (also when no Content-Length is sent).</summary>
    public static async Task<(byte[]? Body, IResult? Error)> ReadBodyAsync(HttpContext context, long limit)
    {
        if (context.Request.ContentLength > limit)
        {
            return (null, ApiProblems.Result(context, 413, "Request body too large", $"The body is {context.Request.ContentLength} bytes; at most {limit} are accepted."));
        }

        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = limit;
        if (context.Request.ContentLength is { } length and > 0)
        {
            // The length is known and within the limit (Kestrel ends the body there, or fails the read when the client
            // stops short): read it straight into an array of that size, with no growing buffer and no copy.
            var body = new byte[length];
            await context.Request.Body.ReadExactlyAsync(body, context.RequestAborted);
            return (body, null);
        }

        using var buffer = new MemoryStream(4096);
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.Length > limit
            ? (null, ApiProblems.Result(context, 413, "Request body too large", $"At most {limit} bytes are accepted."))
            : (buffer.ToArray(), null);
    }

    public static bool ValidId(string id) => IdPattern().IsMatch(id);

    public const string InvalidUserIdTitle = "Invalid user id";

    public const string InvalidUserIdDetail = "A user id is 1 to 128 letters, digits and ._:@- characters.";

    /// <summary>A 400 when the user id is not one, else null.</summary>
    public static IResult? InvalidUserId(HttpContext context, string id) =>
        ValidId(id) ? null : ApiProblems.Result(context, 400, InvalidUserIdTitle, InvalidUserIdDetail);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")]
    private static partial Regex IdPattern();
}
