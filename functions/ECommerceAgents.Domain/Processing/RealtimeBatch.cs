namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// What one batch changes in the real-time store (ElastiCache): already aggregated per key, so a batch costs a few
/// commands per user, category and product rather than per event. Each group carries the stream span of its events:
/// the store applies a group once per shard span (see the Redis adapter), and user-level writes are idempotent by nature.
/// </summary>
public sealed record RealtimeBatch
{
    public required string ShardId { get; init; }

    public List<UserRealtime> Users { get; init; } = [];

    public List<TrendingGroup> Trending { get; init; } = [];

    public List<CoViewGroup> CoViews { get; init; } = [];

    public CounterGroup? Counters { get; set; }

    public bool IsEmpty => Users.Count == 0 && Trending.Count == 0 && CoViews.Count == 0 && Counters is null;
}

/// <summary>The span of padded sequence numbers a group's increments come from.</summary>
public readonly record struct SequenceSpan(string First, string Last)
{
    public SequenceSpan Extend(string padded) =>
        new(string.CompareOrdinal(padded, First) < 0 ? padded : First, string.CompareOrdinal(padded, Last) > 0 ? padded : Last);

    public static SequenceSpan Of(string padded) => new(padded, padded);
}

/// <summary>Per user: products viewed (sku → view time, kept as a bounded sorted set) and the inputs of the recommendation refresh.</summary>
public sealed record UserRealtime(string UserId)
{
    public Dictionary<string, DateTimeOffset> Viewed { get; init; } = new(StringComparer.Ordinal);

    public HashSet<string> Purchased { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Strongest categories, for candidate products from trending.</summary>
    public IReadOnlyList<(string Category, double Score)> TopCategories { get; set; } = [];

    public IReadOnlyList<(string Band, double Score)> TopPriceBands { get; set; } = [];

    public bool RefreshRecommendations { get; set; }
}

/// <summary>Trending scores of one category in time buckets (sliding windows are unions of buckets at read time).</summary>
public sealed record TrendingGroup(string Category)
{
    public Dictionary<(long Bucket, string Sku), double> Scores { get; init; } = [];

    public SequenceSpan Span { get; set; }
}

/// <summary>"Viewed next" counts from one product to others, sharded over a fixed number of groups.</summary>
public sealed record CoViewGroup(int Shard)
{
    public Dictionary<(string From, string To), long> Counts { get; init; } = [];

    public SequenceSpan Span { get; set; }
}

/// <summary>Real-time counters for the metrics API, in one-minute buckets.</summary>
public sealed record CounterGroup
{
    public Dictionary<(long Minute, string Field), long> Counts { get; init; } = [];

    public SequenceSpan Span { get; set; }
}

/// <summary>The real-time store (Redis). A failure does not fail the batch: the store is marked stale and rebuilt.</summary>
public interface IRealtimeProjection
{
    Task ApplyAsync(RealtimeBatch batch, CancellationToken cancellationToken);
}
