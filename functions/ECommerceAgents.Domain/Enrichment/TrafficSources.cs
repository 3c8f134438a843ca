using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Enrichment;

/// <summary>
/// The referrer classes. The issue names five (search, social, email, internal, direct); two more keep the five
/// honest: <c>paid</c> for traffic a campaign says was bought (cpc, ppc, display, a click id), which would otherwise
/// pass for search or social, and <c>referral</c> for any other site linking to the shop.
/// </summary>
internal static class ReferrerClasses
{
    public const string Search = "search";
    public const string Social = "social";
    public const string Email = "email";
    public const string Internal = "internal";
    public const string Direct = "direct";
    public const string Paid = "paid";
    public const string Referral = "referral";
}

/// <summary>
/// Where a visit came from: the campaign (an event's own, else the page URL's <c>utm_*</c> parameters, else an ad
/// click id) and the referrer's class and host. Pure: no clock, no state. Only the referrer's host is kept, never its
/// path or query, which can carry personal data (a search, an e-mail address in a webmail link).
/// </summary>
internal static class TrafficSources
{
    /// <summary>Widths of the warehouse's columns, in UTF-8 bytes: longer values are cut.</summary>
    public const int MaxValue = 128, MaxLongValue = 256;

    // Ad click ids, as the analytics tools read them: the ad network is the source, the click was paid.
    private static readonly (string Parameter, string Source)[] ClickIds = [("gclid", "google"), ("gbraid", "google"), ("wbraid", "google"), ("msclkid", "bing"), ("fbclid", "facebook")];

    // Brands matched as a label of the host (google.de, www.google.co.uk, l.facebook.com); the rest as whole domains.
    private static readonly HashSet<string> SearchBrands = new(["google", "bing", "duckduckgo", "yahoo", "baidu", "yandex", "ecosia", "ask", "naver", "seznam", "qwant", "startpage", "sogou", "aol"], StringComparer.Ordinal);
    private static readonly string[] SearchDomains = ["search.brave.com", "ya.ru", "kagi.com"];
    private static readonly HashSet<string> SocialBrands = new(["facebook", "instagram", "twitter", "linkedin", "pinterest", "reddit", "tiktok", "youtube", "snapchat", "tumblr", "quora", "whatsapp", "threads", "telegram", "weibo", "discord", "vk", "mastodon"], StringComparer.Ordinal);
    private static readonly string[] SocialDomains = ["t.co", "x.com", "fb.com", "fb.me", "lnkd.in", "pin.it", "youtu.be", "t.me", "bsky.app"];
    private static readonly string[] WebmailDomains = ["mail.google.com", "outlook.live.com", "outlook.office.com", "outlook.office365.com", "mail.yahoo.com", "mail.aol.com", "mail.proton.me", "mail.yandex.ru", "mail.yandex.com", "webmail.gmx.net", "mail.zoho.com"];
    private static readonly HashSet<string> EmailMediums = new(["email", "e-mail", "e_mail", "newsletter", "mail"], StringComparer.Ordinal);
    private static readonly HashSet<string> PaidMediums = new(["cpc", "ppc", "cpm", "cpv", "cpa", "cpp", "display", "banner", "retargeting", "remarketing"], StringComparer.Ordinal);
    private static readonly HashSet<string> SocialMediums = new(["social", "social-network", "social_network", "social-media", "social_media", "sm", "organic_social"], StringComparer.Ordinal);

    /// <summary>The event's campaign: the one it carries (when it names anything), else the one its page URL carries.</summary>
    public static CampaignContext? CampaignOf(TrackedEvent e) =>
        e.Context?.Campaign is { } sent && !IsEmpty(sent) ? sent : FromUrl(PageUrlOf(e));

    public static string? PageUrlOf(TrackedEvent e) => e.Context?.Page?.Url ?? e.Data.Url;

    public static string? ReferrerOf(TrackedEvent e) => e.Context?.Page?.Referrer ?? e.Data.Referrer;

    /// <summary>Whether the event says anything about where the visit came from (a page, a referrer or a campaign).</summary>
    public static bool SaysWhereFrom(TrackedEvent e) =>
        PageUrlOf(e) is not null || ReferrerOf(e) is not null || e.Context?.Campaign is { } c && !IsEmpty(c);

