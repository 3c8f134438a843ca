using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.S3;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Adapters.S3;

/// <summary>
/// The real-time journal in the quarantine bucket: one JSON object per deferred batch under
/// <c>realtime-pending/shard=…/&lt;first&gt;-&lt;last&gt;.json</c>, named by the padded sequence numbers the batch spans, so
/// a listing is in stream order and deferring the same batch again overwrites its own object. It holds pseudonymous
/// ids only (the planner's output), and the bucket's 30-day expiry bounds how long an unreplayed batch waits.
/// </summary>
public sealed class S3RealtimeJournal(IAmazonS3 s3, ResourceBindings names) : IRealtimeJournal
{
    private readonly S3ObjectStore _objects = new(s3, names.Bucket(Buckets.Quarantine));

    public static string ShardPrefix(string shardId) => $"{ZoneLayout.RealtimePending}shard={shardId}/";

    public Task DeferAsync(RealtimeBatch batch, CancellationToken cancellationToken)
    {
        var sequences = batch.Trending.SelectMany(t => t.Contributions)
            .Concat(batch.CoViews.SelectMany(c => c.Contributions))
            .Concat(batch.Counters?.Contributions ?? [])
            .Select(c => c.PaddedSequence).ToArray();
        var first = sequences.Length == 0 ? "0" : sequences.Min(StringComparer.Ordinal)!;
        var last = sequences.Length == 0 ? "0" : sequences.Max(StringComparer.Ordinal)!;
        var body = JsonSerializer.SerializeToUtf8Bytes(JournalBatch.From(batch), JournalJsonContext.Default.JournalBatch);
        return _objects.PutAsync($"{ShardPrefix(batch.ShardId)}{first}-{last}.json", body, "application/json", cancellationToken);
    }

    public async Task<IReadOnlyList<DeferredRealtime>> PendingAsync(string shardId, CancellationToken cancellationToken)
    {
        // Padded sequence numbers sort as text: by first sequence, then last, is stream order.
        var keys = (await _objects.ListAsync(ShardPrefix(shardId), cancellationToken).ConfigureAwait(false)).Select(o => o.Key).Order(StringComparer.Ordinal).ToArray();
        var pending = new List<DeferredRealtime>(keys.Length);
        foreach (var key in keys)
        {
            // Gone since the listing: another replay completed it.
            if (await _objects.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } bytes) continue;
            var batch = JsonSerializer.Deserialize(bytes, JournalJsonContext.Default.JournalBatch)
                ?? throw new InvalidDataException($"s3://{_objects.Bucket}/{key} is not a deferred real-time batch");
            pending.Add(new DeferredRealtime(key, batch.ToBatch()));
        }

        return pending;
    }

    public Task CompleteAsync(DeferredRealtime entry, CancellationToken cancellationToken) => _objects.DeleteAsync(entry.Id, cancellationToken);
}

/// <summary>A deferred batch as stored (the domain's tuples as named fields).</summary>
internal sealed record JournalBatch(string ShardId, List<JournalUser> Users, List<TrendingGroup> Trending, List<CoViewGroup> CoViews, CounterGroup? Counters)
{
    public static JournalBatch From(RealtimeBatch b) => new(
        b.ShardId,
        b.Users.Select(u => new JournalUser(u.UserId, u.Viewed, [.. u.Purchased],
            [.. u.TopCategories.Select(c => new JournalWeight(c.Category, c.Score))],
            [.. u.TopPriceBands.Select(p => new JournalWeight(p.Band, p.Score))],
            u.RefreshRecommendations)).ToList(),
        b.Trending,
        b.CoViews,
        b.Counters);

    public RealtimeBatch ToBatch()
    {
        var batch = new RealtimeBatch { ShardId = ShardId, Counters = Counters };
        batch.Trending.AddRange(Trending);
        batch.CoViews.AddRange(CoViews);
        batch.Users.AddRange(Users.Select(u => new UserRealtime(u.UserId)
        {
            Viewed = new Dictionary<string, DateTimeOffset>(u.Viewed, StringComparer.Ordinal),
            Purchased = u.Purchased.ToHashSet(StringComparer.Ordinal),
            TopCategories = u.TopCategories.Select(c => (c.Name, c.Score)).ToArray(),
            TopPriceBands = u.TopPriceBands.Select(p => (p.Name, p.Score)).ToArray(),
            RefreshRecommendations = u.RefreshRecommendations,
        }));
        return batch;
    }
}

internal sealed record JournalUser(string UserId, Dictionary<string, DateTimeOffset> Viewed, List<string> Purchased, List<JournalWeight> TopCategories, List<JournalWeight> TopPriceBands, bool RefreshRecommendations);

internal sealed record JournalWeight(string Name, double Score);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JournalBatch))]
internal sealed partial class JournalJsonContext : JsonSerializerContext;
