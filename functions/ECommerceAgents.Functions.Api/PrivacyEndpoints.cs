using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// Consent, GDPR/CCPA access and erasure, and API key administration. Each privacy action leaves an audit entry; reading
/// a user's consent and the export are audited as reads of personal data (<see cref="AuditsPersonalRead"/>).
/// </summary>
public static class PrivacyEndpoints
{
    /// <summary>Where more of a user's data lives than DynamoDB and Redis, and how erasure reaches it.</summary>
    internal static readonly (string Zone, string Holds, string Erasure)[] OtherZones =
    [
        ("s3:raw", "every event as sent; with sealing on, its personal fields (e-mail, IP, device id, ids, free text) are ciphertext under the subject's key", "sealed fields: unreadable once the batch run deletes the subject's keys (Glacier copies too, nothing rewritten); records sent in clear: rewritten by the batch run; expires at 400 days"),
        ("s3:quarantine", "rejected records as sent (sealed like the archive)", "records of the user deleted by the batch run; sealed copies unreadable after the key deletion; expires after 30 days"),
        ("s3:enriched", "pseudonymised events (user id, per-subject e-mail and device hashes, IP /24)", "rewritten by the batch run"),
        ("s3:processed", "compacted Parquet of the enriched events", "rewritten by the batch run"),
        ("warehouse", "fact and dimension rows keyed by user id; the models are views over them", "deleted by the batch run"),
        ("kinesis", "the stream's records (sealed at the door)", "unreadable once the keys are deleted; they expire with the stream's retention (24 h, 7 days in prod)"),
        ("dynamodb-pitr", "point-in-time backups of the tables", "age out of the 35-day PITR window; the key table has no PITR, so backed-up sealed fields stay unreadable"),
    ];

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/users/{id}/export", ExportAsync).WithMetadata(new RequiresRole(ApiRole.Admin), new AuditsPersonalRead("export"));
        app.MapPost("/v1/admin/keys", CreateKeyAsync).WithMetadata(new RequiresRole(ApiRole.Admin))
            .WithSummary("Create an API key (shown once)")
            .WithDescription("role: ingest, query or admin (server keys, which refuse requests that carry an Origin), or browser (a publishable key for web pages: "
                + "it may only send events to the Segment routes, needs allowedOrigins, 1 to 50 of https://shop.example or https://*.shop.example, and is rate-limited per client IP too).")
            .Accepts<KeyRequest>("application/json").Produces<KeyCreated>(201).Produces<Problem>(400, ApiProblems.ContentType);
        app.MapPost("/v1/admin/keys/{keyId}/rotate", RotateKeyAsync).WithMetadata(new RequiresRole(ApiRole.Admin))
            .WithSummary("Replace a key by a new one with the same name, role and origins").Produces<KeyCreated>(201).Produces<Problem>(404, ApiProblems.ContentType);
        app.MapDelete("/v1/admin/keys/{keyId}", RevokeKeyAsync).WithMetadata(new RequiresRole(ApiRole.Admin));
    }

    /// <summary>A small JSON body, or the 400 (or 413) that answers it; a JSON error names <c>$</c> when <paramref name="errorPath"/>.</summary>
    private static async Task<(T? Request, IResult? Error)> ReadJsonAsync<T>(HttpContext context, JsonTypeInfo<T> type, bool errorPath)
        where T : class
    {
        var (body, error) = await ApiApplication.ReadBodyAsync(context, 4096);
        if (error is not null) return (null, error);
        try
        {
            return (JsonSerializer.Deserialize(body, type), null);
        }
        catch (JsonException ex)
        {
            return (null, ApiProblems.Result(context, 400, "Invalid body", ex.Message, errorPath ? [new ProblemError("$", "json", ex.Message)] : null));
        }
    }

    /// <summary>An audit entry by the calling key.</summary>
    private static Task<AuditEntry> AuditAsync(IAuditLog audit, HttpContext context, string subject, string action, string details) =>
        audit.AppendAsync(ApiAudit.Record(context, subject, action, details), context.RequestAborted);

    /// <summary>A GDPR/CCPA access request answered at once: what DynamoDB and Redis hold about the user, and where more is held (the full export is <c>POST</c>, see <see cref="PrivacyRequestEndpoints"/>).</summary>
    private static async Task<IResult> ExportAsync(HttpContext context, IUserReads users, IConsentStore consents, IRealtimeReads realtime, IAuditLog audit, TimeProvider clock, string id)
    {
        if (ApiApplication.InvalidUserId(context, id) is { } invalid) return invalid;
        var json = await LiveExportAsync(context, users, consents, realtime, audit, clock, id);
        // The export was audited before it ran (AuditsPersonalRead), so its own entry is in it.
        return Results.Content(json.ToJsonString(), "application/json", Encoding.UTF8);
    }

    /// <summary>What the API alone reads about the user: DynamoDB's state, consent, Redis, the audit trail, and where more is held.</summary>
    internal static async Task<JsonObject> LiveExportAsync(HttpContext context, IUserReads users, IConsentStore consents, IRealtimeReads realtime, IAuditLog audit, TimeProvider clock, string id)
    {
        var ct = context.RequestAborted;
        var profile = await users.ProfileAsync(id, ct);
        var anonymous = await users.AnonymousIdsAsync(id, ct);
        var subjects = new JsonArray();
        foreach (var subject in anonymous.Prepend(id))
        {
            if (await users.SubjectAsync(subject, ct) is { } state)
            {
                subjects.Add(JsonNode.Parse(JsonSerializer.Serialize(state, ApiJsonContext.Default.SubjectState)));
            }
        }

        var orders = await users.OrdersAsync(id, ct);
        var consent = await consents.ConsentAsync(id, ct);
        var recent = await realtime.RecentlyViewedAsync(id, 100);
        var recommendations = await realtime.RecommendationsAsync(id);
        var json = new JsonObject
        {
            ["userId"] = id,
            ["exportedAt"] = clock.GetUtcNow(),
            ["profile"] = profile is null ? null : JsonNode.Parse(JsonSerializer.Serialize(profile, ApiJsonContext.Default.UserProfile)),
            ["anonymousIds"] = new JsonArray(anonymous.Select(a => (JsonNode?)a).ToArray()),
            ["sessions"] = subjects,
            ["orders"] = new JsonArray(orders.Select(o => JsonNode.Parse(JsonSerializer.Serialize(o, ApiJsonContext.Default.OrderRecord))).ToArray()),
            ["consent"] = consent is null ? null : new JsonObject { ["analytics"] = consent.Analytics, ["personalisation"] = consent.Personalisation, ["marketing"] = consent.Marketing, ["saleShare"] = consent.SaleShare, ["saleShareSource"] = consent.SaleShareSource, ["updatedAt"] = consent.UpdatedAt },
            ["recentlyViewed"] = QueryEndpoints.RecentlyViewed(recent),
            ["recommendations"] = recommendations is null ? null : JsonNode.Parse(recommendations),
            ["audit"] = new JsonArray((await audit.AuditAsync("user#" + id, ct)).Select(a => (JsonNode?)a).ToArray()),
            ["alsoHeldIn"] = new JsonArray(OtherZones.Select(z => (JsonNode?)new JsonObject { ["zone"] = z.Zone, ["holds"] = z.Holds, ["erasure"] = z.Erasure }).ToArray()),
        };
        return json;
    }

    private static async Task<IResult> CreateKeyAsync(HttpContext context, IApiKeyStore keys, IAuditLog audit, BrowserOriginCache origins)
    {
        var (request, error) = await ReadJsonAsync(context, ApiJsonContext.Default.KeyRequest, errorPath: false);
        if (error is not null) return error;
        if (request?.Name is not { Length: > 0 and <= 64 } name) return ApiProblems.Result(context, 400, "Invalid body", "name (1 to 64 characters) is required.", [new ProblemError("$.name", "required", "is required")]);
        if (!Enum.TryParse<ApiRole>(request.Role, ignoreCase: true, out var role) || !Enum.IsDefined(role) || request.Role.Any(char.IsDigit))
        {
            return ApiProblems.Result(context, 400, "Invalid body", "role must be ingest, query, admin or browser.", [new ProblemError("$.role", "enum", "must be ingest, query, admin or browser")]);
        }

        var (allowed, originErrors) = AllowedOrigins(role, request.AllowedOrigins);
        if (originErrors.Count > 0) return ApiProblems.Result(context, 400, "Invalid body", originErrors[0].Message, originErrors);
        var (record, key) = await keys.CreateAsync(name, role, context.RequestAborted, allowedOrigins: allowed);
        origins.Forget();
        await AuditAsync(audit, context, "key#" + record.KeyId, "key.create", $"role={role}" + (allowed.Count > 0 ? " origins=" + string.Join(' ', allowed) : ""));
        return Results.Json(Created(record, key), ApiJsonContext.Default.KeyCreated, statusCode: 201);
    }

    /// <summary>A browser key's origins, normalised (each error names its index); none for a server key, which may not list any.</summary>
    private static (List<string> Origins, List<ProblemError> Errors) AllowedOrigins(ApiRole role, IReadOnlyList<string>? requested)
    {
        if (role != ApiRole.Browser)
        {
            return requested is null ? ([], []) : ([], [new ProblemError("$.allowedOrigins", "forbidden", "only browser keys have allowed origins; server keys refuse every request that carries an Origin")]);
        }

        if (requested is not { Count: > 0 and <= BrowserOrigins.MaxOrigins })
        {
            return ([], [new ProblemError("$.allowedOrigins", requested is { Count: > 0 } ? "maxItems" : "required", $"a browser key needs 1 to {BrowserOrigins.MaxOrigins} allowed origins (https://shop.example or https://*.shop.example)")]);
        }

        var origins = new List<string>(requested.Count);
        var errors = new List<ProblemError>();
        for (var i = 0; i < requested.Count; i++)
        {
            var (origin, error) = BrowserOrigins.Normalize(requested[i]);
            if (origin is not null) origins.Add(origin);
            else errors.Add(new ProblemError($"$.allowedOrigins[{i}]", "origin", $"'{requested[i]}' {error}", i));
        }

        return (origins, errors);
    }

    private static KeyCreated Created(ApiKeyRecord record, string key) =>
        new(record.KeyId, key, record.Name, record.Role.ToString().ToLowerInvariant(), record.CreatedAt, record.Role == ApiRole.Browser ? record.AllowedOrigins : null);

    /// <summary>A new key with the same name, role and origins; the old one is revoked at once.</summary>
    private static async Task<IResult> RotateKeyAsync(HttpContext context, IApiKeyStore keys, ApiKeyAuthenticator authenticator, BrowserOriginCache origins, IAuditLog audit, string keyId)
    {
        var old = await keys.FindByIdAsync(keyId, context.RequestAborted);
        if (old is not { Active: true }) return ApiProblems.Result(context, 404, "Unknown key", $"No active key '{keyId}'.");
        var (record, key) = await keys.CreateAsync(old.Name, old.Role, context.RequestAborted, allowedOrigins: old.AllowedOrigins);
        await keys.RevokeAsync(keyId, context.RequestAborted);
        authenticator.Forget();
        origins.Forget();
        await AuditAsync(audit, context, "key#" + keyId, "key.rotate", "replaced by " + record.KeyId);
        return Results.Json(Created(record, key), ApiJsonContext.Default.KeyCreated, statusCode: 201);
    }

    private static async Task<IResult> RevokeKeyAsync(HttpContext context, IApiKeyStore keys, ApiKeyAuthenticator authenticator, BrowserOriginCache origins, IAuditLog audit, string keyId)
    {
        if (!await keys.RevokeAsync(keyId, context.RequestAborted)) return ApiProblems.Result(context, 404, "Unknown key", $"No key '{keyId}'.");
        authenticator.Forget();
        origins.Forget();
        await AuditAsync(audit, context, "key#" + keyId, "key.revoke", "");
        return Results.NoContent();
    }
}
