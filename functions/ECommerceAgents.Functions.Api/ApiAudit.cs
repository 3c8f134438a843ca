using ECommerceAgents.Domain.Privacy;
using Microsoft.AspNetCore.Routing;

namespace ECommerceAgents.Functions.Api;

/// <summary>Marks a route that returns a user's personal data (the user is the route's <c>{id}</c>): every call is audited.</summary>
public sealed record AuditsPersonalRead(string Action);

/// <summary>
/// The audit entries the API writes: who called (key id and role), about whom, through which endpoint, in which request;
/// never the data itself. Reads of personal data are audited before the handler runs and fail closed: when the entry
/// cannot be stored the request fails (503 when DynamoDB is the cause) and nothing personal is returned.
/// </summary>
internal static class ApiAudit
{
    /// <summary>The record of this request's action on <paramref name="subject"/>, by the calling key.</summary>
    public static AuditRecord Record(HttpContext context, string subject, string action, string details)
    {
        var request = context.ApiRequest();
        var endpoint = context.GetEndpoint() is RouteEndpoint route ? $"{context.Request.Method} {route.RoutePattern.RawText}" : context.Request.Method;
        return new AuditRecord(subject, action, request.KeyId, request.Key?.Role.ToString().ToLowerInvariant() ?? "", endpoint, request.RequestId, details);
    }

    /// <summary>Appends the record of this request's action on <paramref name="subject"/>.</summary>
    public static Task AppendAsync(HttpContext context, string subject, string action, string details) =>
        context.RequestServices.GetRequiredService<IAuditLog>().AppendAsync(Record(context, subject, action, details), context.RequestAborted);

    /// <summary>Runs after authentication and rate limiting: a marked route with a valid user id is audited, then served.</summary>
    public static async Task PersonalReadsAsync(HttpContext context, Func<Task> next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<AuditsPersonalRead>() is { } read
            && context.Request.RouteValues["id"] is string id && ApiApplication.ValidId(id))
        {
            await AppendAsync(context, "user#" + id, read.Action, "");
        }

        await next();
    }
}
