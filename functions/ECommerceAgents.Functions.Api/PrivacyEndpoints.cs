using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Functions.Api;

/// <summary>Consent, GDPR/CCPA access and erasure, and API key administration. Each privacy action leaves an audit entry.</summary>
public static class PrivacyEndpoints
{
    /// <summary>Where more of a user's data lives than DynamoDB and Redis, and how long it stays.</summary>
    private static readonly (string Zone, string Holds, string Erasure)[] OtherZones =
    [
        ("s3:raw", "every event as sent, including raw e-mail, device id and IP", "rewritten by the next batch run from the tombstone; the archive moves to Glacier at 90 days and expires at 400"),
        ("s3:quarantine", "rejected records as sent", "rewritten by the next batch run; expires after 30 days"),
        ("s3:enriched", "pseudonymised events (user id, hashed e-mail and device id, IP /24)", "rewritten by the next batch run"),
        ("s3:processed", "compacted Parquet of the enriched events", "rewritten by the next batch run"),
        ("warehouse", "fact and model rows keyed by user id", "deleted by the next batch run"),
        ("kinesis", "the stream's records", "not erasable: they expire with the stream's retention (24 h, 7 days in prod)"),
        ("dynamodb-pitr", "point-in-time backups of the tables", "not erasable: they age out of the 35-day PITR window"),
    ];

    public static void Map(WebApplication app)
    {
        app.MapPut("/v1/users/{id}/consent", ConsentAsync).WithMetadata(new RequiresRole(ApiRole.Ingest));
        app.MapGet("/v1/users/{id}/consent", GetConsentAsync).WithMetadata(new RequiresRole(ApiRole.Query));
        app.MapGet("/v1/users/{id}/export", ExportAsync).WithMetadata(new RequiresRole(ApiRole.Admin));
        app.MapDelete("/v1/users/{id}", EraseAsync).WithMetadata(new RequiresRole(ApiRole.Admin));
        app.MapPost("/v1/admin/keys", CreateKeyAsync).WithMetadata(new RequiresRole(ApiRole.Admin));
        app.MapPost("/v1/admin/keys/{keyId}/rotate", RotateKeyAsync).WithMetadata(new RequiresRole(ApiRole.Admin));
        app.MapDelete("/v1/admin/keys/{keyId}", RevokeKeyAsync).WithMetadata(new RequiresRole(ApiRole.Admin));
    }

    private static IResult? InvalidId(HttpContext context, string id) =>
        ApiApplication.ValidId(id) ? null : ApiApplication.Problem(context, 400, "Invalid user id", "A user id is 1 to 128 letters, digits and ._:@- characters.");

