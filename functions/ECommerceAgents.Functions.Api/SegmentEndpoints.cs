using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Functions.Api;

/// <summary>Marks the Segment tracking API's routes: their key may come as the HTTP Basic username or as <c>writeKey</c> in the body.</summary>
public sealed record SegmentRoute;

/// <summary>
/// The Segment tracking API (<c>POST /v1/track</c>, identify, page, screen, alias, group, batch), for the SDKs shops
/// already run. The write key is one of our ingest keys. The answers, chosen knowing that Segment's SDKs treat 400 as
/// final and retry other failures: 200 when at least one message was accepted (the others listed); 400 for what a retry
/// cannot fix (a body that is not JSON, over 500 KB or 2,500 messages, and a request none of whose messages can be
/// accepted); 401 for a missing or unknown write key, 403 for a key without the ingest or browser role or an Origin
/// its key refuses (<see cref="BrowserAccess"/>); 429 and 503 are retried, and a retried message keeps its event id,
/// so it is stored once.
/// </summary>
public static class SegmentEndpoints
{
    public const string Challenge = "Basic realm=\"Segment write key\"";

    public const string UnauthorizedDetail = "A valid write key (an ingest API key) is required: as the HTTP Basic username (Segment's server SDKs), as writeKey in the body (analytics.js), or in the x-api-key header.";

    private const string Description =
        "Segment's HTTP tracking spec (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/): point a Segment SDK's host here and use an ingest key as its write key " +
        "(HTTP Basic username, or writeKey in a text/plain or JSON body); gzip bodies are accepted. Limits: 32 KB a message, 500 KB and 2,500 messages a batch, messageId at most 100 characters, " +
        "userId or anonymousId on every call. messageId becomes the event id (a UUID v5 of the key id and the messageId), so an SDK's retry is stored once. " +
        "track: Segment's e-commerce spec v2 events map to our types (Order Completed becomes purchase), any other name becomes custom_event; page → page_view, screen → screen_view, " +
        "group → group, identify → identify (with both ids; with one, custom_event 'Identify'), alias → identify (previousId as the anonymous id). " +
        "200: at least one message accepted (the others listed in rejected). 400: not JSON, too large, or no message acceptable (final for the SDKs). " +
        "401: missing or unknown write key. 403: the key lacks the ingest role, or the request's Origin is refused. 429 and 503: retry (the SDKs do). " +
        "From web pages use a browser key (role browser, with its allowed origins): CORS preflights are answered for those origins, every request's Origin is checked, " +
        "context.ip is the request's own address, and a per-client-IP rate limit applies. A server key (any other role) refuses requests that carry an Origin; its context.ip is kept as sent.";

    /// <summary>The routes' paths: the only ones that take browser keys and answer CORS preflights.</summary>
    public static readonly IReadOnlySet<string> Paths = new HashSet<string>(SegmentMapping.Calls.Append("batch").Select(c => "/v1/" + c), StringComparer.OrdinalIgnoreCase);

    public static void Map(WebApplication app)
    {
        var ingest = new RequiresRole(ApiRole.Ingest, ApiRole.Browser);
        var segment = new SegmentRoute();
        foreach (var call in (string[])[.. SegmentMapping.Calls, "batch"])
        {
            app.MapPost("/v1/" + call, (HttpContext c, SegmentHandler h) => h.HandleAsync(c, call)).WithMetadata(ingest, segment)
                .WithTags("ingest").WithSummary($"Segment tracking API: {call}").WithDescription(Description)
                .Produces<IngestAccepted>(200).Produces<Problem>(400, ApiProblems.ContentType).Produces<Problem>(401, ApiProblems.ContentType)
                .Produces<Problem>(403, ApiProblems.ContentType).Produces<Problem>(429, ApiProblems.ContentType).Produces<Problem>(503, ApiProblems.ContentType);
        }
    }

    /// <summary>The request's body as read before authentication (gunzipped), and the write key it carries.</summary>
    internal sealed record SegmentBody(byte[] Bytes);

