using System.Globalization;
using ECommerceAgents.Domain.Processing;
using StackExchange.Redis;

namespace ECommerceAgents.Adapters.Redis;

/// <summary>
/// StreamProcessor's dedup window in Redis: one string key per event id (<c>SET NX</c> with an expiry), read with one
/// pipelined <c>GET</c> per id. Single-key commands only, so the keys spread over every slot of a cluster. The value
/// holds the marker's stream position and its expiry; the key's own TTL, set relative to the server's clock, only
/// frees the memory, so a process whose clock is not the server's (a test's fake clock) still sees the window it set.
/// </summary>
public sealed class RedisDedupWindow(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider? clock = null) : IDedupWindow
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<IReadOnlyList<DedupMarker>> FindAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var reads = new List<(string Id, Task<RedisValue> Value)>(eventIds.Count);
        foreach (var id in eventIds) reads.Add((id, batch.StringGetAsync(keys.Dedup(id))));
        batch.Execute();
        await Task.WhenAll(reads.Select(r => r.Value)).WaitAsync(cancellationToken).ConfigureAwait(false);
        var found = new List<DedupMarker>();
        foreach (var (id, value) in reads)
        {
            if (value.Result.IsNull) continue;
            var text = value.Result.ToString();
            var split = text.LastIndexOf('|');
            found.Add(new DedupMarker(id, text[..split], DateTimeOffset.FromUnixTimeSeconds(long.Parse(text[(split + 1)..], CultureInfo.InvariantCulture))));
        }

        return found;
    }

    public async Task RememberAsync(IReadOnlyList<DedupMarker> markers, CancellationToken cancellationToken)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var now = _clock.GetUtcNow();
        var writes = new Task[markers.Count];
        for (var i = 0; i < markers.Count; i++)
        {
            var m = markers[i];
            // At least a second: a marker whose window has passed by this process's clock is not worth keeping.
            var ttl = TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((m.ExpiresAt - now).TotalSeconds)));
            var value = m.Position + "|" + m.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            writes[i] = batch.StringSetAsync(keys.Dedup(m.EventId), value, ttl, When.NotExists);
        }

        batch.Execute();
        await Task.WhenAll(writes).WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
