using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ECommerceAgents.Domain.Processing;
using StackExchange.Redis;

namespace ECommerceAgents.Adapters.Redis;

/// <summary>
/// The key layout of the real-time store. Every key that a multi-key command or script touches shares a hash tag,
/// so it stays in one slot on ElastiCache Serverless (cluster mode). An optional prefix outside the tag separates
/// deployments (and test classes) sharing one cache.
/// </summary>
public sealed class RedisKeys(string prefix = "")
{
    public string Prefix => prefix;

    public string Recent(string userId) => $"{prefix}{{u:{userId}}}:recent";

    public string Bought(string userId) => $"{prefix}{{u:{userId}}}:bought";

    public string Recommendations(string userId) => $"{prefix}{{u:{userId}}}:recs";

    public string RecommendationsChannel(string userId) => $"{prefix}recs:{userId}";

    public string TrendingBucket(string category, long bucketEpochSeconds) => $"{prefix}{{t:{category}}}:{bucketEpochSeconds.ToString(CultureInfo.InvariantCulture)}";

    public string TrendingWatermark(string category) => $"{prefix}{{t:{category}}}:wm";

    public string CoViews(int group, string sku) => $"{prefix}{{cv:{group.ToString(CultureInfo.InvariantCulture)}}}:{sku}";

    public string CoViewWatermark(int group) => $"{prefix}{{cv:{group.ToString(CultureInfo.InvariantCulture)}}}:wm";

    public string Counters(long minute) => $"{prefix}{{m}}:{minute.ToString(CultureInfo.InvariantCulture)}";

    public string CounterWatermark => $"{prefix}{{m}}:wm";

    public string CounterTotals => $"{prefix}{{m}}:totals";

    /// <summary>The categories that have trending data, for readers that list them.</summary>
    public string Categories => $"{prefix}{{m}}:categories";

    public string ProfileCache(string userId) => $"{prefix}{{u:{userId}}}:profile";

    /// <summary>
    /// One of a dedup window generation's sets of markers (<see cref="RedisDedupWindow"/>): no hash tag, single-key
    /// commands only. <c>s</c> before the generation keeps them apart from the earlier layout's hashes.
    /// </summary>
    public string DedupSet(long generation, long set) => $"{prefix}d:s{generation.ToString(CultureInfo.InvariantCulture)}:{set.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>How many sets a dedup window generation has.</summary>
    public string DedupSets(long generation) => $"{prefix}d:s{generation.ToString(CultureInfo.InvariantCulture)}:n";

    /// <summary>How many markers a dedup window generation holds (sizes the next one).</summary>
    public string DedupCount(long generation) => $"{prefix}d:s{generation.ToString(CultureInfo.InvariantCulture)}:c";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RecommendationList))]
public sealed partial class RealtimeJsonContext : JsonSerializerContext;

/// <summary>
/// StreamProcessor's real-time writes to Redis. Counting structures (trending per category in time buckets, "viewed
/// next" counts, metric counters) keep, per hash slot, a watermark per shard: a batch adds only its events above it,
/// aggregated, in one Lua script that checks the watermark has not moved, so any redelivery adds each event once. Per-user data is
/// idempotent by nature: recently viewed is a sorted set by view time, purchases a set, recommendations a value that is
/// recomputed and published for the API's push. What is counted, in which co-view group, and how recommendations are
/// scored is the domain's (<see cref="RealtimePlanner"/>, <see cref="CoViewLayout"/>, <see cref="RecommendationScorer"/>):
/// this class only reads and writes.
/// </summary>
public sealed class RedisRealtimeProjection(IConnectionMultiplexer redis, RealtimeOptions? options = null, TimeProvider? clock = null) : IRealtimeProjection
{
    // KEYS[1] is the watermark hash; ARGV: shard, the watermark read before (or ''), the new watermark, then groups of
    // four (op, key index, member, amount) where op is z (ZINCRBY), h (HINCRBYFLOAT) or x (EXPIRE seconds). The script
    // applies only if the watermark is still the one the increments were filtered against.
    private const string ApplyGroup = """
        local wm = redis.call('HGET', KEYS[1], ARGV[1]) or ''
        if wm ~= ARGV[2] then return -1 end
        local i = 4
        while i <= #ARGV do
          local op, key = ARGV[i], KEYS[tonumber(ARGV[i + 1])]
          if op == 'z' then redis.call('ZINCRBY', key, ARGV[i + 3], ARGV[i + 2])
          elseif op == 'h' then redis.call('HINCRBYFLOAT', key, ARGV[i + 2], ARGV[i + 3])
          elseif op == 'x' then redis.call('EXPIRE', key, ARGV[i + 3]) end
          i = i + 4
        end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
        return 1
        """;

