using System.Text.Json;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// Consent by purpose (analytics, personalisation, marketing, sale/share), per user id or anonymous id. A request sets
/// the purposes it names and leaves the others as stored; a purpose never set takes its default (granted). A request
/// that carries <c>Sec-GPC: 1</c> denies sale/share, whatever its body says (CCPA regulations §7025: the signal is
/// processed as an opt-out). Every change and every read is audited against the subject (<c>user#…</c>, <c>anon#…</c>).
/// </summary>
public static class ConsentEndpoints
{
    /// <summary>The header a browser with Global Privacy Control turned on sends on every request.</summary>
    public const string GpcHeader = "Sec-GPC";

    public static void Map(WebApplication app)
    {
        app.MapPut("/v1/users/{id}/consent", (HttpContext c, IConsentStore s, IRealtimeReads r, IAuditLog a, TimeProvider t, string id) => SetAsync(c, s, r, a, t, id, anonymous: false))
            .WithMetadata(new RequiresRole(ApiRole.Ingest)).Accepts<ConsentRequest>("application/json").Produces<ConsentResponse>();
        app.MapGet("/v1/users/{id}/consent", (HttpContext c, IConsentStore s, string id) => GetAsync(c, s, null, id, anonymous: false))
            .WithMetadata(new RequiresRole(ApiRole.Query), new AuditsPersonalRead("read.consent")).Produces<ConsentResponse>();
        app.MapPut("/v1/anonymous/{id}/consent", (HttpContext c, IConsentStore s, IRealtimeReads r, IAuditLog a, TimeProvider t, string id) => SetAsync(c, s, r, a, t, id, anonymous: true))
            .WithMetadata(new RequiresRole(ApiRole.Ingest)).Accepts<ConsentRequest>("application/json").Produces<ConsentResponse>();
        app.MapGet("/v1/anonymous/{id}/consent", (HttpContext c, IConsentStore s, IAuditLog a, string id) => GetAsync(c, s, a, id, anonymous: true))
            .WithMetadata(new RequiresRole(ApiRole.Query)).Produces<ConsentResponse>();
    }

    /// <summary>True when the request carries <c>Sec-GPC: 1</c> (the only value the specification defines).</summary>
    public static bool GlobalPrivacyControl(HttpRequest request) => request.Headers[GpcHeader].ToString().Trim() == "1";

    private static async Task<IResult> SetAsync(HttpContext context, IConsentStore consents, IRealtimeReads realtime, IAuditLog audit, TimeProvider clock, string id, bool anonymous)
    {
        if (ApiApplication.InvalidUserId(context, id) is { } invalid) return invalid;
        var (body, error) = await ApiApplication.ReadBodyAsync(context, 4096);
        if (error is not null) return error;
        var gpc = GlobalPrivacyControl(context.Request);
        var (change, fault) = Parse(body!, anonymous ? ConsentRecord.AnonymousSubject(id) : id, clock.GetUtcNow(), gpc);
        if (fault is not null) return ApiProblems.Result(context, 400, "Invalid body", fault.Message, [fault]);

        var stored = await consents.SetConsentAsync(change!, context.RequestAborted);
        if (!anonymous && change!.Personalisation == false) await realtime.EraseAsync(id);
        await audit.AppendAsync(ApiAudit.Record(context, Audited(id, anonymous), Action(change!), Details(change!, gpc)), context.RequestAborted);
        return Results.Json(Response(id, anonymous, stored), ApiJsonContext.Default.ConsentResponse);
    }

    private static async Task<IResult> GetAsync(HttpContext context, IConsentStore consents, IAuditLog? audit, string id, bool anonymous)
    {
        if (ApiApplication.InvalidUserId(context, id) is { } invalid) return invalid;

        // A user's read is audited by the middleware (AuditsPersonalRead names users); an anonymous id's here, first.
        if (audit is not null) await audit.AppendAsync(ApiAudit.Record(context, Audited(id, anonymous), "read.consent", ""), context.RequestAborted);
        var subject = anonymous ? ConsentRecord.AnonymousSubject(id) : id;
        var stored = await consents.ConsentAsync(subject, context.RequestAborted) ?? new ConsentRecord(subject, default);
        return Results.Json(Response(id, anonymous, stored), ApiJsonContext.Default.ConsentResponse);
    }

