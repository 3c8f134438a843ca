using System.Collections.Concurrent;
using System.Text.Json;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Tests.Processing.Fakes;

/// <summary>
/// The state store and the dedup window in memory, for the processor's orchestration tests only (the integration tests run the real
/// adapters on real servers). Entities are stored and read as copies, as a real store would; a write named in
/// <see cref="Failing"/> throws, and one in <see cref="Conflicts"/> loses its condition as many times as it says.
/// </summary>
internal sealed class InMemoryStateStore : IStreamStateStore, IDedupWindow
{
    public ConcurrentDictionary<string, SubjectState> Subjects { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, UserProfile> Profiles { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, OrderRecord> Orders { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, IdentityLink> Links { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, DedupMarker> Markers { get; } = new(StringComparer.Ordinal);

    /// <summary>Per product: views added, and the watermark per shard.</summary>
    public ConcurrentDictionary<string, (long Views, Dictionary<string, string> Watermarks)> ProductStats { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, string> Cursors { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, DateTimeOffset> Stale { get; } = new(StringComparer.Ordinal);

    /// <summary>The writes that fail: subject, profile, order, identity, product-stats, cursor, markers.</summary>
    public HashSet<string> Failing { get; } = [];

    /// <summary>Writes that lose a conditional write to another shard, and how many more times they do.</summary>
    public ConcurrentDictionary<string, int> Conflicts { get; } = new(StringComparer.Ordinal);

    public int SubjectWrites;

    public Task<StateSnapshot> LoadAsync(StateRequest request, CancellationToken cancellationToken)
    {
        var snapshot = new StateSnapshot
        {
            EnrichedCursor = Cursors.GetValueOrDefault(request.ShardId),
            RealtimeStaleSince = Stale.TryGetValue(request.ShardId, out var since) ? since : null,
        };
        foreach (var s in request.Subjects) if (Subjects.TryGetValue(s, out var v)) snapshot.Subjects[s] = Copy(v);
        foreach (var u in request.Users) if (Profiles.TryGetValue(u, out var p)) snapshot.Profiles[u] = Copy(p);
        foreach (var a in request.AnonymousIds) if (Links.TryGetValue(a, out var l)) snapshot.IdentityLinks[a] = l;
        foreach (var u in request.Users.Concat(snapshot.IdentityLinks.Values.Select(l => l.UserId))) if (Consents.TryGetValue(u, out var c)) snapshot.Consents[u] = c;
        foreach (var a in request.AnonymousIds) if (Consents.TryGetValue(ConsentRecord.AnonymousSubject(a), out var c)) snapshot.AnonymousConsents[a] = c;
        foreach (var o in request.Orders) if (Orders.TryGetValue(o, out var r)) snapshot.Orders[o] = Copy(r);
        return Task.FromResult(snapshot);
    }

    public Task SaveSubjectAsync(SubjectState state, CancellationToken cancellationToken) => Write("subject", () =>
    {
        Interlocked.Increment(ref SubjectWrites);
        Subjects[state.SubjectId] = Copy(state);
    });

    public Task SaveProfileAsync(UserProfile profile, CancellationToken cancellationToken) => Write("profile", () => Profiles[profile.UserId] = Copy(profile));

    public Task SaveOrderAsync(OrderRecord order, CancellationToken cancellationToken) => Write("order", () => Orders[order.OrderId] = Copy(order));

    public Task SaveIdentityLinkAsync(IdentityLink link, CancellationToken cancellationToken) => Write("identity", () => Links.TryAdd(link.AnonymousId, link));

    /// <summary>Consent by subject key (a user id, or <c>anon#</c> and an anonymous id).</summary>
    public ConcurrentDictionary<string, ConsentRecord> Consents { get; } = new(StringComparer.Ordinal);

    public int ConsentWrites;

    public Task RecordSaleShareOptOutAsync(string subject, DateTimeOffset at, CancellationToken cancellationToken) => Write("consent", () =>
    {
        Interlocked.Increment(ref ConsentWrites);
        Consents.AddOrUpdate(subject, new ConsentRecord(subject, at) { SaleShare = false, SaleShareSource = ConsentRecord.GpcSource },
            (_, stored) => stored with { SaleShare = false, SaleShareSource = ConsentRecord.GpcSource, UpdatedAt = at });
    });

    public Task AddProductStatsAsync(string shardId, IReadOnlyList<(string Sku, IReadOnlyList<ProductStatsDelta> Deltas)> products, CancellationToken cancellationToken) => Write("product-stats", () =>
    {
        lock (ProductStats)
        {
            foreach (var (sku, events) in products)
            {
                var (views, watermarks) = ProductStats.GetValueOrDefault(sku, (0, new Dictionary<string, string>(StringComparer.Ordinal)));
                var watermark = watermarks.GetValueOrDefault(shardId, "");
                foreach (var e in events.Where(e => string.CompareOrdinal(e.PaddedSequence, watermark) > 0)) views += e.Views;
                watermarks[shardId] = events.Max(e => e.PaddedSequence)!;
                ProductStats[sku] = (views, watermarks);
            }
        }
    });

    public Task SetEnrichedCursorAsync(string shardId, string paddedSequence, CancellationToken cancellationToken) => Write("cursor", () => Cursors[shardId] = paddedSequence);

    public Task<IReadOnlyList<DedupMarker>> FindAsync(IReadOnlyCollection<DedupMarker> candidates, CancellationToken cancellationToken) =>
        Failing.Contains("dedup read")
            ? Task.FromException<IReadOnlyList<DedupMarker>>(new InvalidOperationException("the dedup window could not be read (test)"))
            : Task.FromResult<IReadOnlyList<DedupMarker>>(candidates.Where(c => Markers.ContainsKey(c.EventId)).Select(c => Markers[c.EventId]).ToArray());

    public Task RememberAsync(IReadOnlyList<DedupMarker> markers, CancellationToken cancellationToken) => Write("markers", () =>
    {
        foreach (var m in markers) Markers[m.EventId] = m;
    });

    public Task MarkRealtimeStaleAsync(string shardId, DateTimeOffset since, CancellationToken cancellationToken) => Write("stale", () => Stale.TryAdd(shardId, since));

    public Task ClearRealtimeStaleAsync(string shardId, DateTimeOffset since, CancellationToken cancellationToken) => Write("stale", () => Stale.TryRemove(new KeyValuePair<string, DateTimeOffset>(shardId, since)));

    private Task Write(string what, Action write)
    {
        if (Failing.Contains(what)) return Task.FromException(new InvalidOperationException($"the {what} write failed (test)"));
        if (Conflicts.TryGetValue(what, out var left) && left > 0)
        {
            Conflicts[what] = left - 1;
            return Task.FromException(new ConcurrentUpdateException($"the {what} changed since it was read (test)"));
        }

        write();
        return Task.CompletedTask;
    }

    private static T Copy<T>(T value) => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(value))!;
}

/// <summary>The enriched zone in memory: every record sent, as text.</summary>
internal sealed class InMemoryEnrichedSink : IEnrichedSink
{
    public List<string> Records { get; } = [];

    public Task SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken)
    {
        lock (Records) Records.AddRange(records.Select(r => System.Text.Encoding.UTF8.GetString(r.Span)));
        return Task.CompletedTask;
    }
}

/// <summary>The quarantine in memory, by stream position (a redelivery overwrites its own entry).</summary>
internal sealed class InMemoryQuarantine : IQuarantine
{
    public ConcurrentDictionary<StreamPosition, QuarantineEntry> Entries { get; } = new();

    /// <summary>Each write's entries (one object each in S3).</summary>
    public ConcurrentQueue<IReadOnlyList<QuarantineEntry>> Puts { get; } = new();

    public Task PutAsync(IReadOnlyList<QuarantineEntry> entries, CancellationToken cancellationToken)
    {
        Puts.Enqueue(entries);
        foreach (var entry in entries) Entries[entry.Position] = entry;
        return Task.CompletedTask;
    }
}

/// <summary>The real-time store in memory: every batch applied, in order.</summary>
internal sealed class InMemoryRealtime : IRealtimeProjection
{
    public List<RealtimeBatch> Applied { get; } = [];

    public bool Down { get; set; }

    public Task ApplyAsync(RealtimeBatch batch, CancellationToken cancellationToken)
    {
        if (Down) return Task.FromException(new InvalidOperationException("the real-time store is down (test)"));
        lock (Applied) Applied.Add(batch);
        return Task.CompletedTask;
    }
}

/// <summary>The real-time journal in memory.</summary>
internal sealed class InMemoryJournal : IRealtimeJournal
{
    private int _next;

    public List<DeferredRealtime> Pending { get; } = [];

    public Task DeferAsync(RealtimeBatch batch, CancellationToken cancellationToken)
    {
        lock (Pending) Pending.Add(new DeferredRealtime((_next++).ToString(System.Globalization.CultureInfo.InvariantCulture), batch));
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DeferredRealtime>> PendingAsync(string shardId, CancellationToken cancellationToken)
    {
        lock (Pending) return Task.FromResult<IReadOnlyList<DeferredRealtime>>(Pending.Where(p => p.Batch.ShardId == shardId).ToArray());
    }

    public Task CompleteAsync(DeferredRealtime entry, CancellationToken cancellationToken)
    {
        lock (Pending) Pending.Remove(entry);
        return Task.CompletedTask;
    }
}