    /// <summary>
    /// Records a personalisation opt-out (or opt-in). Policy: events of an opted-out user are still accepted and counted in
    /// aggregates (product counters, trending, funnels) but build no profile, no recently viewed list and no recommendations,
    /// and are marked consent=aggregate_only in the zones.
    /// </summary>
    private static async Task<IResult> ConsentAsync(HttpContext context, ApiServices services, string id)
    {
        if (InvalidId(context, id) is { } invalid) return invalid;
        var (body, error) = await ApiApplication.ReadBodyAsync(context, 4096);
        if (error is not null) return error;
        ConsentRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, ApiJsonContext.Default.ConsentRequest);
        }
        catch (JsonException ex)
        {
            return ApiApplication.Problem(context, 400, "Invalid body", ex.Message, [new ProblemError("$", "json", ex.Message)]);
        }

        if (request?.Personalisation is not { } personalisation)
        {
            return ApiApplication.Problem(context, 400, "Invalid body", "personalisation (true or false) is required.", [new ProblemError("$.personalisation", "required", "is required")]);
        }

        var consent = new ConsentRecord(id, personalisation, services.Clock.GetUtcNow());
        await services.Users.SetConsentAsync(consent, context.RequestAborted);
        if (!personalisation) await services.Realtime.EraseAsync(id);
        await services.Users.AppendAuditAsync("user#" + id, personalisation ? "consent.opt_in" : "consent.opt_out", (string)context.Items["keyId"]!, "personalisation=" + personalisation, context.RequestAborted);
        return Results.Json(new ConsentResponse(id, personalisation, consent.UpdatedAt), ApiJsonContext.Default.ConsentResponse);
    }

    private static async Task<IResult> GetConsentAsync(HttpContext context, ApiServices services, string id)
    {
        if (InvalidId(context, id) is { } invalid) return invalid;
        var consent = await services.Users.ConsentAsync(id, context.RequestAborted);
        return consent is null
            ? Results.Json(new ConsentResponse(id, true, default), ApiJsonContext.Default.ConsentResponse)
            : Results.Json(new ConsentResponse(id, consent.Personalisation, consent.UpdatedAt), ApiJsonContext.Default.ConsentResponse);
    }

    /// <summary>A GDPR/CCPA access request: everything held about the user here, and where more is held.</summary>
    private static async Task<IResult> ExportAsync(HttpContext context, ApiServices services, string id)
    {
        if (InvalidId(context, id) is { } invalid) return invalid;
        var ct = context.RequestAborted;
        var profile = await services.Users.ProfileAsync(id, ct);
        var anonymous = await services.Users.AnonymousIdsAsync(id, ct);
        var subjects = new JsonArray();
        foreach (var subject in anonymous.Prepend(id))
        {
            if (await services.Users.SubjectAsync(subject, ct) is { } state)
            {
                subjects.Add(JsonNode.Parse(JsonSerializer.Serialize(state, ExportJsonContext.Default.SubjectState)));
            }
        }

        var orders = await services.Users.OrdersAsync(id, ct);
        var consent = await services.Users.ConsentAsync(id, ct);
        var recent = await services.Realtime.RecentlyViewedAsync(id, 100);
        var recommendations = await services.Realtime.RecommendationsAsync(id);
        var json = new JsonObject
        {
            ["userId"] = id,
            ["exportedAt"] = services.Clock.GetUtcNow(),
            ["profile"] = profile is null ? null : JsonNode.Parse(JsonSerializer.Serialize(profile, ExportJsonContext.Default.UserProfile)),
            ["anonymousIds"] = new JsonArray(anonymous.Select(a => (JsonNode?)a).ToArray()),
            ["sessions"] = subjects,
            ["orders"] = new JsonArray(orders.Select(o => JsonNode.Parse(JsonSerializer.Serialize(o, ExportJsonContext.Default.OrderRecord))).ToArray()),
            ["consent"] = consent is null ? null : new JsonObject { ["personalisation"] = consent.Personalisation, ["updatedAt"] = consent.UpdatedAt },
            ["recentlyViewed"] = new JsonArray(recent.Select(r => (JsonNode?)new JsonObject { ["sku"] = r.Sku, ["viewedAt"] = r.ViewedAt }).ToArray()),
            ["recommendations"] = recommendations is null ? null : JsonNode.Parse(recommendations),
            ["audit"] = new JsonArray((await services.Users.AuditAsync("user#" + id, ct)).Select(a => (JsonNode?)a).ToArray()),
            ["alsoHeldIn"] = new JsonArray(OtherZones.Select(z => (JsonNode?)new JsonObject { ["zone"] = z.Zone, ["holds"] = z.Holds, ["erasure"] = z.Erasure }).ToArray()),
        };
        await services.Users.AppendAuditAsync("user#" + id, "export", (string)context.Items["keyId"]!, "access request", ct);
        return Results.Content(json.ToJsonString(), "application/json", Encoding.UTF8);
    }

    /// <summary>Erasure: DynamoDB and Redis at once; a tombstone for the batch layer; an audit entry. 202: the zones follow.</summary>
    private static async Task<IResult> EraseAsync(HttpContext context, ApiServices services, string id)
    {
        if (InvalidId(context, id) is { } invalid) return invalid;
        var counts = await services.Users.EraseAsync(id, context.RequestAborted);
        var cacheKeys = await services.Realtime.EraseAsync(id);
        var details = string.Join(",", counts.Select(c => $"{c.Key}={c.Value}")) + $",redisKeys={cacheKeys}";
        await services.Users.AppendAuditAsync("user#" + id, "erase", (string)context.Items["keyId"]!, details, context.RequestAborted);
        var json = new JsonObject
        {
            ["userId"] = id,
            ["erasedNow"] = new JsonObject(counts.Select(c => new KeyValuePair<string, JsonNode?>(c.Key, c.Value)).Append(new("redisKeys", cacheKeys))),
            ["tombstone"] = "pending: the next batch run erases the raw, quarantine, enriched and processed zones, the warehouse and the search index",
            ["notErasableAtOnce"] = new JsonArray(OtherZones.Where(z => z.Erasure.StartsWith("not", StringComparison.Ordinal)).Select(z => (JsonNode?)$"{z.Zone}: {z.Erasure}").ToArray()),
        };
        return Results.Content(json.ToJsonString(), "application/json", Encoding.UTF8, 202);
    }

    private static async Task<IResult> CreateKeyAsync(HttpContext context, ApiServices services)
    {
        var (body, error) = await ApiApplication.ReadBodyAsync(context, 4096);
        if (error is not null) return error;
        KeyRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, ApiJsonContext.Default.KeyRequest);
        }
        catch (JsonException ex)
        {
            return ApiApplication.Problem(context, 400, "Invalid body", ex.Message);
        }

        if (request?.Name is not { Length: > 0 and <= 64 } name) return ApiApplication.Problem(context, 400, "Invalid body", "name (1 to 64 characters) is required.", [new ProblemError("$.name", "required", "is required")]);
        if (!Enum.TryParse<ApiRole>(request.Role, ignoreCase: true, out var role) || !Enum.IsDefined(role))
        {
            return ApiApplication.Problem(context, 400, "Invalid body", "role must be ingest, query or admin.", [new ProblemError("$.role", "enum", "must be ingest, query or admin")]);
        }

        var (record, key) = await services.Keys.CreateAsync(name, role, context.RequestAborted);
        await services.Users.AppendAuditAsync("key#" + record.KeyId, "key.create", (string)context.Items["keyId"]!, $"role={role}", context.RequestAborted);
        return Results.Json(new KeyCreated(record.KeyId, key, name, role.ToString().ToLowerInvariant(), record.CreatedAt), ApiJsonContext.Default.KeyCreated, statusCode: 201);
    }

    /// <summary>A new key with the same name and role; the old one is revoked at once.</summary>
    private static async Task<IResult> RotateKeyAsync(HttpContext context, ApiServices services, string keyId)
    {
        var old = await services.Keys.FindByIdAsync(keyId, context.RequestAborted);
        if (old is not { Active: true }) return ApiApplication.Problem(context, 404, "Unknown key", $"No active key '{keyId}'.");
        var (record, key) = await services.Keys.CreateAsync(old.Name, old.Role, context.RequestAborted);
        await services.Keys.RevokeAsync(keyId, context.RequestAborted);
        services.ForgetKeys();
        await services.Users.AppendAuditAsync("key#" + keyId, "key.rotate", (string)context.Items["keyId"]!, "replaced by " + record.KeyId, context.RequestAborted);
        return Results.Json(new KeyCreated(record.KeyId, key, record.Name, record.Role.ToString().ToLowerInvariant(), record.CreatedAt), ApiJsonContext.Default.KeyCreated, statusCode: 201);
    }

    private static async Task<IResult> RevokeKeyAsync(HttpContext context, ApiServices services, string keyId)
    {
        if (!await services.Keys.RevokeAsync(keyId, context.RequestAborted)) return ApiApplication.Problem(context, 404, "Unknown key", $"No key '{keyId}'.");
        services.ForgetKeys();
        await services.Users.AppendAuditAsync("key#" + keyId, "key.revoke", (string)context.Items["keyId"]!, "", context.RequestAborted);
        return Results.NoContent();
    }
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
[System.Text.Json.Serialization.JsonSerializable(typeof(SubjectState))]
[System.Text.Json.Serialization.JsonSerializable(typeof(UserProfile))]
[System.Text.Json.Serialization.JsonSerializable(typeof(OrderRecord))]
internal sealed partial class ExportJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
