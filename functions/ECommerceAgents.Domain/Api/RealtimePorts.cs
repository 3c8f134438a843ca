namespace ECommerceAgents.Domain.Api;

/// <summary>Real-time figures for the metrics API.</summary>
public sealed record RealtimeMetrics(
    IReadOnlyDictionary<string, double> Totals,
    IReadOnlyList<(long Minute, double Events, double Bots)> PerMinute,
    IReadOnlyDictionary<string, IReadOnlyList<(string Sku, double Score)>> Trending);

/// <summary>The live recommendations published for one user, read one list at a time until disposed.</summary>
public interface IRecommendationFeed : IAsyncDisposable
{
    /// <summary>The next list published (JSON), waiting for it.</summary>
    ValueTask<string> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The port to the real-time store as the API uses it: reads of what StreamProcessor projects, the API's own
/// cache-aside entries, and erasure of a user's keys.
/// </summary>
public interface IRealtimeReads
{
    Task<IReadOnlyList<(string Sku, DateTimeOffset ViewedAt)>> RecentlyViewedAsync(string userId, int count);

    Task<string?> RecommendationsAsync(string userId);

    Task CacheRecommendationsAsync(string userId, string json);

    Task<string?> CachedProfileAsync(string userId);

    Task CacheProfileAsync(string userId, string json, TimeSpan ttl);

    /// <summary>Removes everything the store holds about a user; returns how many keys went.</summary>
    Task<long> EraseAsync(string userId);

    Task<RealtimeMetrics> MetricsAsync(DateTimeOffset now, int minutes, int trendingPerCategory);

    /// <summary>Subscribes to the recommendations StreamProcessor publishes for a user.</summary>
    Task<IRecommendationFeed> SubscribeRecommendationsAsync(string userId);
}

/// <summary>The port to the real-time store's health as StreamProcessor records it in the state store.</summary>
public interface IRealtimeStaleness
{
    /// <summary>Real-time store shards marked stale by StreamProcessor (a Redis outage), each with since when.</summary>
    Task<IReadOnlyDictionary<string, string>> RealtimeStaleAsync(CancellationToken cancellationToken);
}