    /// <summary>
    /// The campaign in a URL's query: <c>utm_source</c>, <c>utm_medium</c>, <c>utm_campaign</c>, <c>utm_term</c>,
    /// <c>utm_content</c> (names in any case, values percent- and plus-decoded, the first of a repeated name); with no
    /// utm source or medium, an ad click id (gclid, gbraid, wbraid → google; msclkid → bing; fbclid → facebook) makes
    /// the campaign that network's, medium <c>cpc</c>. Null when the URL carries neither.
    /// </summary>
    public static CampaignContext? FromUrl(string? url)
    {
        if (url is null) return null;
        var q = url.IndexOf('?', StringComparison.Ordinal);
        if (q < 0) return null;
        var end = url.IndexOf('#', q);
        var query = url.AsSpan(q + 1, (end < 0 ? url.Length : end) - q - 1);
        string? source = null, medium = null, name = null, term = null, content = null, clickSource = null;
        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var eq = pair.IndexOf('=');
            if (eq <= 0) continue;
            var key = pair[..eq];
            var value = pair[(eq + 1)..];
            if (key.StartsWith("utm_", StringComparison.OrdinalIgnoreCase))
            {
                var field = key[4..];
                if (field.Equals("source", StringComparison.OrdinalIgnoreCase)) source ??= Decode(value, MaxValue);
                else if (field.Equals("medium", StringComparison.OrdinalIgnoreCase)) medium ??= Decode(value, MaxValue);
                else if (field.Equals("campaign", StringComparison.OrdinalIgnoreCase)) name ??= Decode(value, MaxValue);
                else if (field.Equals("term", StringComparison.OrdinalIgnoreCase)) term ??= Decode(value, MaxLongValue);
                else if (field.Equals("content", StringComparison.OrdinalIgnoreCase)) content ??= Decode(value, MaxLongValue);
            }
            else if (clickSource is null && value.Length > 0)
            {
                foreach (var (parameter, network) in ClickIds)
                {
                    if (key.Equals(parameter, StringComparison.OrdinalIgnoreCase)) clickSource = network;
                }
            }
        }

        if (source is null && medium is null && clickSource is not null)
        {
            (source, medium) = (clickSource, "cpc");
        }

