using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using ECommerceAgents.Adapters.DynamoDb;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.RateLimiting;

namespace ECommerceAgents.Functions.Api;

/// <summary>The role a route needs. Admin keys may call every route.</summary>
public sealed record RequiresRole(params ApiRole[] Roles);

/// <summary>
/// The ingest and query API: an ASP.NET Core minimal API on Kestrel, AOT-compatible (slim builder, source-generated
/// JSON). The same app runs locally on 127.0.0.1 and in AWS behind the Lambda Web Adapter on port 8080.
/// </summary>
public static partial class ApiApplication
{
    public const string KeyHeader = "x-api-key";

    private static readonly string[] Areas = ["ingest", "users", "products", "metrics", "admin", "health"];

    public static WebApplication Build(ApiServices services, IPEndPoint listen)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(listen);
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = services.Options.MaxBodyBytes;
        });
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default));
        builder.Services.AddSingleton(services);
        builder.Services.AddOpenApi(o => o.AddOperationTransformer((operation, context, _) =>
        {
            // One tag per area (ingest, users, products, metrics, admin), not the host assembly's name.
            var path = context.Description.RelativePath ?? "";
            var area = path.StartsWith("v1/", StringComparison.Ordinal) ? path.Split('/')[1] : "health";
            operation.Tags = new HashSet<Microsoft.OpenApi.OpenApiTagReference> { new(area is "events" or "orders" or "products" && context.Description.HttpMethod == "POST" || area == "webhooks" ? "ingest" : area) };
            return Task.CompletedTask;
        }).AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new Microsoft.OpenApi.OpenApiInfo
            {
                Title = "ECommerceAgents API",
                Version = "v1",
                Description = "Ingest (events, orders, products, signed webhooks) and queries for agents and dashboards. Every route but /healthz and this document needs an x-api-key header; problems are application/problem+json (RFC 9457).",
            };
            document.Tags = new HashSet<Microsoft.OpenApi.OpenApiTag>(Areas.Select(t => new Microsoft.OpenApi.OpenApiTag { Name = t }));
            document.Components ??= new Microsoft.OpenApi.OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, Microsoft.OpenApi.IOpenApiSecurityScheme>
            {
                ["ApiKey"] = new Microsoft.OpenApi.OpenApiSecurityScheme { Type = Microsoft.OpenApi.SecuritySchemeType.ApiKey, In = Microsoft.OpenApi.ParameterLocation.Header, Name = KeyHeader },
            };
            return Task.CompletedTask;
        }));
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                context.Items["keyId"] is string keyId
                    ? RateLimitPartition.GetTokenBucketLimiter(keyId, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = services.Options.RateLimitBurst,
                        TokensPerPeriod = services.Options.RateLimitPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter("anonymous"));
            limiter.OnRejected = (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return new ValueTask(WriteProblemAsync(context.HttpContext, 429, "Too many requests", "The rate limit of this API key is exceeded; retry after the Retry-After seconds."));
            };
        });

        var app = builder.Build();
        app.Use(CorrelationAsync);
        app.Use(ErrorsAsync);
        app.UseRouting();
        app.Use(AuthenticateAsync);
        app.UseRateLimiter();

        app.MapGet("/healthz", () => Results.Json(new Health("ok", typeof(ApiApplication).Assembly.GetName().Version?.ToString() ?? "1.0.0"), ApiJsonContext.Default.Health))
            .WithMetadata(new AllowAnonymousRoute()).DisableRateLimiting();
        app.MapOpenApi("/openapi/{documentName}.json").WithMetadata(new AllowAnonymousRoute()).DisableRateLimiting();
        if (services.Environment.Setting("ECA_API_MODE") == "stream")
        {
            // The ApiStream function (a function URL in response-stream mode) serves only the push.
            QueryEndpoints.MapStream(app);
            return app;
        }

        IngestEndpoints.Map(app);
        QueryEndpoints.Map(app);
        PrivacyEndpoints.Map(app);
        return app;
    }

    /// <summary>Marks the routes that need no key (health, the OpenAPI document).</summary>
    public sealed record AllowAnonymousRoute;

    /// <summary>A request id for every answer, and the W3C trace context carried through (or started here).</summary>
    private static Task CorrelationAsync(HttpContext context, Func<Task> next)
    {
        var requestId = Guid.NewGuid().ToString("N");
        var incoming = context.Request.Headers["traceparent"].ToString();
        var traceparent = TraceParent().IsMatch(incoming) && !incoming.StartsWith("ff", StringComparison.Ordinal)
            ? incoming
            : $"00-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01";
        context.Items["requestId"] = requestId;
        context.Items["traceparent"] = traceparent;
        context.Response.Headers["x-request-id"] = requestId;
        context.Response.Headers["traceparent"] = traceparent;
        return next();
    }

    /// <summary>
    /// Oversized bodies and malformed requests get a problem body, never a stack trace. A dependency that cannot be
    /// reached or is throttling (DynamoDB, Redis, OpenSearch, the stream: <see cref="DependencyFailures"/>) is a 503
    /// with Retry-After, wherever in the request it happened (the key lookup included); only anything else is a 500.
    /// </summary>
    private static async Task ErrorsAsync(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await WriteProblemAsync(context, ex.StatusCode, ex.StatusCode == 413 ? "Request body too large" : "Bad request",
                ex.StatusCode == 413 ? $"The body exceeds {context.RequestServices.GetRequiredService<ApiServices>().Options.MaxBodyBytes} bytes." : ex.Message);
        }
        catch (Exception ex) when (!context.Response.HasStarted && DependencyFailures.Classify(ex, context.RequestAborted) is { } failure)
        {
            context.Response.Clear();
            await WriteDependencyProblemAsync(context, failure);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            context.Response.Clear();
            await WriteProblemAsync(context, 500, "Internal error", $"The request failed ({ex.GetType().Name}). Request id {context.Items["requestId"]}.");
        }
    }

    /// <summary>503 naming the dependency, with Retry-After. Retrying is safe: an ingest retry with the same Idempotency-Key is applied once.</summary>
    public static Task WriteDependencyProblemAsync(HttpContext context, DependencyFailure failure)
    {
        context.Response.Headers.RetryAfter = failure.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (title, detail) = DependencyText(failure);
        return WriteProblemAsync(context, 503, title, detail, dependency: failure.Dependency);
    }

    /// <summary>The same answer as an endpoint's result.</summary>
    public static IResult DependencyProblem(HttpContext context, DependencyFailure failure)
    {
        context.Response.Headers.RetryAfter = failure.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var (title, detail) = DependencyText(failure);
        return Problem(context, 503, title, detail, dependency: failure.Dependency);
    }

    private static (string Title, string Detail) DependencyText(DependencyFailure failure) =>
        (failure.Throttled ? "Dependency throttling" : "Dependency unavailable",
         $"{failure.Dependency} {(failure.Throttled ? "is throttling" : "could not be reached")} ({failure.Cause}). Retry after {failure.RetryAfterSeconds} s; "
         + "retrying is safe (on ingest routes, with the same Idempotency-Key).");

    /// <summary>Every route but health and the OpenAPI document needs a key: 401 without a valid one, 403 with the wrong role.</summary>
    private static async Task AuthenticateAsync(HttpContext context, Func<Task> next)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<AllowAnonymousRoute>() is not null || endpoint is null)
        {
            await next();
            return;
        }

        var services = context.RequestServices.GetRequiredService<ApiServices>();
        var key = context.Request.Headers[KeyHeader].ToString();
        var record = key.Length is >= 16 and <= 128 ? await services.AuthenticateAsync(key, context.RequestAborted) : null;
        if (record is null)
        {
            context.Response.Headers.WWWAuthenticate = "ApiKey header=\"x-api-key\"";
            await WriteProblemAsync(context, 401, "Unauthorized", "A valid API key is required in the x-api-key header.");
            return;
        }

        var required = endpoint.Metadata.GetMetadata<RequiresRole>();
        if (required is not null && record.Role != ApiRole.Admin && !required.Roles.Contains(record.Role))
        {
            await WriteProblemAsync(context, 403, "Forbidden", $"This route needs a {string.Join(" or ", required.Roles.Select(r => r.ToString().ToLowerInvariant()))} key; this key's role is {record.Role.ToString().ToLowerInvariant()}.");
            return;
        }

        context.Items["keyId"] = record.KeyId;
        context.Items["role"] = record.Role;
        await next();
    }

    public static Task WriteProblemAsync(HttpContext context, int status, string title, string detail, IReadOnlyList<ProblemError>? errors = null, string? dependency = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var problem = new Problem { Title = title, Status = status, Detail = detail, Instance = context.Request.Path, RequestId = context.Items["requestId"] as string, Errors = errors, Dependency = dependency };
        return JsonSerializer.SerializeAsync(context.Response.Body, problem, ApiJsonContext.Default.Problem, context.RequestAborted);
    }

    public static IResult Problem(HttpContext context, int status, string title, string detail, IReadOnlyList<ProblemError>? errors = null, string? dependency = null) =>
        Results.Json(new Problem { Title = title, Status = status, Detail = detail, Instance = context.Request.Path, RequestId = context.Items["requestId"] as string, Errors = errors, Dependency = dependency },
            ApiJsonContext.Default.Problem, "application/problem+json", status);

    public static IResult Json<T>(T value, JsonTypeInfo<T> type, int status = 200) => Results.Json(value, type, statusCode: status);

    /// <summary>Reads the whole body within the size limit (also when no Content-Length is sent).</summary>
    public static async Task<(byte[]? Body, IResult? Error)> ReadBodyAsync(HttpContext context, long limit)
    {
        if (context.Request.ContentLength > limit)
        {
            return (null, Problem(context, 413, "Request body too large", $"The body is {context.Request.ContentLength} bytes; at most {limit} are accepted."));
        }

        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false }) feature.MaxRequestBodySize = limit;
        using var buffer = new MemoryStream(context.Request.ContentLength is { } n and > 0 ? (int)n : 4096);
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.Length > limit
            ? (null, Problem(context, 413, "Request body too large", $"At most {limit} bytes are accepted."))
            : (buffer.ToArray(), null);
    }

    public static bool ValidId(string id) => IdPattern().IsMatch(id);

    [GeneratedRegex("^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")]
    private static partial Regex TraceParent();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$")]
    private static partial Regex IdPattern();
}
