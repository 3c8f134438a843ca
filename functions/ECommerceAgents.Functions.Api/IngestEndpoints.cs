using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// Ingest: <c>POST /v1/events</c>, <c>/v1/orders</c>, <c>/v1/products</c> and signed webhooks. Each event is validated on
/// its own; a batch keeps its valid events (202, the rest reported by index) and is refused only when none is valid
/// (400). 202 means Kinesis acknowledged every accepted event; when it keeps throttling the answer is 503 with
/// Retry-After, and events it did take are dropped as duplicates downstream when the client retries. DynamoDB down
/// (the key lookup, the idempotency claim, the replay cache) is a 503 too, from the error mapping.
/// </summary>
public static class IngestEndpoints
{
    public static void Map(WebApplication app)
    {
        var ingest = new RequiresRole(ApiRole.Ingest);
        app.MapPost("/v1/events", (HttpContext c, IngestHandler h) => h.HandleAsync(c, null)).WithMetadata(ingest);
        app.MapPost("/v1/orders", (HttpContext c, IngestHandler h) => h.HandleAsync(c, EventTypes.IsOrderLifecycle)).WithMetadata(ingest);
        app.MapPost("/v1/products", (HttpContext c, IngestHandler h) => h.HandleAsync(c, static t => t == EventTypes.ProductUpserted)).WithMetadata(ingest);
        app.MapPost("/v1/webhooks/{source}", (HttpContext c, IngestHandler h, string source) => h.HandleAsync(c, null, source)).WithMetadata(ingest);
    }
}

/// <summary>One ingest request, from its body to its answer: webhook verification, the Idempotency-Key, validation, the stream.</summary>
/// <remarks>With <paramref name="door"/>, accepted events' personal fields are sealed under their subject's data key before they go to the stream.</remarks>
public sealed partial class IngestHandler(ApiOptions options, IIdempotencyStore idempotency, IWebhookReplayCache replays, IEventStreamWriter stream, TimeProvider clock, DoorEncryption? door = null)
{
    private sealed record Answer(int Status, string ContentType, string Body, string? RetryAfter = null);

    [ThreadStatic]
    private static IngestValidator? _validator;

    /// <summary>One validator per thread: validation is synchronous, so a request never shares one.</summary>
    private static IngestValidator Validator => _validator ??= new IngestValidator(new EventParser(SchemaRegistry.Default, TimeProvider.System));

    public async Task<IResult> HandleAsync(HttpContext context, Func<string, bool>? allowed, string? webhookSource = null)
    {
        var (body, error) = await ApiApplication.ReadBodyAsync(context, options.MaxBodyBytes);
        if (error is not null) return error;

        if (webhookSource is not null && await VerifyWebhookAsync(context, webhookSource, body!) is { } refused)
        {
            return refused;
        }

        var idempotencyKey = context.Request.Headers["Idempotency-Key"].ToString();
        if (idempotencyKey.Length == 0)
        {
            return ToResult(context, await IngestAsync(context, body!, allowed, webhookSource));
        }

        if (idempotencyKey.Length > 255 || idempotencyKey.Any(ch => ch < 0x21 || ch > 0x7E))
        {
            return ApiProblems.Result(context, 400, "Bad Idempotency-Key", "An Idempotency-Key is 1 to 255 visible ASCII characters.");
        }

        return await HandleIdempotentAsync(context, body!, allowed, webhookSource, idempotencyKey);
    }

