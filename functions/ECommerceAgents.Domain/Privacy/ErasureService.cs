using System.Text.Json;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Domain.Privacy;

public sealed record ErasureOutcome(IReadOnlyList<(Tombstone Tombstone, ErasureCounts Counts)> Applied)
{
    public ErasureCounts Total => Applied.Aggregate(new ErasureCounts(), (a, x) => a + x.Counts);
}

/// <summary>
/// Applies pending erasure requests to every zone and the warehouse in one pass per zone (each object is read once,
/// whatever the number of requests): the raw archive and the enriched zone are rewritten without the users' lines, their
/// quarantined records are deleted, the processed Parquet is rewritten without their rows (and their orders' lines),
/// and the warehouse loses their rows. The search indexes hold no user data (products, daily aggregates), so nothing
/// is removed there. Then each request is marked applied with its counts. Re-running finds nothing more to remove.
/// Watermarks whose enriched digest was current are moved to the rewritten objects, so erasure does not cause reloads.
/// Then the subjects' data keys are deleted (crypto-shredding): records sealed at the door no longer name the user in
/// clear, so the rewrite finds only older clear records; the sealed ones, wherever they are, stop opening.
/// </summary>
internal sealed class ErasureService(BatchPorts ports, TimeProvider clock, string runId = "erasure")
{
    public async Task<ErasureOutcome?> ApplyPendingAsync(CancellationToken cancellationToken)
    {
        var pending = await ports.Tombstones.PendingAsync(cancellationToken).ConfigureAwait(false);
        if (pending.Count == 0) return null;
        var targets = new ErasureTargets(pending);
        var counts = pending.ToDictionary(t => t.UserId, _ => new Counter(), StringComparer.Ordinal);

        await RewriteLinesAsync(ports.Raw, ZoneLayout.RawArchive, targets, counts, (c, n) => c.Raw += n, null, cancellationToken).ConfigureAwait(false);
        await EraseQuarantineAsync(targets, counts, cancellationToken).ConfigureAwait(false);
        var touched = new HashSet<PartitionId>();
        var before = new Dictionary<PartitionId, string>();
        foreach (var zone in new[] { ZoneLayout.EnrichedEvents, ZoneLayout.EnrichedBots })
        {
            await RewriteLinesAsync(ports.Enriched, zone, targets, counts, (c, n) => c.Enriched += n, (p, digest) =>
            {
                touched.Add(p);
                before.TryAdd(p, digest);
            }, cancellationToken).ConfigureAwait(false);
        }

        await EraseProcessedAsync(targets, counts, cancellationToken).ConfigureAwait(false);
        foreach (var t in pending)
        {
            counts[t.UserId].Warehouse += await ports.Warehouse.EraseAsync(new ErasureTargets([t]), cancellationToken).ConfigureAwait(false);
        }

        await MoveWatermarksAsync(touched, before, cancellationToken).ConfigureAwait(false);
        if (ports.Keys is { } keys)
        {
            foreach (var t in pending) await ShredAsync(keys, t, cancellationToken).ConfigureAwait(false);
        }

        foreach (var t in pending) counts[t.UserId].Exports += await DeleteExportsAsync(t.UserId, cancellationToken).ConfigureAwait(false);

        var now = clock.GetUtcNow();
        var applied = new List<(Tombstone, ErasureCounts)>();
        foreach (var t in pending)
        {
            var c = counts[t.UserId].ToCounts();
            await ports.Tombstones.MarkAppliedAsync(t, c, now, cancellationToken).ConfigureAwait(false);
            await CompleteRequestAsync(t, c, cancellationToken).ConfigureAwait(false);
            applied.Add((t, c));
        }

        return new ErasureOutcome(applied);
    }