    // The top of a category's trending window: union of its buckets (same slot), highest first.
    private const string TrendingTop = """
        local n = tonumber(ARGV[1])
        local scores = {}
        for k = 1, #KEYS do
          local items = redis.call('ZREVRANGE', KEYS[k], 0, n - 1, 'WITHSCORES')
          for j = 1, #items, 2 do scores[items[j]] = (scores[items[j]] or 0) + tonumber(items[j + 1]) end
        end
        local out = {}
        for m, s in pairs(scores) do out[#out + 1] = {m, s} end
        table.sort(out, function(a, b) if a[2] == b[2] then return a[1] < b[1] end return a[2] > b[2] end)
        local flat = {}
        for j = 1, math.min(n, #out) do flat[#flat + 1] = out[j][1]; flat[#flat + 1] = tostring(out[j][2]) end
        return flat
        """;

    private readonly RealtimeOptions _options = options ?? new RealtimeOptions();
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly RedisKeys RedisKeys = new((options ?? new RealtimeOptions()).KeyPrefix);

    /// <summary>The trending sliding window of a category, highest first (the script runs in the category's slot).</summary>
    public static Task<IReadOnlyList<(string Sku, double Score)>> TrendingAsync(IDatabase db, RedisKeys keys, string category, RealtimeOptions options, DateTimeOffset now, int count) =>
        TrendingTopAsync(db, keys, category, options, now, count);

    private static async Task<IReadOnlyList<(string Sku, double Score)>> TrendingTopAsync(IDatabaseAsync db, RedisKeys keys, string category, RealtimeOptions options, DateTimeOffset now, int count)
    {
        var bucketSeconds = (long)options.TrendingBucket.TotalSeconds;
        var current = now.ToUnixTimeSeconds() / bucketSeconds * bucketSeconds;
        var buckets = (int)(options.TrendingWindow.TotalSeconds / bucketSeconds);
        var flat = (RedisResult[])(await db.ScriptEvaluateAsync(TrendingTop,
            Enumerable.Range(0, buckets).Select(i => (RedisKey)keys.TrendingBucket(category, current - i * bucketSeconds)).ToArray(), [count]).ConfigureAwait(false))!;
        var list = new List<(string, double)>();
        for (var i = 0; i + 1 < flat.Length; i += 2) list.Add(((string)flat[i]!, double.Parse((string)flat[i + 1]!, CultureInfo.InvariantCulture)));
        return list;
    }

