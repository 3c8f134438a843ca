using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>A record of the micro-batch that goes to the quarantine, with its reason's name, for the quality counters.</summary>
internal readonly record struct QuarantinedInput(StreamInput Input, string Reason);

/// <summary>
/// The real-time stage: what the micro-batch changes in the real-time store. Metric counters per minute (events,
/// bots, per type, revenue, and the quarantined records by reason), trending scores per category and bucket, "viewed
/// next" counts in their <see cref="CoViewLayout"/> groups, and per user the products viewed and bought and whether
/// the recommendations are refreshed (scored by <see cref="RecommendationScorer"/>).
/// </summary>
internal sealed class RealtimePlanner(ProcessorOptions options, PreferenceExtractor preferences)
{
    private static readonly Dictionary<string, string> TypeCounters = EventTypes.All.ToDictionary(t => t, t => "type:" + t, StringComparer.Ordinal);
    private readonly NumberStrings _numbers = new();

    internal RealtimeBatch Plan(string shardId, PlannedEvent[] ordered, IReadOnlyList<PlannedWrite<UserProfile>> profiles, IReadOnlyList<QuarantinedInput> quarantined, DateTimeOffset now)
    {
        var counters = new CounterGroup();
        var users = new Dictionary<string, UserRealtime>(StringComparer.Ordinal);
        var trending = new Dictionary<string, TrendingGroup>(StringComparer.Ordinal);
        foreach (var w in ordered)
        {
            Count(counters, w);
            if (w.Bot) continue;
            AddTrending(trending, w);
            AddUser(users, w);
        }

        // Quality counters for the metrics API: quarantined records by reason. Dropped duplicates are an EMF metric only:
        // they count deliveries, not state, so a replay or a client's resend must not change what Redis holds.
        foreach (var q in quarantined)
        {
            counters.Contributions.Add(new Contribution(q.Input.Position.Padded, Minute(q.Input.ArrivalTime), "quarantined:" + q.Reason, 1));
        }

        foreach (var p in profiles)
        {
            if (!users.TryGetValue(p.Item.UserId, out var realtime)) continue;
            realtime.TopCategories = preferences.Top(p.Item.Affinities.Category, p.Item.AffinitiesAsOf, now, 3);
            realtime.TopPriceBands = preferences.Top(p.Item.Affinities.PriceBand, p.Item.AffinitiesAsOf, now, 2);
        }

        var batch = new RealtimeBatch { ShardId = shardId, Counters = counters.Contributions.Count > 0 ? counters : null };
        batch.Users.AddRange(users.Values);
        batch.Trending.AddRange(trending.Values);
        batch.CoViews.AddRange(CoViews(ordered));
        return batch;
    }

    private static string TypeCounter(string type) => TypeCounters.TryGetValue(type, out var field) ? field : "type:" + type;

    private string Minute(DateTimeOffset time) => _numbers.GetOrAdd(time.ToUnixTimeSeconds() / 60);

    private void Count(CounterGroup counters, PlannedEvent w)
    {
        var e = w.Event;
        var seq = w.Position.Padded;
        var minute = Minute(e.EventTime);
        counters.Contributions.Add(new Contribution(seq, minute, w.Bot ? "bots" : "events", 1));
        if (w.Bot) return;
        counters.Contributions.Add(new Contribution(seq, minute, TypeCounter(w.Type), 1));
        if (w.Type == EventTypes.Purchase) counters.Contributions.Add(new Contribution(seq, minute, "revenue_cents:" + (e.Data.Currency ?? "XXX"), (double)decimal.Round((e.Data.Total ?? 0) * 100)));
    }

    private void AddTrending(Dictionary<string, TrendingGroup> trending, PlannedEvent w)
    {
        if (w.Type is not (EventTypes.ProductView or EventTypes.AddToCart or EventTypes.Purchase)) return;
        var e = w.Event;
        var weight = RealtimeBatch.TrendingWeight(w.Type);
        var bucketTicks = TimeSpan.FromMinutes(options.TrendingBucketMinutes).Ticks;
        var bucket = _numbers.GetOrAdd((e.EventTime.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / bucketTicks * bucketTicks / TimeSpan.TicksPerSecond);
        if (w.Type != EventTypes.Purchase)
        {
            AddTrending(trending, w, e.Data.Sku, e.Data.Category, bucket, weight);
            return;
        }

        foreach (var line in e.Data.Items ?? []) AddTrending(trending, w, line.Sku, line.Category, bucket, weight);
    }

    private static void AddTrending(Dictionary<string, TrendingGroup> trending, PlannedEvent w, string? sku, string? category, string bucket, double weight)
    {
        if (sku is null || category is null) return;
        if (!trending.TryGetValue(category, out var group)) trending[category] = group = new TrendingGroup(category);
        group.Contributions.Add(new Contribution(w.Position.Padded, bucket, sku, weight));
    }

    private static void AddUser(Dictionary<string, UserRealtime> users, PlannedEvent w)
    {
        if (w.ResolvedUser is not { } user || w.AggregateOnly || w.Redelivered) return;
        var e = w.Event;
        if (!users.TryGetValue(user, out var realtime)) users[user] = realtime = new UserRealtime(user);
        if (w.Type == EventTypes.ProductView && e.Data.Sku is { } viewed)
        {
            if (!realtime.Viewed.TryGetValue(viewed, out var t) || e.EventTime > t) realtime.Viewed[viewed] = e.EventTime;
            realtime.RefreshRecommendations = true;
        }

        if (w.Type == EventTypes.Purchase)
        {
            foreach (var line in e.Data.Items ?? []) realtime.Purchased.Add(line.Sku);
            realtime.RefreshRecommendations = true;
        }

        if (w.Type == EventTypes.AddToCart) realtime.RefreshRecommendations = true;
    }

    /// <summary>"Viewed next" pairs, found by the session stage in arrival order, in the groups of the product viewed first.</summary>
    private static Dictionary<int, CoViewGroup>.ValueCollection CoViews(PlannedEvent[] ordered)
    {
        var coViews = new Dictionary<int, CoViewGroup>();
        foreach (var w in ordered)
        {
            if (w.ViewedAfter is not { } previous || w.Bot) continue;
            var group = CoViewLayout.GroupOf(previous);
            if (!coViews.TryGetValue(group, out var contributions)) coViews[group] = contributions = new CoViewGroup(group);
            contributions.Contributions.Add(new Contribution(w.Position.Padded, previous, w.Event.Data.Sku!, 1));
        }

        return coViews.Values;
    }
}
