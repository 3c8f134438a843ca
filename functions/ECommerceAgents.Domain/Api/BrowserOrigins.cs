using System.Globalization;

namespace ECommerceAgents.Domain.Api;

/// <summary>
/// The origins a browser key accepts. An origin is written as browsers send it in the <c>Origin</c> header: scheme
/// (http or https), host and a port only when it is not the scheme's default, lowercase, with no path, query,
/// credentials or trailing slash. One wildcard form is allowed, <c>https://*.shop.example</c>: any subdomain (one or
/// more labels deep) of shop.example with that scheme and port, but not shop.example itself.
/// </summary>
public static class BrowserOrigins
{
    /// <summary>Most origins one key may list.</summary>
    public const int MaxOrigins = 50;

    private const int MaxLength = 262;

    /// <summary>The origin in its canonical form, or why <paramref name="value"/> is not one (a pattern when <paramref name="allowWildcard"/>).</summary>
    public static (string? Origin, string? Error) Normalize(string? value, bool allowWildcard = true)
    {
        if (string.IsNullOrEmpty(value)) return (null, "is empty");
        if (value.Length > MaxLength) return (null, $"is longer than {MaxLength} characters");
        var text = value.ToLowerInvariant();
        string scheme;
        if (text.StartsWith("https://", StringComparison.Ordinal)) scheme = "https";
        else if (text.StartsWith("http://", StringComparison.Ordinal)) scheme = "http";
        else return (null, "must start with https:// or http:// (an origin is scheme://host[:port])");

        var authority = text[(scheme.Length + 3)..];
        if (authority.IndexOfAny(['/', '?', '#', '@', '\\', ' ', ',']) >= 0) return (null, "must be scheme://host[:port] only: no path (not even a trailing /), query, fragment or credentials");
        var wildcard = authority.StartsWith("*.", StringComparison.Ordinal);
        if (wildcard && !allowWildcard) return (null, "is a pattern, not an origin");
        if (wildcard) authority = authority[2..];
        if (authority.Contains('*', StringComparison.Ordinal)) return (null, "may hold a wildcard only as its first label (https://*.shop.example)");

        var (host, port) = SplitPort(authority);
        if (port is { } p && (p.Length == 0 || !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535))
        {
            return (null, "has a port that is not 1 to 65535");
        }

        var kind = host.StartsWith('[') ? Uri.CheckHostName(host.Trim('[', ']')) : host.Contains(':', StringComparison.Ordinal) ? UriHostNameType.Unknown : Uri.CheckHostName(host);
        if (host.Length == 0 || kind == UriHostNameType.Unknown || (host.StartsWith('[') && kind != UriHostNameType.IPv6)) return (null, "has no valid host");
        if (wildcard && (kind != UriHostNameType.Dns || !host.Contains('.', StringComparison.Ordinal)))
        {
            return (null, "may use a wildcard only under a domain with at least two labels (https://*.shop.example)");
        }

        var portNumber = port is null ? (int?)null : int.Parse(port, CultureInfo.InvariantCulture);
        var portText = portNumber is null || portNumber == (scheme == "https" ? 443 : 80) ? "" : ":" + portNumber.Value.ToString(CultureInfo.InvariantCulture);
        return ($"{scheme}://{(wildcard ? "*." : "")}{host}{portText}", null);
    }

    /// <summary>Whether the request's <c>Origin</c> header is one of <paramref name="allowed"/> (canonical origins and patterns).</summary>
    public static bool Allows(IReadOnlyList<string> allowed, string? origin)
    {
        if (allowed.Count == 0 || Normalize(origin, allowWildcard: false).Origin is not { } canonical) return false;
        foreach (var entry in allowed)
        {
            if (string.Equals(entry, canonical, StringComparison.Ordinal)) return true;
            var star = entry.IndexOf("://*.", StringComparison.Ordinal);
            if (star < 0) continue;
            var prefix = entry[..(star + 3)];
            var suffix = entry[(star + 4)..];
            if (canonical.Length > prefix.Length + suffix.Length
                && canonical.StartsWith(prefix, StringComparison.Ordinal)
                && canonical.EndsWith(suffix, StringComparison.Ordinal)
                && !canonical.AsSpan(prefix.Length, canonical.Length - prefix.Length - suffix.Length).Contains(':'))
            {
                return true;
            }
        }

        return false;
    }

    private static (string Host, string? Port) SplitPort(string authority)
    {
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0) return ("", null);
            return close == authority.Length - 1 ? (authority, null)
                : authority[close + 1] == ':' ? (authority[..(close + 1)], authority[(close + 2)..]) : ("", null);
        }

        var colon = authority.LastIndexOf(':');
        return colon < 0 ? (authority, null) : (authority[..colon], authority[(colon + 1)..]);
    }
}