    public async Task ApplyAsync(RealtimeBatch batch, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        var groups = new List<CountingGroup>();
        foreach (var group in batch.Trending)
        {
            groups.Add(new CountingGroup(RedisKeys.TrendingWatermark(group.Category), group.Contributions,
                key => RedisKeys.TrendingBucket(group.Category, long.Parse(key, CultureInfo.InvariantCulture)), "z", (long)_options.TrendingRetention.TotalSeconds, null));
        }

        foreach (var group in batch.CoViews)
        {
            groups.Add(new CountingGroup(RedisKeys.CoViewWatermark(group.Shard), group.Contributions, from => RedisKeys.CoViews(group.Shard, from), "z", null, null));
        }

        if (batch.Counters is { } counters)
        {
            groups.Add(new CountingGroup(RedisKeys.CounterWatermark, counters.Contributions,
                minute => RedisKeys.Counters(long.Parse(minute, CultureInfo.InvariantCulture)), "h", (long)_options.CounterRetention.TotalSeconds, RedisKeys.CounterTotals));
        }

        await Task.WhenAll(groups.Select(g => ApplyGroupAsync(db, batch.ShardId, g, cancellationToken))).ConfigureAwait(false);

        var pipeline = db.CreateBatch();
        var userWrites = new List<Task>();
        if (batch.Trending.Count > 0)
        {
            userWrites.Add(pipeline.SetAddAsync(RedisKeys.Categories, batch.Trending.Select(t => (RedisValue)t.Category).ToArray()));
        }

        foreach (var user in batch.Users)
        {
            if (user.Viewed.Count > 0)
            {
                var recent = RedisKeys.Recent(user.UserId);
                userWrites.Add(pipeline.SortedSetAddAsync(recent, user.Viewed.Select(v => new SortedSetEntry(v.Key, v.Value.ToUnixTimeMilliseconds())).ToArray(), SortedSetWhen.GreaterThan));
                userWrites.Add(pipeline.SortedSetRemoveRangeByRankAsync(recent, 0, -(_options.RecentlyViewed + 1)));
            }

            if (user.Purchased.Count > 0)
            {
                userWrites.Add(pipeline.SetAddAsync(RedisKeys.Bought(user.UserId), user.Purchased.Select(p => (RedisValue)p).ToArray()));
            }
        }

        pipeline.Execute();
        await Task.WhenAll(userWrites).WaitAsync(cancellationToken).ConfigureAwait(false);
        await RefreshRecommendationsAsync(db, batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Refreshes the recommendations of the users the plan marked: reads their inputs from the store (not the micro-batch,
    /// so the result does not depend on how the stream was cut), scores them in the domain, writes and publishes them.
    /// </summary>
    private async Task RefreshRecommendationsAsync(IDatabase db, RealtimeBatch batch, CancellationToken cancellationToken)
    {
        var users = batch.Users.Where(u => u.RefreshRecommendations).ToArray();
        if (users.Length == 0) return;
        var now = _clock.GetUtcNow();
        var inputs = await ReadRecommendationInputsAsync(db, users, now, cancellationToken).ConfigureAwait(false);

        var writes = db.CreateBatch();
        var pending = new List<Task>();
        foreach (var user in users)
        {
            if (RecommendationScorer.Score(user, inputs[user.UserId], now, _options.Recommendations) is not { } list) continue;
            var json = JsonSerializer.Serialize(list, RealtimeJsonContext.Default.RecommendationList);
            pending.Add(writes.StringSetAsync(RedisKeys.Recommendations(user.UserId), json, _options.RecommendationTtl));
            pending.Add(writes.PublishAsync(RedisChannel.Literal(RedisKeys.RecommendationsChannel(user.UserId)), json));
        }

        writes.Execute();
        await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Per user: recently viewed and bought, then the "viewed next" counts of the seeds and the trending products of the top categories.</summary>
    private async Task<Dictionary<string, RecommendationInputs>> ReadRecommendationInputsAsync(IDatabase db, UserRealtime[] users, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var state = db.CreateBatch();
        var recentReads = users.ToDictionary(u => u.UserId, u => state.SortedSetRangeByRankAsync(RedisKeys.Recent(u.UserId), 0, -1, Order.Descending), StringComparer.Ordinal);
        var boughtReads = users.ToDictionary(u => u.UserId, u => state.SetMembersAsync(RedisKeys.Bought(u.UserId)), StringComparer.Ordinal);
        state.Execute();
        var recent = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var bought = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var u in users)
        {
            recent[u.UserId] = (await recentReads[u.UserId].WaitAsync(cancellationToken).ConfigureAwait(false)).Select(v => (string)v!).ToArray();
            bought[u.UserId] = (await boughtReads[u.UserId].WaitAsync(cancellationToken).ConfigureAwait(false)).Select(v => (string)v!).ToHashSet(StringComparer.Ordinal);
        }

        var seeds = users.SelectMany(u => RecommendationScorer.SeedsOf(recent[u.UserId])).Distinct(StringComparer.Ordinal).ToArray();
        var categories = users.SelectMany(u => u.TopCategories.Select(c => c.Category)).Distinct(StringComparer.Ordinal).ToArray();
        var reads = db.CreateBatch();
        var coViewReads = seeds.ToDictionary(s => s, s => reads.SortedSetRangeByRankWithScoresAsync(RedisKeys.CoViews(CoViewLayout.GroupOf(s), s), 0, RecommendationScorer.CandidatesPerSource - 1, Order.Descending), StringComparer.Ordinal);
        var trendingReads = categories.ToDictionary(c => c, c => TrendingTopAsync(reads, RedisKeys, c, _options, now, RecommendationScorer.CandidatesPerSource), StringComparer.Ordinal);
        reads.Execute();

        var coViews = new Dictionary<string, IReadOnlyList<(string Sku, double Score)>>(StringComparer.Ordinal);
        foreach (var (seed, task) in coViewReads) coViews[seed] = (await task.WaitAsync(cancellationToken).ConfigureAwait(false)).Select(e => ((string)e.Element!, e.Score)).ToArray();
        var trending = new Dictionary<string, IReadOnlyList<(string Sku, double Score)>>(StringComparer.Ordinal);
        foreach (var (category, task) in trendingReads) trending[category] = await task.WaitAsync(cancellationToken).ConfigureAwait(false);

        return users.ToDictionary(u => u.UserId, u => new RecommendationInputs(recent[u.UserId], bought[u.UserId], coViews, trending), StringComparer.Ordinal);
    }

    /// <summary>A group of counting keys in one hash slot, with its watermark hash and how its keys are named and kept.</summary>
    private sealed record CountingGroup(string Watermark, IReadOnlyList<Contribution> Contributions, Func<string, string> KeyOf, string Op, long? ExpireSeconds, string? TotalsKey);

    /// <summary>
    /// Reads the group's watermark for the shard, keeps the contributions above it, aggregates them per key and member,
    /// and applies them in one script that first checks the watermark has not moved.
    /// </summary>
    private async Task ApplyGroupAsync(IDatabase db, string shard, CountingGroup group, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var stored = (string?)await db.HashGetAsync(group.Watermark, shard).WaitAsync(cancellationToken).ConfigureAwait(false) ?? string.Empty;
            var fresh = group.Contributions.Where(c => string.CompareOrdinal(c.PaddedSequence, stored) > 0).ToArray();
            if (fresh.Length == 0) return;

            var keys = new List<RedisKey> { group.Watermark };
            var args = new List<RedisValue> { shard, stored, fresh.Max(c => c.PaddedSequence)! };
            if (group.TotalsKey is { } totals)
            {
                keys.Add(totals);
                foreach (var (member, amount) in fresh.GroupBy(c => c.Member).Select(g => (g.Key, g.Sum(c => c.Amount)))) Op(args, group.Op, keys.Count, member, amount);
            }

            foreach (var byKey in fresh.GroupBy(c => c.Key))
            {
                keys.Add(group.KeyOf(byKey.Key));
                foreach (var (member, amount) in byKey.GroupBy(c => c.Member).Select(g => (g.Key, g.Sum(c => c.Amount)))) Op(args, group.Op, keys.Count, member, amount);
                if (group.ExpireSeconds is { } seconds) Op(args, "x", keys.Count, "", seconds);
            }

            var result = (long)await db.ScriptEvaluateAsync(ApplyGroup, [.. keys], [.. args]).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (result != -1) return;
        }

        throw new RealtimeOverlapException($"the watermark of {group.Watermark} kept moving under this shard's writes");
    }

    private static void Op(List<RedisValue> args, string op, int keyIndex, string member, double amount)
    {
        args.Add(op);
        args.Add(keyIndex);
        args.Add(member);
        args.Add(amount.ToString("R", CultureInfo.InvariantCulture));
    }
}

public sealed record RealtimeOptions
{
    public int RecentlyViewed { get; init; } = 20;

    public int Recommendations { get; init; } = 10;

    public TimeSpan RecommendationTtl { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Must match the processor's trending bucket size.</summary>
    public TimeSpan TrendingBucket { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The sliding window read for "trending now".</summary>
    public TimeSpan TrendingWindow { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan TrendingRetention { get; init; } = TimeSpan.FromHours(25);

    public TimeSpan CounterRetention { get; init; } = TimeSpan.FromHours(48);

    /// <summary>Prefix of every key (outside the hash tags), from <c>ECA_REDIS_PREFIX</c>.</summary>
    public string KeyPrefix { get; init; } = "";
}

/// <summary>A group's watermark kept changing under this shard's writes (another writer of the same shard): the store is marked stale.</summary>
public sealed class RealtimeOverlapException(string message) : Exception(message);
