namespace ECommerceAgents.Domain.Processing;

/// <summary>A product recommended to a user, with why.</summary>
public sealed record RecommendedItem(string Sku, double Score, string Reason);

/// <summary>A user's recommendations as stored and pushed.</summary>
public sealed record RecommendationList(string UserId, DateTimeOffset GeneratedAt, IReadOnlyList<RecommendedItem> Items);

/// <summary>
/// What a user's recommendations are computed from, read from the real-time store (not the micro-batch), so the result
/// does not depend on how the stream was cut: the products viewed (latest first), those bought, the "viewed next"
/// counts of the seeds and the trending products of the user's strongest categories.
/// </summary>
public sealed record RecommendationInputs(
    IReadOnlyList<string> Recent,
    IReadOnlySet<string> Bought,
    IReadOnlyDictionary<string, IReadOnlyList<(string Sku, double Score)>> CoViews,
    IReadOnlyDictionary<string, IReadOnlyList<(string Sku, double Score)>> Trending);

/// <summary>
/// Recommendation scoring. Candidates are products viewed next after the user's three latest views (weight 2 per
/// co-view) and the trending products of the user's strongest categories (weighted by affinity); products the user
/// viewed or bought are left out.
/// </summary>
public static class RecommendationScorer
{
    /// <summary>How many of the latest views seed "viewed next" candidates.</summary>
    public const int Seeds = 3;

    /// <summary>How many "viewed next" products are read per seed, and trending products per category.</summary>
    public const int CandidatesPerSource = 10;

    /// <summary>The products whose "viewed next" counts are read for a user who viewed <paramref name="recent"/> (latest first).</summary>
    public static IEnumerable<string> SeedsOf(IReadOnlyList<string> recent) => recent.Take(Seeds);

    /// <summary>The user's recommendations, best first, at most <paramref name="count"/>; null when there is none.</summary>
    public static RecommendationList? Score(UserRealtime user, RecommendationInputs inputs, DateTimeOffset now, int count)
    {
        var scores = new Dictionary<string, (double Score, string Reason)>(StringComparer.Ordinal);
        var seen = inputs.Recent.ToHashSet(StringComparer.Ordinal);
        foreach (var seed in SeedsOf(inputs.Recent))
        {
            foreach (var (sku, coViews) in inputs.CoViews.GetValueOrDefault(seed) ?? [])
            {
                var (score, reason) = scores.GetValueOrDefault(sku);
                scores[sku] = (score + 2 * coViews, reason ?? "viewed_together:" + seed);
            }
        }

        var maxAffinity = user.TopCategories.Select(c => c.Score).DefaultIfEmpty(1).Max();
        foreach (var (category, affinity) in user.TopCategories)
        {
            var top = inputs.Trending.GetValueOrDefault(category) ?? [];
            var maxTrend = top.Select(t => t.Score).DefaultIfEmpty(1).Max();
            foreach (var (sku, trend) in top)
            {
                var (score, reason) = scores.GetValueOrDefault(sku);
                scores[sku] = (score + (affinity / maxAffinity) * (trend / maxTrend), reason ?? "trending_in:" + category);
            }
        }

        var items = scores.Where(s => !seen.Contains(s.Key) && !inputs.Bought.Contains(s.Key))
            .OrderByDescending(s => s.Value.Score).ThenBy(s => s.Key, StringComparer.Ordinal).Take(count)
            .Select(s => new RecommendedItem(s.Key, Math.Round(s.Value.Score, 4), s.Value.Reason)).ToArray();
        return items.Length == 0 ? null : new RecommendationList(user.UserId, now, items);
    }
}
