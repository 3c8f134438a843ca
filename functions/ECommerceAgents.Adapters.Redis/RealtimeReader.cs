using System.Globalization;
using ECommerceAgents.Domain.Api;
using StackExchange.Redis;

namespace ECommerceAgents.Adapters.Redis;

/// <summary>The API's reads of the real-time store, and its cache-aside writes. Each user's keys share one slot.</summary>
public sealed class RealtimeReader(IConnectionMultiplexer redis, RealtimeOptions? options = null) : IRealtimeReads
{
    private readonly RealtimeOptions _options = options ?? new RealtimeOptions();
    private readonly RedisKeys _keys = new((options ?? new RealtimeOptions()).KeyPrefix);

    public RedisKeys Keys => _keys;

    public async Task<IReadOnlyList<(string Sku, DateTimeOffset ViewedAt)>> RecentlyViewedAsync(string userId, int count)
    {
        var entries = await redis.GetDatabase().SortedSetRangeByRankWithScoresAsync(_keys.Recent(userId), 0, count - 1, Order.Descending).ConfigureAwait(false);
        return entries.Select(e => ((string)e.Element!, DateTimeOffset.FromUnixTimeMilliseconds((long)e.Score))).ToArray();
    }

    public async Task<string?> RecommendationsAsync(string userId) => await redis.GetDatabase().StringGetAsync(_keys.Recommendations(userId)).ConfigureAwait(false);

    public Task CacheRecommendationsAsync(string userId, string json) => redis.GetDatabase().StringSetAsync(_keys.Recommendations(userId), json, _options.RecommendationTtl);

    public async Task<string?> CachedProfileAsync(string userId) => await redis.GetDatabase().StringGetAsync(_keys.ProfileCache(userId)).ConfigureAwait(false);

    public Task CacheProfileAsync(string userId, string json, TimeSpan ttl) => redis.GetDatabase().StringSetAsync(_keys.ProfileCache(userId), json, ttl);

    /// <summary>Removes everything the cache holds about a user (one slot, one command).</summary>
    public Task<long> EraseAsync(string userId) =>
        redis.GetDatabase().KeyDeleteAsync([_keys.Recent(userId), _keys.Bought(userId), _keys.Recommendations(userId), _keys.ProfileCache(userId)]);

    public async Task<RealtimeMetrics> MetricsAsync(DateTimeOffset now, int minutes, int trendingPerCategory)
    {
        var db = redis.GetDatabase();
        var totals = await TotalsAsync().ConfigureAwait(false);
        var last = now.ToUnixTimeSeconds() / 60;
        var batch = db.CreateBatch();
        var reads = Enumerable.Range(0, minutes).Select(i => (Minute: last - i, Task: batch.HashGetAsync(_keys.Counters(last - i), ["events", "bots"]))).ToArray();
        batch.Execute();
        var perMinute = new List<(long, double, double)>();
        foreach (var (minute, task) in reads.Reverse())
        {
            var values = await task.ConfigureAwait(false);
            perMinute.Add((minute, Number(values[0]), Number(values[1])));
        }

        var categories = await TrendingCategoriesAsync().ConfigureAwait(false);
        var trending = new Dictionary<string, IReadOnlyList<(string, double)>>(StringComparer.Ordinal);
        foreach (var category in categories)
        {
            trending[category] = await RedisRealtimeProjection.TrendingAsync(db, _keys, category, _options, now, trendingPerCategory).ConfigureAwait(false);
        }

        return new RealtimeMetrics(totals, perMinute, trending);
    }

    /// <summary>The running totals: events, bots, per type and revenue in cents per currency.</summary>
    public async Task<IReadOnlyDictionary<string, double>> TotalsAsync() =>
        (await redis.GetDatabase().HashGetAllAsync(_keys.CounterTotals).ConfigureAwait(false))
            .ToDictionary(e => (string)e.Name!, e => double.Parse((string)e.Value!, CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>
    /// Every trending bucket a category holds (bucket start in epoch seconds → product → score), found by scanning the
    /// category's keys: for reconciliation and audits, not for the request path.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, IReadOnlyDictionary<string, double>>> TrendingBucketsAsync(string category)
    {
        var db = redis.GetDatabase();
        var prefix = _keys.TrendingBucket(category, 0)[..^1];
        var result = new Dictionary<long, IReadOnlyDictionary<string, double>>();
        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: prefix + "*").ConfigureAwait(false))
            {
                if (!long.TryParse(((string)key!)[prefix.Length..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var bucket)) continue;
                var entries = await db.SortedSetRangeByRankWithScoresAsync(key).ConfigureAwait(false);
                result[bucket] = entries.ToDictionary(e => (string)e.Element!, e => e.Score, StringComparer.Ordinal);
            }
        }

        return result;
    }

    /// <summary>The categories that have trending data.</summary>
    public async Task<IReadOnlyList<string>> TrendingCategoriesAsync() =>
        (await redis.GetDatabase().SetMembersAsync(_keys.Categories).ConfigureAwait(false)).Select(c => (string)c!).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Subscribes to the recommendations StreamProcessor publishes for a user.</summary>
    public async Task<IRecommendationFeed> SubscribeRecommendationsAsync(string userId) =>
        new RecommendationFeed(await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(_keys.RecommendationsChannel(userId))).ConfigureAwait(false));

    private static double Number(RedisValue v) => v.IsNull ? 0 : double.Parse((string)v!, CultureInfo.InvariantCulture);

    /// <summary>A user's recommendations channel; disposing it unsubscribes.</summary>
    private sealed class RecommendationFeed(ChannelMessageQueue queue) : IRecommendationFeed
    {
        public async ValueTask<string> ReadAsync(CancellationToken cancellationToken) =>
            (string)(await queue.ReadAsync(cancellationToken).ConfigureAwait(false)).Message!;

        public async ValueTask DisposeAsync() => await queue.UnsubscribeAsync().ConfigureAwait(false);
    }
}