        var campaign = new CampaignContext { Source = source, Medium = medium, Name = name, Term = term, Content = content };
        return IsEmpty(campaign) ? null : campaign;
    }

    /// <summary>The URL's host, lower case, without a trailing dot; null when the text is no absolute http(s) URL.</summary>
    public static string? HostOf(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme is not ("http" or "https") || uri.Host.Length == 0) return null;
        return uri.IdnHost.TrimEnd('.').ToLowerInvariant();
    }

    /// <summary>
    /// The attribution of a visit that lands with this campaign, page and referrer. The class, first match wins: the
    /// campaign's medium (paid, email, social, <c>organic</c> → search, <c>referral</c>); then the referrer: none →
    /// direct (or, for a tagged link, the class of its source's name), the page's own host or one of
    /// <paramref name="ownDomains"/> → internal, a webmail host → email, a search engine → search, a social network →
    /// social, any other site → referral.
    /// </summary>
    public static SessionAttribution Classify(CampaignContext? campaign, string? pageUrl, string? referrer, IReadOnlyList<string> ownDomains)
    {
        var source = Normalise(campaign?.Source);
        var medium = Normalise(campaign?.Medium);
        var referrerHost = HostOf(referrer);
        var pageHost = HostOf(pageUrl);
        var byMedium = medium switch
        {
            null => null,
            _ when PaidMediums.Contains(medium) || medium.StartsWith("paid", StringComparison.Ordinal) => ReferrerClasses.Paid,
            _ when EmailMediums.Contains(medium) => ReferrerClasses.Email,
            _ when SocialMediums.Contains(medium) => ReferrerClasses.Social,
            "organic" => ReferrerClasses.Search,
            "referral" or "affiliate" => ReferrerClasses.Referral,
            _ => null,
        };
        var referrerClass = byMedium
            ?? (referrerHost is null ? (source is null ? ReferrerClasses.Direct : ClassOfName(source) ?? ReferrerClasses.Referral)
            : IsInternal(referrerHost, pageHost, ownDomains) ? ReferrerClasses.Internal
            : ClassOfHost(referrerHost) ?? ReferrerClasses.Referral);
        return new SessionAttribution
        {
            Source = source,
            Medium = medium,
            Campaign = Cut(campaign?.Name, MaxValue),
            Term = Cut(campaign?.Term, MaxLongValue),
            Content = Cut(campaign?.Content, MaxLongValue),
            ReferrerClass = referrerClass,
            ReferrerHost = Cut(referrerHost, MaxValue),
        };
    }

    /// <summary>The attribution of the visit an event lands: its campaign, page and referrer.</summary>
    public static SessionAttribution Classify(TrackedEvent e, IReadOnlyList<string> ownDomains) =>
        Classify(CampaignOf(e), PageUrlOf(e), ReferrerOf(e), ownDomains);

    /// <summary>A referrer's class from its host alone (null for an unknown site).</summary>
    public static string? ClassOfHost(string host) =>
        MatchesDomain(host, WebmailDomains) || host.StartsWith("webmail.", StringComparison.Ordinal) ? ReferrerClasses.Email
        : HasBrand(host, SearchBrands) || MatchesDomain(host, SearchDomains) ? ReferrerClasses.Search
        : HasBrand(host, SocialBrands) || MatchesDomain(host, SocialDomains) ? ReferrerClasses.Social
        : null;

    /// <summary>The referrer host is the page's own, or one of the shop's domains (or a subdomain of one).</summary>
    public static bool IsInternal(string referrerHost, string? pageHost, IReadOnlyList<string> ownDomains) =>
        referrerHost == pageHost || MatchesDomain(referrerHost, ownDomains);

    /// <summary>Parses the shop's own domains setting: comma-separated host names, lower-cased, without a leading dot.</summary>
    public static IReadOnlyList<string> ParseDomains(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(d => d.TrimStart('.').TrimEnd('.').ToLowerInvariant()).Where(d => d.Length > 0).ToArray();

    // A tagged link with no referrer (an app, a QR code, a mail client): utm_source=google, =facebook, =newsletter.
    private static string? ClassOfName(string source) =>
        EmailMediums.Contains(source) ? ReferrerClasses.Email
        : SearchBrands.Contains(source) ? ReferrerClasses.Search
        : SocialBrands.Contains(source) || source is "x" or "ig" or "fb" ? ReferrerClasses.Social
        : source.Contains('.', StringComparison.Ordinal) ? ClassOfHost(source)
        : null;

    private static bool HasBrand(string host, HashSet<string> brands)
    {
        // The brand is a label followed only by the public suffix (com, de, co.uk): mail.google.com's "google" counts too.
        var labels = host.Split('.');
        for (var i = 0; i < labels.Length - 1; i++)
        {
            if (brands.Contains(labels[i]) && labels.Length - 1 - i <= 2 && labels[(i + 1)..].All(l => l.Length <= 3)) return true;
        }

        return false;
    }

    private static bool MatchesDomain(string host, IReadOnlyList<string> domains)
    {
        foreach (var domain in domains)
        {
            if (host == domain || host.Length > domain.Length && host.EndsWith(domain, StringComparison.Ordinal) && host[host.Length - domain.Length - 1] == '.') return true;
        }

        return false;
    }

    private static bool IsEmpty(CampaignContext c) => c.Source is null && c.Medium is null && c.Name is null && c.Term is null && c.Content is null;

    private static string? Normalise(string? value) => Cut(value?.Trim().ToLowerInvariant(), MaxValue) is { Length: > 0 } v ? v : null;

    /// <summary>At most <paramref name="max"/> UTF-8 bytes (Redshift's varchar counts bytes), never half a surrogate pair.</summary>
    private static string? Cut(string? value, int max)
    {
        if (value is null || value.Length <= max / 4 || System.Text.Encoding.UTF8.GetByteCount(value) <= max) return value;
        var end = Math.Min(value.Length, max);
        while (end > 0 && (System.Text.Encoding.UTF8.GetByteCount(value.AsSpan(0, end)) > max || char.IsHighSurrogate(value[end - 1]))) end--;
        return value[..end];
    }

    private static string? Decode(ReadOnlySpan<char> value, int max)
    {
        // A broken escape (%zz) is kept as sent.
        var text = Uri.UnescapeDataString(value.ToString().Replace('+', ' ')).Trim();
        return text.Length == 0 ? null : Cut(text, max);
    }
}