    /// <summary>
    /// Before authentication, on the Segment routes only: reads the body (a gzip body is unpacked, within the 500 KB
    /// limit), and moves the write key (Basic username, else <c>writeKey</c> in the body) to the x-api-key header the
    /// authentication reads, so these routes share its key cache, roles and rate limits.
    /// </summary>
    public static async Task WriteKeyAsync(HttpContext context, Func<Task> next)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<SegmentRoute>() is null)
        {
            await next();
            return;
        }

        var (body, error) = await ReadAsync(context);
        if (error is not null)
        {
            await ApiProblems.WriteAsync(context, 400, "Invalid request body", error);
            return;
        }

        context.Features.Set(new SegmentBody(body!));
        if ((BasicUser(context.Request.Headers.Authorization.ToString()) ?? BodyWriteKey(body!)) is { } key)
        {
            context.Request.Headers[ApiApplication.KeyHeader] = key;
        }

        await next();
    }

    private static async Task<(byte[]? Body, string? Error)> ReadAsync(HttpContext context)
    {
        const int limit = SegmentMapping.MaxBatchBytes;
        if (context.Request.ContentLength > limit) return (null, $"The body is {context.Request.ContentLength} bytes; at most {limit} (500 KB) are accepted.");
        var encoding = context.Request.Headers.ContentEncoding.ToString();
        var gzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase);
        if (encoding.Length > 0 && !gzip && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"Content-Encoding '{encoding}' is not accepted; send gzip or none.");
        }

        try
        {
            await using var source = gzip ? new GZipStream(context.Request.Body, CompressionMode.Decompress, leaveOpen: true) : context.Request.Body;
            using var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await source.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                if (buffer.Length + read > limit) return (null, $"The body{(gzip ? ", unpacked," : "")} exceeds {limit} bytes (500 KB).");
                buffer.Write(chunk, 0, read);
            }

            return (buffer.ToArray(), null);
        }
        catch (InvalidDataException)
        {
            return (null, "The body is not valid gzip.");
        }
    }

    /// <summary>The username of <c>Authorization: Basic base64(user:password)</c>; null when there is none.</summary>
    internal static string? BasicUser(string authorization)
    {
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
            var user = decoded.Split(':', 2)[0];
            return user.Length > 0 ? user : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The body's top-level <c>writeKey</c> (analytics.js posts it as text/plain to skip the CORS preflight); null when absent or unreadable.</summary>
    internal static string? BodyWriteKey(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isKey = reader.ValueTextEquals("writeKey"u8);
                reader.Read();
                if (isKey) return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}

/// <summary>One Segment request: mapped onto our envelopes, validated as ingest validates, sealed at the door and written to the stream.</summary>
public sealed class SegmentHandler(IEventStreamWriter stream, TimeProvider clock, DoorEncryption? door = null)
{
    [ThreadStatic]
    private static IngestValidator? _validator;

    private static IngestValidator Validator => _validator ??= new IngestValidator(new EventParser(SchemaRegistry.Default, TimeProvider.System));

    public async Task<IResult> HandleAsync(HttpContext context, string call)
    {
        var request = context.ApiRequest();
        var body = context.Features.Get<SegmentEndpoints.SegmentBody>()?.Bytes ?? [];
        var now = clock.GetUtcNow();
        // A browser's own address wins over what its page claims; a server SDK relays its visitors' addresses in context.ip.
        var batch = SegmentMapping.Map(body, call, request.KeyId, now, request.Key?.Role == ApiRole.Browser ? request.ClientIp : null);
        if (batch.BodyError is { } bodyError)
        {
            return ApiProblems.Result(context, 400, "Invalid request body", bodyError.Message, [ProblemError.From(bodyError)]);
        }

        var rejected = batch.Rejected.Select(r => (r.Index, Error: ProblemError.From(r.Violations[0], r.Index))).ToList();
        IngestResult? result = null;
        if (batch.SourceIndexes.Count > 0)
        {
            var lineage = new IngestLineage("segment", now, request.Traceparent, request.RequestId);
            result = Validator.Validate(batch.Envelopes, lineage, null, SegmentMapping.MaxBatchMessages);
            foreach (var r in result.Rejected)
            {
                var index = batch.SourceIndexes[r.Index];
                var prefix = batch.SourceIndexes.Count == 1 ? "$" : $"$[{r.Index}]";
                rejected.AddRange(r.Violations.Select(v => (index, ProblemError.From(v with
                {
                    Path = MessagePath(call, index),
                    Message = $"as {r.Schema ?? "our envelope"}, {(v.Path.StartsWith(prefix, StringComparison.Ordinal) ? "$" + v.Path[prefix.Length..] : v.Path)}: {v.Message}",
                }, index, r.EventId))));
            }
        }

        var errors = rejected.OrderBy(r => r.Index).Select(r => r.Error).ToArray();
        if (result is not { Accepted.Count: > 0 })
        {
            return ApiProblems.Result(context, 400, "No valid messages",
                $"None of the {batch.Messages} messages can be accepted; each error names the message and what is wrong with it.", errors);
        }

        var outgoing = door is null ? result.Accepted : await door.ProtectAsync(result.Accepted, context.RequestAborted);
        var written = await stream.WriteAsync(outgoing, context.RequestAborted);
        if (!written.AllWritten)
        {
            context.Response.Headers.RetryAfter = "1";
            return ApiProblems.Result(context, 503, "Event stream unavailable",
                $"The stream did not take {written.Failed.Count} of {result.Accepted.Count} events ({written.ErrorCode}). Retry: a message sent again keeps its event id and is stored once.",
                dependency: "Kinesis");
        }

        var accepted = new IngestAccepted(result.Accepted.Count, errors, result.Accepted.Select(a => a.EventId).ToArray(), request.RequestId, request.Traceparent);
        return Results.Json(accepted, ApiJsonContext.Default.IngestAccepted, statusCode: 200);
    }

    private static string MessagePath(string call, int index) => call == "batch" ? $"$.batch[{index}]" : "$";
}
