using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// Data subjects' requests as resources: erasure (<c>DELETE /v1/users/{id}</c>) and the full export
/// (<c>POST /v1/users/{id}/export</c>) each answer 202 with a request id and its <c>Location</c>,
/// <c>GET /v1/privacy/requests/{id}</c> tells where it stands (accepted → in progress → done), and a done export
/// carries a pre-signed download link. Every move is audited on the user's subject.
/// </summary>
public static class PrivacyRequestEndpoints
{
    /// <summary>How long a download link works.</summary>
    public static readonly TimeSpan DownloadValidity = TimeSpan.FromMinutes(15);

    public static void Map(WebApplication app)
    {
        app.MapDelete("/v1/users/{id}", EraseAsync).WithMetadata(new RequiresRole(ApiRole.Admin));
        app.MapPost("/v1/users/{id}/export", ExportAsync).WithMetadata(new RequiresRole(ApiRole.Admin));
        app.MapGet("/v1/privacy/requests/{requestId}", GetAsync).WithMetadata(new RequiresRole(ApiRole.Admin));
    }

    private static string Location(PrivacyRequest request) => "/v1/privacy/requests/" + request.RequestId;

    /// <summary>
    /// Erasure: the request is accepted, DynamoDB and Redis are erased at once (in progress), and a tombstone asks the
    /// batch layer for the zones, the warehouse and the keys (done when it has run).
    /// </summary>
    private static async Task<IResult> EraseAsync(HttpContext context, IUserErasure erasure, IRealtimeReads realtime, PrivacyRequestTracker tracker, string id)
    {
        if (ApiApplication.InvalidUserId(context, id) is { } invalid) return invalid;
        var actor = ApiAudit.Record(context, "", "", "");
        var request = await tracker.AcceptAsync(PrivacyRequest.Erasure, id, actor, context.RequestAborted);
        var counts = new Dictionary<string, int>(await erasure.EraseAsync(id, request.RequestId, context.RequestAborted), StringComparer.Ordinal)
        {
            ["redisKeys"] = (int)await realtime.EraseAsync(id),
        };
        await tracker.MoveAsync(request, PrivacyRequest.Accepted, PrivacyRequest.InProgress, actor, "dynamodb and redis erased; zones, warehouse and keys by the next batch run", counts, null, context.RequestAborted);
        var json = new JsonObject
        {
            ["requestId"] = request.RequestId,
            ["userId"] = id,
            ["status"] = PrivacyRequest.InProgress,
            ["erasedNow"] = new JsonObject(counts.Select(c => new KeyValuePair<string, JsonNode?>(c.Key, c.Value))),
            ["pending"] = "the next batch run erases the raw, quarantine, enriched and processed zones and the warehouse, then deletes the user's keys",
            ["location"] = Location(request),
        };
        context.Response.Headers.Location = Location(request);
        return Results.Content(json.ToJsonString(), "application/json", Encoding.UTF8, 202);
    }

    /// <summary>
    /// The full export: what DynamoDB and Redis hold now is left in the exports bucket, and the batch layer adds the
    /// warehouse and the zones; the request's resource gives the download link once done.
    /// </summary>
    private static async Task<IResult> ExportAsync(HttpContext context, IUserReads users, IConsentStore consents, IRealtimeReads realtime, IAuditLog audit,
        TimeProvider clock, PrivacyRequestTracker tracker, string id)
    {
        if (ApiApplication.InvalidUserId(context, id) is { } invalid) return invalid;
        if (context.RequestServices.GetService<IExportFiles>() is not { } files)
        {
            return ApiProblems.Result(context, 503, "Exports unavailable", "This deployment has no exports bucket.");
        }

        var request = await tracker.AcceptAsync(PrivacyRequest.Export, id, ApiAudit.Record(context, "", "", ""), context.RequestAborted);
        var live = await PrivacyEndpoints.LiveExportAsync(context, users, consents, realtime, audit, clock, id);
        await files.PutAsync(PrivacyRequest.LiveExportKey(request.RequestId), Encoding.UTF8.GetBytes(live.ToJsonString()), context.RequestAborted);
        context.Response.Headers.Location = Location(request);
        var json = new JsonObject { ["requestId"] = request.RequestId, ["userId"] = id, ["status"] = request.Status, ["location"] = Location(request) };
        return Results.Content(json.ToJsonString(), "application/json", Encoding.UTF8, 202);
    }

    /// <summary>Where a request stands, step by step; a done export's link is audited as a read of the user's data.</summary>
    private static async Task<IResult> GetAsync(HttpContext context, IPrivacyRequests requests, IAuditLog audit, string requestId)
    {
        if (requestId.Length > 64 || await requests.GetAsync(requestId, context.RequestAborted) is not { } request)
        {
            return ApiProblems.Result(context, 404, "Unknown request", $"No privacy request '{requestId}'.");
        }

        var json = new JsonObject
        {
            ["requestId"] = request.RequestId,
            ["kind"] = request.Kind,
            ["userId"] = request.UserId,
            ["status"] = request.Status,
            ["createdAt"] = request.CreatedAt,
            ["updatedAt"] = request.UpdatedAt,
            ["history"] = new JsonArray([.. request.History.Select(h => (JsonNode?)new JsonObject { ["status"] = h.Status, ["at"] = h.At, ["details"] = h.Details })]),
            ["counts"] = request.Counts is null ? null : new JsonObject(request.Counts.Select(c => new KeyValuePair<string, JsonNode?>(c.Key, c.Value))),
        };
        if (request is { Status: PrivacyRequest.Done, ExportKey: { } key } && context.RequestServices.GetService<IExportFiles>() is { } files)
        {
            await audit.AppendAsync(ApiAudit.Record(context, "user#" + request.UserId, "export.download", "request=" + request.RequestId), context.RequestAborted);
            json["download"] = files.DownloadUrl(key, DownloadValidity);
            json["downloadExpiresIn"] = (int)DownloadValidity.TotalSeconds;
        }

        return Results.Content(json.ToJsonString(), "application/json", Encoding.UTF8);
    }
}