    /// <summary>
    /// The change a body asks for: <c>{"purposes": {…}}</c> with any of the four purposes, or the older
    /// <c>{"personalisation": bool}</c>; not both. A GPC request denies sale/share.
    /// </summary>
    internal static (ConsentRecord? Change, ProblemError? Fault) Parse(byte[] body, string subject, DateTimeOffset now, bool gpc)
    {
        ConsentRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(body, ApiJsonContext.Default.ConsentRequest);
        }
        catch (JsonException ex)
        {
            return (null, new ProblemError(ex.Path is { Length: > 0 } path ? path : "$", "json", ex.Message));
        }

        if (request is null) return (null, new ProblemError("$", "type", "the body must be a JSON object"));
        if (request.Purposes is not null && request.Personalisation is not null)
        {
            return (null, new ProblemError("$.personalisation", "oneOf", "give purposes or the older personalisation field, not both"));
        }

        var p = request.Purposes ?? new ConsentPurposesBody(Personalisation: request.Personalisation);
        if (p.Analytics is null && p.Personalisation is null && p.Marketing is null && p.SaleShare is null && !gpc)
        {
            return request.Purposes is null
                ? (null, new ProblemError("$.purposes", "required", "purposes (analytics, personalisation, marketing, saleShare: true or false) is required"))
                : (null, new ProblemError("$.purposes", "minProperties", "name at least one of analytics, personalisation, marketing, saleShare"));
        }

        var saleShare = gpc ? false : p.SaleShare;
        return (new ConsentRecord(subject, now)
        {
            Analytics = p.Analytics,
            Personalisation = p.Personalisation,
            Marketing = p.Marketing,
            SaleShare = saleShare,
            SaleShareSource = saleShare is null ? null : gpc ? ConsentRecord.GpcSource : ConsentRecord.RequestSource,
        }, null);
    }

    private static string Audited(string id, bool anonymous) => (anonymous ? "anon#" : "user#") + id;

    /// <summary><c>consent.opt_out</c> when the change only denies, <c>consent.opt_in</c> when it only grants, else <c>consent.update</c>.</summary>
    private static string Action(ConsentRecord change) =>
        change.Denied == change.Decided ? "consent.opt_out" : change.Denied == ConsentPurposes.None ? "consent.opt_in" : "consent.update";

    private static string Details(ConsentRecord change, bool gpc)
    {
        var parts = new List<string>(5);
        if (change.Analytics is { } a) parts.Add("analytics=" + Bool(a));
        if (change.Personalisation is { } p) parts.Add("personalisation=" + Bool(p));
        if (change.Marketing is { } m) parts.Add("marketing=" + Bool(m));
        if (change.SaleShare is { } s) parts.Add("saleShare=" + Bool(s));
        if (gpc) parts.Add("gpc=1");
        return string.Join(",", parts);
    }

    private static string Bool(bool value) => value ? "true" : "false";

    /// <summary>The effective choice of each purpose (defaults filled in), which purposes are defaults, and the older personalisation field.</summary>
    private static ConsentResponse Response(string id, bool anonymous, ConsentRecord stored)
    {
        var denied = stored.Denied;
        var decided = stored.Decided;
        var defaulted = new List<string>(4);
        if ((decided & ConsentPurposes.Analytics) == 0) defaulted.Add("analytics");
        if ((decided & ConsentPurposes.Personalisation) == 0) defaulted.Add("personalisation");
        if ((decided & ConsentPurposes.Marketing) == 0) defaulted.Add("marketing");
        if ((decided & ConsentPurposes.SaleShare) == 0) defaulted.Add("saleShare");
        var purposes = new ConsentPurposesBody(
            (denied & ConsentPurposes.Analytics) == 0, (denied & ConsentPurposes.Personalisation) == 0,
            (denied & ConsentPurposes.Marketing) == 0, (denied & ConsentPurposes.SaleShare) == 0);
        return new ConsentResponse(anonymous ? null : id, anonymous ? id : null, purposes.Personalisation!.Value, purposes, defaulted, stored.SaleShareSource, stored.UpdatedAt);
    }
}