    /// <summary>A request with an Idempotency-Key: applied once; a retry gets the first answer back, or 409 while it runs.</summary>
    private async Task<IResult> HandleIdempotentAsync(HttpContext context, byte[] body, Func<string, bool>? allowed, string? webhookSource, string idempotencyKey)
    {
        var scope = context.ApiRequest().KeyId;
        var hash = Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes(context.Request.Path + "\n"), .. body]));

        // A claim that cannot be written throws here, before anything is sent (a 503 from the error mapping): the request
        // is not applied, and a retry with the same key starts afresh.
        var (claim, stored) = await idempotency.ClaimAsync(scope, idempotencyKey, hash, options.IdempotencyTtl, options.IdempotencyLease, context.RequestAborted);
        switch (claim)
        {
            case IdempotencyClaim.Done when stored!.RequestHash != hash:
                return ApiProblems.Result(context, 422, "Idempotency-Key reused", "This Idempotency-Key was used with a different request.");
            case IdempotencyClaim.Done:
                context.Response.Headers["Idempotent-Replayed"] = "true";
                return ToResult(context, new Answer(stored.Status, stored.ContentType, stored.Body));
            case IdempotencyClaim.InProgress:
                context.Response.Headers.RetryAfter = "1";
                return ApiProblems.Result(context, 409, "Request in progress", "A request with this Idempotency-Key is still being processed; retry shortly.");
        }

        Answer answer;
        try
        {
            answer = await IngestAsync(context, body, allowed, webhookSource);
        }
        catch
        {
            await ReleaseAsync(scope, idempotencyKey);
            throw;
        }

        if (answer.Status >= 500)
        {
            await ReleaseAsync(scope, idempotencyKey);
            return ToResult(context, answer);
        }

        try
        {
            await idempotency.CompleteAsync(scope, idempotencyKey, new StoredResponse(answer.Status, answer.ContentType, answer.Body, hash), options.IdempotencyTtl, CancellationToken.None);
        }
        catch (Exception ex) when (DependencyFailures.Classify(ex) is not null)
        {
            // The events are on the stream: the answer stands, only its record is missing. Releasing the claim lets a
            // retry with this key run again at once; it puts the same event ids on the stream, which StreamProcessor
            // drops as duplicates. Should the release fail too, the claim's lease ends it.
            await ReleaseAsync(scope, idempotencyKey);
        }

        return ToResult(context, answer);
    }

    /// <summary>Frees a claim whose request ended without a stored answer. Best effort: when DynamoDB is down, the claim's lease frees it instead.</summary>
    private async Task ReleaseAsync(string scope, string idempotencyKey)
    {
        try
        {
            await idempotency.ReleaseAsync(scope, idempotencyKey, CancellationToken.None);
        }
        catch (Exception ex) when (DependencyFailures.Classify(ex) is not null)
        {
        }
    }

    private async Task<Answer> IngestAsync(HttpContext context, byte[] body, Func<string, bool>? allowed, string? webhookSource)
    {
        var request = context.ApiRequest();
        // Sec-GPC: 1 rides on the events' lineage; StreamProcessor records the opt-out in the consent state it reads anyway.
        var lineage = new IngestLineage(webhookSource is null ? "api" : "webhook", clock.GetUtcNow(), request.Traceparent, request.RequestId, webhookSource, ConsentEndpoints.GlobalPrivacyControl(context.Request));
        var result = Validator.Validate(body, lineage, allowed, options.MaxEventsPerRequest);
        if (result.BodyError is { } bodyError)
        {
            return Problem(context, 400, "Invalid request body", bodyError.Message, [ProblemError.From(bodyError)]);
        }

        ProblemError[] rejected = result.Rejected.Count == 0 ? [] : result.Rejected.SelectMany(r => r.Violations.Select(v => ProblemError.From(v, r.Index, r.EventId))).ToArray();
        if (result.Accepted.Count == 0)
        {
            return Problem(context, 400, "No valid events", $"None of the {result.Rejected.Count} events is valid; each error names the event's index and the JSON path at fault.", rejected);
        }

        var outgoing = door is null ? result.Accepted : await door.ProtectAsync(result.Accepted, context.RequestAborted);
        var written = await stream.WriteAsync(outgoing, context.RequestAborted);
        if (!written.AllWritten)
        {
            return Problem(context, 503, "Event stream unavailable",
                $"The stream did not take {written.Failed.Count} of {result.Accepted.Count} events ({written.ErrorCode}). Nothing is acknowledged; retry the whole request (events already written are dropped as duplicates by event id).",
                null, retryAfter: "1", dependency: "Kinesis");
        }

        var accepted = new IngestAccepted(result.Accepted.Count, rejected, result.Accepted.Select(a => a.EventId).ToArray(), request.RequestId, request.Traceparent);
        return new Answer(202, "application/json", JsonSerializer.Serialize(accepted, ApiJsonContext.Default.IngestAccepted));
    }

    /// <summary>
    /// HMAC-SHA256 over <c>timestamp + "." + body</c> with the source's secret, in <c>X-Signature: sha256=&lt;hex&gt;</c>;
    /// <c>X-Timestamp</c> in Unix seconds within a 5-minute window; each signature accepted once.
    /// </summary>
    private async Task<IResult?> VerifyWebhookAsync(HttpContext context, string source, byte[] body)
    {
        IResult Refuse(string why) => ApiProblems.Result(context, 401, "Webhook not verified", why);
        if (!options.WebhookSecrets.TryGetValue(source, out var secret)) return Refuse($"No secret is configured for webhook source '{source}'.");
        var signatureHeader = context.Request.Headers["X-Signature"];
        var timestampHeader = context.Request.Headers["X-Timestamp"];
        if (signatureHeader.Count != 1 || timestampHeader.Count != 1) return Refuse("Exactly one X-Signature and one X-Timestamp header are required.");
        var signature = signatureHeader.ToString();
        var timestampText = timestampHeader.ToString();
        if (!SignaturePattern().IsMatch(signature)) return Refuse("X-Signature must be sha256= followed by 64 lower-case hex digits.");
        if (!TimestampPattern().IsMatch(timestampText)) return Refuse("X-Timestamp must be Unix seconds.");
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(long.Parse(timestampText, CultureInfo.InvariantCulture));
        if ((clock.GetUtcNow() - timestamp).Duration() > options.WebhookWindow) return Refuse("The signature's timestamp is outside the 5-minute window.");

        byte[] signed = [.. Encoding.ASCII.GetBytes(timestampText + "."), .. body];
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        if (!CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(signature.AsSpan(7)))) return Refuse("The signature does not match.");
        if (!await replays.FirstSightingAsync(source, signature[7..], options.WebhookWindow * 2, context.RequestAborted))
        {
            return Refuse("This signature was already used (a replay).");
        }

        return null;
    }

    private static Answer Problem(HttpContext context, int status, string title, string detail, IReadOnlyList<ProblemError>? errors, string? retryAfter = null, string? dependency = null) =>
        new(status, ApiProblems.ContentType, ApiProblems.Serialize(ApiProblems.Create(context, status, title, detail, errors, dependency)), retryAfter);

    private static IResult ToResult(HttpContext context, Answer answer)
    {
        if (answer.RetryAfter is not null) context.Response.Headers.RetryAfter = answer.RetryAfter;
        return Results.Content(answer.Body, answer.ContentType, Encoding.UTF8, answer.Status);
    }

    [System.Text.RegularExpressions.GeneratedRegex("^sha256=[0-9a-f]{64}$")]
    private static partial System.Text.RegularExpressions.Regex SignaturePattern();

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9]{1,12}$")]
    private static partial System.Text.RegularExpressions.Regex TimestampPattern();
}
