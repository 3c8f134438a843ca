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
/// <item>A generation's markers are spread over small hashes, about 64 markers each, so Redis keeps each one in its
/// compact listpack encoding (up to 128 fields). The number of hashes is chosen when the generation starts, from how
/// many markers the previous one held, and stored with it.</item>
/// <item>A marker is 8 bytes of SHA-256 of the event id (the field; other bytes of the digest pick the hash) and 4 bytes
/// of SHA-256 of its stream position (the value): some 19 bytes of Redis memory per marker with the hash's share
/// (RedisDedupWindowTests measures it). An event id is taken for another one in its hash with a chance of about 64 × 4
/// generations in 2^64, about one event a million years at 10,000 events/s; a client's resend is taken for Lambda's
/// redelivery of the same record with a chance of 1 in 2^32.</item>
/// </list>
/// Markers of the earlier layout (16-byte fields) are never matched by these lookups: across a deployment, a resend of
/// an event marked before it is not caught here, and the Parquet compaction keeps one copy.
/// Expiry is relative to this process's clock, so a test's fake clock still sees the window it set.
/// </summary>
public sealed class RedisDedupWindow(IConnectionMultiplexer redis, RedisKeys keys, TimeSpan window, TimeProvider? clock = null) : IDedupWindow
{
    private const int MarkersPerHash = 64;
    private const long MinHashes = 1024;
    private const long MaxHashes = 1L << 24;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly long _generationSeconds = Math.Max(1, (long)window.TotalSeconds / 2);
    private readonly ConcurrentDictionary<long, long> _hashes = new();

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
            if (await HashesAsync(db, g).ConfigureAwait(false) is not { } hashes) continue;
            var batch = db.CreateBatch();
            var reads = new List<(DedupMarker Candidate, Task<RedisValue> Value)>(located.Length);
            foreach (var (c, id) in located)
            {
                if (found.ContainsKey(c.EventId)) continue;
                reads.Add((c, batch.HashGetAsync(keys.DedupHash(g, id.Bucket(hashes)), id.Field)));
            }

            batch.Execute();
            await Task.WhenAll(reads.Select(r => r.Value)).WaitAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (c, value) in reads)
            {
                if (value.Result.IsNull) continue;
                var fingerprint = Convert.ToHexString((byte[])value.Result!);
                // The caller compares positions: its own when the marker is from this record, never equal otherwise.
                var position = fingerprint == Convert.ToHexString(Fingerprint(c.Position)) ? c.Position : "elsewhere:" + fingerprint;
                found[c.EventId] = new DedupMarker(c.EventId, position, DateTimeOffset.MaxValue);
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
        var hashes = await EnsureHashesAsync(db, generation, ttl).ConfigureAwait(false);
        var batch = db.CreateBatch();
        var writes = new List<Task>(markers.Count * 2 + 2);
        var touched = new HashSet<long>();
        foreach (var m in markers)
        {
            var id = Digest(m.EventId);
            var bucket = id.Bucket(hashes);
            writes.Add(batch.HashSetAsync(keys.DedupHash(generation, bucket), id.Field, Fingerprint(m.Position), When.NotExists));
            if (touched.Add(bucket)) writes.Add(batch.KeyExpireAsync(keys.DedupHash(generation, bucket), ttl));
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

    /// <summary>The generation's number of hashes, or null when it has no markers (yet).</summary>
    private async Task<long?> HashesAsync(IDatabase db, long generation)
    {
        if (_hashes.TryGetValue(generation, out var cached)) return cached;
        var value = await db.StringGetAsync(keys.DedupHashes(generation)).ConfigureAwait(false);
        if (value.IsNull) return null;
        return _hashes[generation] = long.Parse(value.ToString(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The generation's number of hashes, chosen by the first writer from the previous generation's count (a power of
    /// two, so a marker's hash stays put when it is read). Immutable once set, so cached.
    /// </summary>
    private async Task<long> EnsureHashesAsync(IDatabase db, long generation, TimeSpan ttl)
    {
        if (await HashesAsync(db, generation).ConfigureAwait(false) is { } known) return known;
        var previous = await db.StringGetAsync(keys.DedupCount(generation - 1)).ConfigureAwait(false);
        var count = previous.IsNull ? 0 : long.Parse(previous.ToString(), CultureInfo.InvariantCulture);
        var proposed = Math.Clamp((long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(1, count / MarkersPerHash)), MinHashes, MaxHashes);
        await db.StringSetAsync(keys.DedupHashes(generation), proposed.ToString(CultureInfo.InvariantCulture), ttl, When.NotExists).ConfigureAwait(false);
        return await HashesAsync(db, generation).ConfigureAwait(false) ?? proposed;
    }

    private static EventDigest Digest(string eventId)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(eventId), digest);
        return new EventDigest(digest[..8].ToArray(), BinaryPrimitives.ReadUInt64LittleEndian(digest[16..]));
    }

    private static byte[] Fingerprint(string position)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(position), digest);
        return digest[..4].ToArray();
    }

    /// <summary>An event id's marker field (8 bytes of its SHA-256) and the other bits that pick its hash.</summary>
    private readonly record struct EventDigest(byte[] Field, ulong Spread)
    {
        public long Bucket(long hashes) => (long)(Spread % (ulong)hashes);
    }
}
