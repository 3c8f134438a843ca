using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ECommerceAgents.Domain.Processing;
using StackExchange.Redis;

namespace ECommerceAgents.Adapters.Redis;

/// <summary>
/// StreamProcessor's dedup window in Redis, laid out for memory (issue 18: one string key per event costs some 160 bytes,
/// 136 GB for a day at 10,000 events/s):
/// <list type="bullet">
/// <item>Time is cut into generations of half the window. A marker goes into the current generation, whose keys live
/// until a full window after it ends, so a lookup reads the current generation and the two before it (and the next
/// one, if a function whose clock is ahead has started it).</item>
/// <item>A marker is 8 bytes of SHA-256 of the event id, as a 64-bit integer, in one of the generation's sets (other
/// bytes of the digest pick the set). A set of integers up to 512 members is an intset in Redis (its default
/// <c>set-max-intset-entries</c>): 8 bytes a member, nothing else; the sets hold about 256 markers each. The
/// number of sets is chosen when the generation starts, from how many markers the previous one held, and stored with
/// it. About 9 bytes of Redis memory a marker with the sets' share (RedisDedupWindowTests measures it), where the
/// earlier layout (hashes of an 8-byte field and a 4-byte position fingerprint) took 19.</item>
/// <item>A marker says only that the event was processed: its effects were all written, since StreamProcessor writes
/// markers last. A found marker drops the event, whether a client sent it again or Lambda redelivered the record that
/// carried it (the watermarks would have made that redelivery a no-op anyway; now it is dropped before any work, and
/// counted in <c>DuplicatesDropped</c>). An event id is taken for another one in its set with a chance of about
/// 256 × 4 generations in 2^64, about one event in half a million years at 10,000 events/s.</item>
/// </list>
/// Markers of the earlier layouts (hashes under other keys) are never matched by these lookups: across a deployment, a
/// resend of an event marked before it is not caught here, and the Parquet compaction keeps one copy.
/// Expiry is relative to this process's clock, so a test's fake clock still sees the window it set.
/// </summary>
public sealed class RedisDedupWindow(IConnectionMultiplexer redis, RedisKeys keys, TimeSpan window, TimeProvider? clock = null) : IDedupWindow
{
    /// <summary>What a found marker reports as its position: never a record's, so the event is dropped.</summary>
    public const string Processed = "processed";

    private const int MarkersPerSet = 256;
    private const long MinSets = 256;
    private const long MaxSets = 1L << 24;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly long _generationSeconds = Math.Max(1, (long)window.TotalSeconds / 2);
    private readonly ConcurrentDictionary<long, long> _sets = new();

    public async Task<IReadOnlyList<DedupMarker>> FindAsync(IReadOnlyCollection<DedupMarker> candidates, CancellationToken cancellationToken)
    {
        var generation = Generation(_clock.GetUtcNow());
        var db = redis.GetDatabase();
        var found = new Dictionary<string, DedupMarker>(StringComparer.Ordinal);
        // Each id hashed once, whichever generations it is looked up in.
        var located = candidates.Select(c => (Candidate: c, Id: Digest(c.EventId))).ToArray();
        // The next generation too: another function whose clock is a little ahead may have started it.
        for (var g = generation + 1; g > generation - 3; g--)
        {
            if (await SetsAsync(db, g).ConfigureAwait(false) is not { } sets) continue;
            var batch = db.CreateBatch();
            var reads = new List<(DedupMarker Candidate, Task<bool> Member)>(located.Length);
            foreach (var (c, id) in located)
            {
                if (found.ContainsKey(c.EventId)) continue;
                reads.Add((c, batch.SetContainsAsync(keys.DedupSet(g, id.Set(sets)), id.Member)));
            }

            batch.Execute();
            await Task.WhenAll(reads.Select(r => r.Member)).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (c, member) in reads)
            {
                if (member.Result) found[c.EventId] = new DedupMarker(c.EventId, Processed, DateTimeOffset.MaxValue);
            }
        }

        return [.. found.Values];
    }

    public async Task RememberAsync(IReadOnlyList<DedupMarker> markers, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var generation = Generation(now);
        var ttl = Ttl(generation, now);
        var db = redis.GetDatabase();
        var sets = await EnsureSetsAsync(db, generation, ttl).ConfigureAwait(false);
        var batch = db.CreateBatch();
        var writes = new List<Task>(markers.Count * 2 + 2);
        var touched = new HashSet<long>();
        foreach (var m in markers)
        {
            var id = Digest(m.EventId);
            var set = id.Set(sets);
            writes.Add(batch.SetAddAsync(keys.DedupSet(generation, set), id.Member));
            if (touched.Add(set)) writes.Add(batch.KeyExpireAsync(keys.DedupSet(generation, set), ttl));
        }

        writes.Add(batch.StringIncrementAsync(keys.DedupCount(generation), markers.Count));
        writes.Add(batch.KeyExpireAsync(keys.DedupCount(generation), ttl));
        batch.Execute();
        await Task.WhenAll(writes).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private long Generation(DateTimeOffset at) => at.ToUnixTimeSeconds() / _generationSeconds;

    /// <summary>Until a full window after the generation ends, and a minute for the clocks.</summary>
    private TimeSpan Ttl(long generation, DateTimeOffset now) =>
        TimeSpan.FromSeconds((generation + 1) * _generationSeconds + 2 * _generationSeconds - now.ToUnixTimeSeconds() + 60);

    /// <summary>The generation's number of sets, or null when it has no markers (yet).</summary>
    private async Task<long?> SetsAsync(IDatabase db, long generation)
    {
        if (_sets.TryGetValue(generation, out var cached)) return cached;
        var value = await db.StringGetAsync(keys.DedupSets(generation)).ConfigureAwait(false);
        if (value.IsNull) return null;
        return _sets[generation] = long.Parse(value.ToString(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The generation's number of sets, chosen by the first writer from the previous generation's count (a power of
    /// two, so a marker's set stays put when it is read). Immutable once set, so cached.
    /// </summary>
    private async Task<long> EnsureSetsAsync(IDatabase db, long generation, TimeSpan ttl)
    {
        if (await SetsAsync(db, generation).ConfigureAwait(false) is { } known) return known;
        var previous = await db.StringGetAsync(keys.DedupCount(generation - 1)).ConfigureAwait(false);
        var count = previous.IsNull ? 0 : long.Parse(previous.ToString(), CultureInfo.InvariantCulture);
        var proposed = Math.Clamp((long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, count / MarkersPerSet)), MinSets, MaxSets);
        await db.StringSetAsync(keys.DedupSets(generation), proposed.ToString(CultureInfo.InvariantCulture), ttl, When.NotExists).ConfigureAwait(false);
        return await SetsAsync(db, generation).ConfigureAwait(false) ?? proposed;
    }

    private static EventDigest Digest(string eventId)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(eventId), digest);
        return new EventDigest(BinaryPrimitives.ReadInt64LittleEndian(digest[..8]), BinaryPrimitives.ReadUInt64LittleEndian(digest[16..]));
    }

    /// <summary>An event id's marker (8 bytes of its SHA-256 as an integer, so its set stays an intset) and the other bits that pick its set.</summary>
    private readonly record struct EventDigest(long Member, ulong Spread)
    {
        public long Set(long sets) => (long)(Spread % (ulong)sets);
    }
}
