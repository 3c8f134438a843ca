namespace ECommerceAgents.Domain.Enrichment;

internal sealed record UserAgentInfo(string DeviceType, string Browser, string Os, bool IsBot, string? BotSignature);

/// <summary>
/// Reads the user agent: device type, browser and OS families, and known automation signatures (crawlers, HTTP
/// libraries, headless browsers). A small rule set, not a full UA parser: enough for segmentation and bot flags.
/// </summary>
internal static class UserAgentClassifier
{
    private static readonly string[] BotSignatures =
    [
        "bot", "crawl", "spider", "slurp", "headless", "phantomjs", "selenium", "puppeteer", "playwright", "lighthouse",
        "curl/", "wget/", "python-requests", "python-urllib", "aiohttp", "go-http-client", "java/", "okhttp", "libwww",
        "scrapy", "httpclient", "axios/", "node-fetch", "apachebench", "facebookexternalhit", "bingpreview", "monitor",
    ];

    private static readonly UserAgentInfo Unknown = new("unknown", "unknown", "unknown", false, null);

    public static UserAgentInfo Classify(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent)) return Unknown;
        string? signature = null;
        foreach (var s in BotSignatures)
        {
            if (userAgent.Contains(s, StringComparison.OrdinalIgnoreCase))
            {
                signature = s;
                break;
            }
        }

        var os = Has(userAgent, "Android") ? "android"
            : Has(userAgent, "iPhone") || Has(userAgent, "iPad") || Has(userAgent, "iOS") ? "ios"
            : Has(userAgent, "Windows") ? "windows"
            : Has(userAgent, "Mac OS X") || Has(userAgent, "Macintosh") ? "macos"
            : Has(userAgent, "Linux") || Has(userAgent, "X11") ? "linux"
            : "other";
        var browser = Has(userAgent, "Edg/") ? "edge"
            : Has(userAgent, "OPR/") ? "opera"
            : Has(userAgent, "Firefox/") ? "firefox"
            : Has(userAgent, "Chrome/") || Has(userAgent, "CriOS/") ? "chrome"
            : Has(userAgent, "Safari/") ? "safari"
            : "other";
        var device = signature is not null ? "bot"
            : Has(userAgent, "iPad") || Has(userAgent, "Tablet") ? "tablet"
            : Has(userAgent, "Mobi") || Has(userAgent, "iPhone") || os == "android" ? "mobile"
            : "desktop";
        return new UserAgentInfo(device, browser, os, signature is not null, signature);
    }

    private static bool Has(string ua, string token) => ua.Contains(token, StringComparison.Ordinal);
}
