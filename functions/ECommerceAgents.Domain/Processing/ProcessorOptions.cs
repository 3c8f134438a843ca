namespace ECommerceAgents.Domain.Processing;

/// <summary>How StreamProcessor plans and writes: dedup window, bot rules, trending buckets, write concurrency.</summary>
public sealed record ProcessorOptions
{
    public string PipelineVersion { get; init; } = "1.0.0";

    /// <summary>How long an event id is remembered, so a client's resend is dropped.</summary>
    public TimeSpan DedupWindow { get; init; } = TimeSpan.FromHours(24);

    /// <summary>More events than this from one subject within a minute marks the session as a bot.</summary>
    public int BotEventsPerMinute { get; init; } = 120;

    public int TrendingBucketMinutes { get; init; } = 5;

    /// <summary>
    /// Entity writes (and quarantine objects) in flight at once. A micro-batch of 500 events writes some 450 items one
    /// by one; at DynamoDB's few milliseconds per write, 64 in flight keep that near 50 ms.
    /// </summary>
    public int WriteConcurrency { get; init; } = 64;

    /// <summary>
    /// When a micro-batch fails only because another shard changed an item it read, it is processed again from the
    /// first record not done, inside the invocation, this many times: the same work a redelivery would do, without
    /// the event source mapping's round trip.
    /// </summary>
    public int ConflictRetries { get; init; } = 3;

    /// <summary>Attempts at moving the enriched cursor once the records are in the zone (about 11 s with the backoff).</summary>
    public int CursorWriteAttempts { get; init; } = 10;

    /// <summary>What becomes of the events of a subject who denied analytics: pseudonymous in the zones (the default), or dropped.</summary>
    public AnalyticsDenial AnalyticsDenied { get; init; } = AnalyticsDenial.Pseudonymous;

    /// <summary>Parses the analytics consent setting: <c>pseudonymous</c> (also when unset) or <c>drop</c>.</summary>
    public static AnalyticsDenial ParseAnalyticsDenial(string? text) =>
        string.IsNullOrWhiteSpace(text) || text.Trim().Equals("pseudonymous", StringComparison.OrdinalIgnoreCase) ? AnalyticsDenial.Pseudonymous
        : text.Trim().Equals("drop", StringComparison.OrdinalIgnoreCase) ? AnalyticsDenial.Drop
        : throw new ArgumentException($"The analytics consent setting is pseudonymous or drop, not '{text}'.", nameof(text));

    /// <summary>
    /// The shop's own domains (a subdomain of one counts too): a referrer on one of them is internal, also when it is
    /// not the page's own host (checkout.shop.example linking back to www.shop.example).
    /// </summary>
    public IReadOnlyList<string> OwnDomains { get; init; } = [];

    /// <summary>Parses the own domains setting: comma-separated host names.</summary>
    public static IReadOnlyList<string> ParseDomains(string? text) => Enrichment.TrafficSources.ParseDomains(text);

    /// <summary>Networks known to host automation (cloud and proxy ranges): traffic from them is bot traffic from its first event.</summary>
    public IReadOnlyList<System.Net.IPNetwork> BotNetworks { get; init; } = [];

    /// <summary>Parses the bot networks setting: comma-separated CIDR blocks.</summary>
    public static IReadOnlyList<System.Net.IPNetwork> ParseNetworks(string? text) =>
        string.IsNullOrWhiteSpace(text)
            ? []
            : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => System.Net.IPNetwork.Parse(n)).ToArray();
}
