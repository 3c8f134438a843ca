using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// What one batch changes in the real-time store (ElastiCache). Counting structures carry one contribution per event
/// with its padded sequence number: the store adds only the contributions above its watermark for the shard, then
/// aggregates them, so any redelivery (whole, from the middle, in halves, overlapping) adds each event once, at a
/// cost of a few commands per category, product group and minute rather than per event. User-level writes are
/// idempotent by nature.
/// </summary>
public sealed record RealtimeBatch
{
    /// <summary>What one event adds to its products' trending scores: a view 1, a cart add 3, a purchase 5 per line; other types nothing.</summary>
    public static double TrendingWeight(string type) => type switch
    {
        EventTypes.ProductView => 1.0,
        EventTypes.AddToCart => 3.0,
        EventTypes.Purchase => 5.0,
        _ => 0,
    };

    public required string ShardId { get; init; }

    public List<UserRealtime> Users { get; init; } = [];

    public List<TrendingGroup> Trending { get; init; } = [];

    public List<CoViewGroup> CoViews { get; init; } = [];

    public CounterGroup? Counters { get; set; }

    public bool IsEmpty => Users.Count == 0 && Trending.Count == 0 && CoViews.Count == 0 && Counters is null;
}

/// <summary>One event's increment of one member of one key of a group.</summary>
public readonly record struct Contribution(string PaddedSequence, string Key, string Member, double Amount);

/// <summary>Trending scores of one category in time buckets (key = bucket start in epoch seconds; sliding windows are unions of buckets at read time).</summary>
public sealed record TrendingGroup(string Category)
{
    public List<Contribution> Contributions { get; init; } = [];
}

/// <summary>"Viewed next" counts (key = the product viewed first), sharded over a fixed number of groups.</summary>
public sealed record CoViewGroup(int Shard)
{
    public List<Contribution> Contributions { get; init; } = [];
}

/// <summary>Real-time counters for the metrics API (key = the minute, in epoch minutes).</summary>
public sealed record CounterGroup
{
    public List<Contribution> Contributions { get; init; } = [];
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

/// <summary>The real-time store (Redis). A failure does not fail the batch: the batch is deferred to the journal, the shard marked stale, and the store rebuilt from the journal.</summary>
public interface IRealtimeProjection
{
    Task ApplyAsync(RealtimeBatch batch, CancellationToken cancellationToken);
}

/// <summary>A real-time batch held back while the store was down, with the journal's id for it.</summary>
public sealed record DeferredRealtime(string Id, RealtimeBatch Batch);

/// <summary>
/// Real-time work deferred while the real-time store was down, per shard. A deferred batch is replayed in stream order
/// before the shard's next live write, through the same watermarked apply, so each event still counts once.
/// </summary>
public interface IRealtimeJournal
{
    /// <summary>Keeps the batch until it is replayed. Deferring the same batch again replaces it.</summary>
    Task DeferAsync(RealtimeBatch batch, CancellationToken cancellationToken);

    /// <summary>The shard's deferred batches, in stream order.</summary>
    Task<IReadOnlyList<DeferredRealtime>> PendingAsync(string shardId, CancellationToken cancellationToken);

    Task CompleteAsync(DeferredRealtime entry, CancellationToken cancellationToken);
}

/// <summary>
/// The rebuild of the real-time store after an outage: replays a shard's deferred batches in stream order. The
/// counting groups add only contributions above their per-shard watermark, and the user writes are idempotent, so a
/// replay cut short by a crash is simply run again. A batch that was deferred and then redelivered live (a retry from
/// a failed record) counts once: the replay runs first and moves the watermarks past it.
/// </summary>
public sealed class RealtimeRecovery(IRealtimeProjection realtime, IRealtimeJournal journal)
{
    /// <summary>Replays everything deferred for the shard; returns how many batches.</summary>
    public async Task<int> ReplayAsync(string shardId, CancellationToken cancellationToken)
    {
        var pending = await journal.PendingAsync(shardId, cancellationToken).ConfigureAwait(false);
        foreach (var entry in pending)
        {
            await realtime.ApplyAsync(entry.Batch, cancellationToken).ConfigureAwait(false);
            await journal.CompleteAsync(entry, cancellationToken).ConfigureAwait(false);
        }

        return pending.Count;
    }
}
