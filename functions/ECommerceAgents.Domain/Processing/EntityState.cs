using System.Text.Json.Serialization;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// State that is read, changed and written back as a whole. <see cref="Watermarks"/> holds, per shard, the padded
/// sequence number of the last record applied, so a redelivered record is recognised and applied once;
/// <see cref="Version"/> guards the write against a concurrent writer.
/// </summary>
public abstract record EntityState
{
    public Dictionary<string, string> Watermarks { get; init; } = new(StringComparer.Ordinal);

    public long Version { get; init; }
}

/// <summary>Counters of one session, from which intent and engagement are read.</summary>
public sealed record SessionCounters
{
    public int Events { get; set; }

    public int PageViews { get; set; }

    public int ProductViews { get; set; }

    public int Searches { get; set; }

    public int CartAdds { get; set; }

    public int CartRemoves { get; set; }

    public int CartItems { get; set; }

    public int Checkouts { get; set; }

    public int Purchases { get; set; }

    public decimal Revenue { get; set; }

    public DateTimeOffset? LastCartActivity { get; set; }

    public Dictionary<string, int> CategoryViews { get; set; } = new(StringComparer.Ordinal);
}

public sealed record SessionInterval
{
    public required string Id { get; init; }

    public DateTimeOffset Start { get; set; }

    public DateTimeOffset End { get; set; }

    public SessionCounters Counters { get; init; } = new();

    public string Intent { get; set; } = Intents.Browsing;

    public double Engagement { get; set; }

    public bool Bot { get; set; }

    public string? BotReason { get; set; }

    public string? UserId { get; set; }

    public string? EntryUrl { get; set; }

    public string? LastViewedSku { get; set; }

    /// <summary>Where the session came from: fixed by its first event that says so, never changed after.</summary>
    public SessionAttribution? Attribution { get; set; }
}

/// <summary>
/// A session's attribution: the landing's campaign (source and medium lower-cased) and its referrer's class
/// (search, social, email, internal, direct, paid, referral) and host. Never the referrer's full URL.
/// </summary>
public sealed record SessionAttribution
{
    public string? Source { get; init; }

    public string? Medium { get; init; }

    public string? Campaign { get; init; }

    public string? Term { get; init; }

    public string? Content { get; init; }

    public required string ReferrerClass { get; init; }

    public string? ReferrerHost { get; init; }
}

/// <summary>The sessionizer's state for one subject (a user id, or an anonymous id before sign-in).</summary>
public sealed record SubjectState : EntityState
{
    public required string SubjectId { get; init; }

    public SessionInterval? Current { get; set; }

    /// <summary>Closed sessions kept so late events find the session they belong to.</summary>
    public List<SessionInterval> Recent { get; init; } = [];

    public DateTimeOffset? RateWindowStart { get; set; }

    public int RateWindowCount { get; set; }

    [JsonIgnore]
    public IEnumerable<SessionInterval> All => Current is null ? Recent : Recent.Append(Current);
}

public sealed record Affinities
{
    public Dictionary<string, double> Category { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, double> Brand { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, double> PriceBand { get; init; } = new(StringComparer.Ordinal);
}

public sealed record UserProfile : EntityState
{
    public required string UserId { get; init; }

    public DateTimeOffset FirstSeen { get; set; }

    public DateTimeOffset LastSeen { get; set; }

    public Dictionary<string, long> Counters { get; init; } = new(StringComparer.Ordinal);

    public Affinities Affinities { get; init; } = new();

    /// <summary>The time the affinities were last decayed to.</summary>
    public DateTimeOffset AffinitiesAsOf { get; set; }

    public double Engagement { get; set; }

    public string Intent { get; set; } = Intents.Browsing;

    public string? LastSessionId { get; set; }

    public int Sessions { get; set; }

    public int Orders { get; set; }

    public decimal Spend { get; set; }

    public string? SpendCurrency { get; set; }

    public List<string> AnonymousIds { get; init; } = [];
}

public sealed record OrderHistoryEntry(string Type, DateTimeOffset EventTime, string EventId, bool MovedState);

public sealed record OrderRecord : EntityState
{
    public required string OrderId { get; init; }

    public string? UserId { get; set; }

    /// <summary>yyyy-MM-dd of the time the order was placed (the byDate index).</summary>
    public string? OrderDate { get; set; }

    public string State { get; set; } = "unknown";

    public DateTimeOffset StateTime { get; set; }

    public decimal Total { get; set; }

    public decimal Paid { get; set; }

    public decimal Refunded { get; set; }

    public string? Currency { get; set; }

    public List<OrderLine> Items { get; set; } = [];

    public List<OrderHistoryEntry> History { get; init; } = [];
}

/// <summary>The intents the classifier can read from a session.</summary>
public static class Intents
{
    public const string Browsing = "browsing";
    public const string Researching = "researching";
    public const string PurchaseIntent = "purchase_intent";
    public const string AtRiskOfAbandoningCart = "at_risk_of_abandoning_cart";
}
