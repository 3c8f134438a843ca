using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// The first-party browser tracker (<c>sdk/eca.js</c> in this project, embedded in the assembly), served to any page
/// without a key at <see cref="Path"/>. The path's <c>v1</c> is the major version: every 1.x keeps the snippet and the
/// calls working, so pages never pin a patch; a breaking change is served at <c>/sdk/v2/eca.js</c> beside it.
/// </summary>
public static partial class TrackerScript
{
    /// <summary>The stable path pages load the tracker from (the gateway template routes it to this app).</summary>
    public const string Path = "/sdk/v1/eca.js";

    public const string ContentType = "text/javascript; charset=utf-8";

    /// <summary>An hour: a fixed 1.x reaches every shop within the hour; revalidation is cheap (ETag, 304).</summary>
    public const string CacheControl = "public, max-age=3600";

    public const string VersionHeader = "X-Eca-Tracker-Version";

    private static readonly Lazy<(byte[] Bytes, string Version, string ETag)> File = new(Load);

    /// <summary>The file's bytes as served.</summary>
    public static ReadOnlyMemory<byte> Content => File.Value.Bytes;

    /// <summary>The version string inside the file (<c>var VERSION = '…'</c>).</summary>
    public static string Version => File.Value.Version;

    /// <summary>A strong validator: the file's SHA-256, so any change to it is a new ETag.</summary>
    public static string ETag => File.Value.ETag;

    public static void Map(WebApplication app)
    {
        app.MapGet(Path, Serve)
            .WithMetadata(new ApiApplication.AllowAnonymousRoute()).DisableRateLimiting()
            .WithTags("sdk").WithSummary("The first-party browser tracker (JavaScript)")
            .WithDescription("eca.js: page views, product, cart and checkout calls, a batched queue with retry, sendBeacon on page hide, consent and opt-out, UTM capture; it posts Segment's batch call to /v1/batch. No key needed to load it. Cached an hour, with an ETag (304 on If-None-Match); the version is in the X-Eca-Tracker-Version header and inside the file.")
            .Produces(200, contentType: "text/javascript").Produces(304);
    }

    private static IResult Serve(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = CacheControl;
        headers.ETag = ETag;
        headers[VersionHeader] = Version;
        headers.XContentTypeOptions = "nosniff";

        // A public file: a page may load it with Subresource Integrity (crossorigin="anonymous"), which needs CORS.
        headers.AccessControlAllowOrigin = "*";
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString();
        if (ifNoneMatch.Length > 0 && (ifNoneMatch.Trim() == "*" || ifNoneMatch.Split(',').Any(t => t.Trim() == ETag || t.Trim() == "W/" + ETag)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(Content, ContentType);
    }

    private static (byte[] Bytes, string Version, string ETag) Load()
    {
        using var stream = typeof(TrackerScript).Assembly.GetManifestResourceStream("ECommerceAgents.Functions.Api.sdk.eca.js")
            ?? throw new InvalidOperationException("sdk/eca.js is not embedded in the Api assembly");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var match = VersionLine().Match(System.Text.Encoding.UTF8.GetString(bytes));
        if (!match.Success) throw new InvalidOperationException("sdk/eca.js names no VERSION");
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..32];
        return (bytes, match.Groups[1].Value, $"\"{match.Groups[1].Value}-{hash}\"");
    }

    [GeneratedRegex(@"var VERSION = '([0-9]+\.[0-9]+\.[0-9]+)';")]
    private static partial Regex VersionLine();
}