    /// <summary>The user's exports (and what the API left for one still open) go too: they are copies of what was erased.</summary>
    private async Task<int> DeleteExportsAsync(string userId, CancellationToken cancellationToken)
    {
        if (ports.Privacy is not { } privacy) return 0;
        var deleted = 0;
        foreach (var r in await privacy.Requests.ForUserAsync(userId, cancellationToken).ConfigureAwait(false))
        {
            if (r.Kind != PrivacyRequest.Export) continue;
            foreach (var key in new[] { PrivacyRequest.ExportKeyOf(r.RequestId), PrivacyRequest.LiveExportKey(r.RequestId) })
            {
                if (await privacy.Exports.GetAsync(key, cancellationToken).ConfigureAwait(false) is null) continue;
                await privacy.Exports.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Moves the tombstone's privacy request to done (through in progress, if the API stopped before it), audited with the counts.</summary>
    private async Task CompleteRequestAsync(Tombstone t, ErasureCounts c, CancellationToken cancellationToken)
    {
        if (ports.Privacy is not { } privacy || t.RequestId is null) return;
        var request = await privacy.Requests.GetAsync(t.RequestId, cancellationToken).ConfigureAwait(false);
        if (request is null || request.Status is PrivacyRequest.Done or PrivacyRequest.Failed) return;
        var tracker = new PrivacyRequestTracker(privacy.Requests, privacy.Audit, clock);
        var actor = PrivacyRequestTracker.BatchActor(runId);
        if (request.Status == PrivacyRequest.Accepted)
        {
            await tracker.MoveAsync(request, PrivacyRequest.Accepted, PrivacyRequest.InProgress, actor, null, null, null, cancellationToken).ConfigureAwait(false);
        }

        var done = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["raw"] = c.Raw, ["quarantine"] = c.Quarantine, ["enriched"] = c.Enriched, ["processed"] = c.Processed,
            ["warehouse"] = c.Warehouse, ["search"] = c.Search, ["exports"] = c.Exports, ["keysShredded"] = ports.Keys is null ? 0 : 1 + t.AnonymousIds.Count,
        };
        await tracker.MoveAsync(request, PrivacyRequest.InProgress, PrivacyRequest.Done, actor, null, done, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the data keys of the user and of each anonymous id linked to them: whatever still holds their sealed
    /// fields (the stream, the raw archive in Glacier, the quarantine, backups) stops opening, with nothing rewritten.
    /// Idempotent: a key already gone is skipped.
    /// </summary>
    private static async Task ShredAsync(SubjectKeyring keys, Tombstone t, CancellationToken cancellationToken)
    {
        await keys.ShredAsync("user:" + t.UserId, cancellationToken).ConfigureAwait(false);
        foreach (var anonymous in t.AnonymousIds) await keys.ShredAsync("anon:" + anonymous, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RewriteLinesAsync(IObjectStore store, string prefix, ErasureTargets targets, Dictionary<string, Counter> counts,
        Action<Counter, int> add, Action<PartitionId, string>? touchedPartition, CancellationToken cancellationToken)
    {
        var objects = await store.ListAsync(prefix, cancellationToken).ConfigureAwait(false);
        var digests = touchedPartition is null ? null : objects.Where(o => o.Key.StartsWith(ZoneLayout.EnrichedEvents, StringComparison.Ordinal))
            .GroupBy(o => PartitionId.FromKey(o.Key)).Where(g => g.Key is not null).ToDictionary(g => g.Key!.Value, g => PartitionListing.DigestOf(g));
        foreach (var o in objects)
        {
            var body = await store.GetAsync(o.Key, cancellationToken).ConfigureAwait(false);
            if (body is null) continue;
            var gzipped = body.Length > 1 && body[0] == 0x1f && body[1] == 0x8b;
            var lines = Gzip.Lines(Gzip.Decompress(body));
            var kept = new List<ReadOnlyMemory<byte>>(lines.Count);
            var removed = 0;
            foreach (var line in lines)
            {
                if (targets.OwnerOfLine(line.Span) is { } owner)
                {
                    add(counts[owner], 1);
                    removed++;
                }
                else
                {
                    kept.Add(line);
                }
            }

            if (removed == 0) continue;
            if (kept.Count == 0)
            {
                await store.DeleteAsync(o.Key, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var joined = Gzip.JoinLines(kept);
                await store.PutAsync(o.Key, gzipped ? Gzip.Compress(joined) : joined, gzipped ? "application/gzip" : "application/x-ndjson", cancellationToken).ConfigureAwait(false);
            }

            if (touchedPartition is not null && PartitionId.FromKey(o.Key) is { } p && o.Key.StartsWith(ZoneLayout.EnrichedEvents, StringComparison.Ordinal))
            {
                touchedPartition(p, digests![p]);
            }
        }
    }

    private async Task EraseQuarantineAsync(ErasureTargets targets, Dictionary<string, Counter> counts, CancellationToken cancellationToken)
    {
        foreach (var o in await ports.Quarantine.ListAsync(ZoneLayout.Quarantine, cancellationToken).ConfigureAwait(false))
        {
            var body = await ports.Quarantine.GetAsync(o.Key, cancellationToken).ConfigureAwait(false);
            if (body is null) continue;

            // An object may hold several records (a micro-batch's): the subjects' go, the others stay.
            var records = ZoneLayout.QuarantineRecords(o.Key, body);
            var owners = records.Select(r => OwnerOfQuarantined(targets, r.ToArray())).ToArray();
            if (owners.All(owner => owner is null)) continue;
            if (owners.All(owner => owner is not null))
            {
                await ports.Quarantine.DeleteAsync(o.Key, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var kept = ZoneLayout.QuarantineBody(records.Where((_, i) => owners[i] is null));
                await ports.Quarantine.PutAsync(o.Key, kept, "application/x-ndjson", cancellationToken).ConfigureAwait(false);
            }

            foreach (var owner in owners.OfType<string>()) counts[owner].Quarantine++;
        }
    }

    /// <summary>A quarantined record's original payload (base64) is what identifies its user.</summary>
    private static string? OwnerOfQuarantined(ErasureTargets targets, byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("payloadBase64", out var b64) && b64.GetString() is { } text)
            {
                return targets.OwnerOfLine(Convert.FromBase64String(text));
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
        }

        return targets.OwnerOfLine(body);
    }

    private async Task EraseProcessedAsync(ErasureTargets targets, Dictionary<string, Counter> counts, CancellationToken cancellationToken)
    {
        foreach (var o in await ports.Processed.ListAsync(ZoneLayout.ProcessedEvents, cancellationToken).ConfigureAwait(false))
        {
            if (!o.Key.EndsWith(".parquet", StringComparison.Ordinal) || PartitionId.FromKey(o.Key) is not { } p) continue;
            var body = await ports.Processed.GetAsync(o.Key, cancellationToken).ConfigureAwait(false);
            if (body is null) continue;
            var rows = await ports.Parquet.DecodeEventsAsync(body, cancellationToken).ConfigureAwait(false);
            var removedIds = new HashSet<string>(StringComparer.Ordinal);
            var kept = new List<ProcessedEvent>(rows.Count);
            foreach (var r in rows)
            {
                if (targets.OwnerOf(r.UserId, r.ResolvedUserId, r.AnonymousId) is { } owner)
                {
                    counts[owner].Processed++;
                    removedIds.Add(r.EventId);
                }
                else
                {
                    kept.Add(r);
                }
            }

            if (removedIds.Count == 0) continue;
            if (kept.Count == 0) await ports.Processed.DeleteAsync(o.Key, cancellationToken).ConfigureAwait(false);
            else await ports.Processed.PutAsync(o.Key, await ports.Parquet.EncodeEventsAsync(kept, cancellationToken).ConfigureAwait(false), "application/vnd.apache.parquet", cancellationToken).ConfigureAwait(false);

            var linesKey = ZoneLayout.OrderLinesKey(p);
            if (await ports.Processed.GetAsync(linesKey, cancellationToken).ConfigureAwait(false) is { } linesBody)
            {
                var lines = await ports.Parquet.DecodeOrderLinesAsync(linesBody, cancellationToken).ConfigureAwait(false);
                var keptLines = lines.Where(l => !removedIds.Contains(l.EventId)).ToArray();
                if (keptLines.Length == lines.Count) continue;
                if (keptLines.Length == 0) await ports.Processed.DeleteAsync(linesKey, cancellationToken).ConfigureAwait(false);
                else await ports.Processed.PutAsync(linesKey, await ports.Parquet.EncodeOrderLinesAsync(keptLines, cancellationToken).ConfigureAwait(false), "application/vnd.apache.parquet", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task MoveWatermarksAsync(HashSet<PartitionId> touched, Dictionary<PartitionId, string> before, CancellationToken cancellationToken)
    {
        foreach (var dt in touched.Select(p => p.Dt).Distinct())
        {
            var watermarks = await ports.Watermarks.ReadAsync(dt, cancellationToken).ConfigureAwait(false);
            foreach (var p in touched.Where(t => t.Dt == dt))
            {
                if (!watermarks.TryGetValue(p, out var wm) || wm.Digest != before[p]) continue;
                var objects = await ports.Enriched.ListAsync(ZoneLayout.EnrichedPrefix(p), cancellationToken).ConfigureAwait(false);
                await ports.Watermarks.WriteAsync(wm with { Digest = PartitionListing.DigestOf(objects), Objects = objects.Count }, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private sealed class Counter
    {
        public int Raw;
        public int Quarantine;
        public int Enriched;
        public int Processed;
        public int Warehouse;
        public int Exports;

        public ErasureCounts ToCounts() => new() { Raw = Raw, Quarantine = Quarantine, Enriched = Enriched, Processed = Processed, Warehouse = Warehouse, Exports = Exports };
    }
}
