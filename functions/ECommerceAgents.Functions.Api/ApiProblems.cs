using System.Globalization;
using System.Text.Json;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// The one builder of the API's problems (RFC 9457, application/problem+json): each carries the request's path and id.
/// A problem is answered as an endpoint's result, written by middleware, or kept as text (an ingest answer, which an
/// Idempotency-Key stores and replays).
/// </summary>
public static class ApiProblems
{
    public const string ContentType = "application/problem+json";

    public static Problem Create(HttpContext context, int status, string title, string detail, IReadOnlyList<ProblemError>? errors = null, string? dependency = null) => new()
    {
        Title = title,
        Status = status,
        Detail = detail,
        Instance = context.Request.Path,
        RequestId = context.Features.Get<ApiRequestContext>()?.RequestId,
        Errors = errors,
        Dependency = dependency,
    };

    /// <summary>The problem as an endpoint's result.</summary>
    public static IResult Result(HttpContext context, int status, string title, string detail, IReadOnlyList<ProblemError>? errors = null, string? dependency = null) =>
        Results.Json(Create(context, status, title, detail, errors, dependency), ApiJsonContext.Default.Problem, ContentType, status);

    /// <summary>The problem written to the response (by middleware, outside any endpoint).</summary>
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, IReadOnlyList<ProblemError>? errors = null, string? dependency = null)
    {
        var problem = Create(context, status, title, detail, errors, dependency);
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        return JsonSerializer.SerializeAsync(context.Response.Body, problem, ApiJsonContext.Default.Problem, context.RequestAborted);
    }

    /// <summary>The problem as JSON text.</summary>
    public static string Serialize(Problem problem) => JsonSerializer.Serialize(problem, ApiJsonContext.Default.Problem);

    /// <summary>
    /// 503 naming the dependency, with Retry-After (set on the response here). Retrying is safe: an ingest retry with the
    /// same Idempotency-Key is applied once.
    /// </summary>
    public static IResult DependencyResult(HttpContext context, DependencyFailure failure)
    {
        var (title, detail) = DependencyText(context, failure);
        return Result(context, 503, title, detail, dependency: failure.Dependency);
    }

    /// <summary>The same 503 written by middleware.</summary>
    public static Task WriteDependencyAsync(HttpContext context, DependencyFailure failure)
    {
        var (title, detail) = DependencyText(context, failure);
        return WriteAsync(context, 503, title, detail, dependency: failure.Dependency);
    }

    private static (string Title, string Detail) DependencyText(HttpContext context, DependencyFailure failure)
    {
        context.Response.Headers.RetryAfter = failure.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return (failure.Throttled ? "Dependency throttling" : "Dependency unavailable",
            $"{failure.Dependency} {(failure.Throttled ? "is throttling" : "could not be reached")} ({failure.Cause}). Retry after {failure.RetryAfterSeconds} s; "
            + "retrying is safe (on ingest routes, with the same Idempotency-Key).");
    }
}
