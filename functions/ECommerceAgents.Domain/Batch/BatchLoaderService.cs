using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Quality;
using ECommerceAgents.Domain.Search;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Batch;

/// <summary>
/// BatchLoader's domain service: plans what is left from the watermarks, applies pending erasure requests, and loads
/// partitions one by one — enriched JSON → deduplicated rows → Parquet in the processed zone → staged and merged into
/// the warehouse in one transaction → quality report → watermark. Every step is idempotent, so a retried or concurrent
/// trigger (the lease keeps two runs off one partition) converges on the same state.
/// </summary>
public sealed class BatchLoaderService(BatchPorts ports, BatchOptions options, TimeProvider clock, Action<string>? log = null)
{
    private readonly Dictionary<(string Dt, string Hr), List<(string Type, DateTimeOffset EventHour, string Reason)>> _rejectCache = [];
    private readonly string _owner = "run-" + Guid.NewGuid().ToString("N")[..12];
    private readonly Dictionary<string, (string ETag, IReadOnlyList<string> Ids)> _idCache = new(StringComparer.Ordinal);
    private ErasureService? _erasure;

    /// <summary>Applies erasure requests; the run's id is the audit's request id of its moves of privacy requests.</summary>
    private ErasureService Erasure => _erasure ??= new ErasureService(ports, clock, _owner);

    public BatchOptions Options => options;

    internal async Task<BatchPlan> PlanAsync(BatchScope scope, CancellationToken cancellationToken)
    {
        var listings = new List<PartitionListing>();
        var watermarks = new Dictionary<PartitionId, PartitionWatermark>();
        foreach (var dt in PartitionPlanner.DatesToList(scope, options))
        {
            listings.AddRange(await ListDateAsync(dt, cancellationToken).ConfigureAwait(false));
            foreach (var (k, v) in await ports.Watermarks.ReadAsync(dt, cancellationToken).ConfigureAwait(false)) watermarks[k] = v;
        }

        return PartitionPlanner.Plan(scope, options, listings, watermarks);
    }

    /// <summary>Every enriched partition of a date: one listing per event type (the closed set of schemas), so no delimiter listing is needed.</summary>
    internal async Task<IReadOnlyList<PartitionListing>> ListDateAsync(string dt, CancellationToken cancellationToken)
    {
        var result = new List<PartitionListing>();
        foreach (var type in EventTypes.All)
        {
            var objects = await ports.Enriched.ListAsync($"{ZoneLayout.EnrichedEvents}type={type}/dt={dt}/", cancellationToken).ConfigureAwait(false);
            foreach (var group in objects.GroupBy(o => PartitionId.FromKey(o.Key)))
            {
                if (group.Key is { } p) result.Add(new PartitionListing(p, group.ToArray()));
            }
        }

        return result;
    }

    /// <summary>
    /// One run: erasure first (so the loads after it already leave the erased users out), then pending partitions, oldest
    /// first, until <paramref name="maxPartitions"/> or <paramref name="timeLeft"/> says stop; the rest is returned for fan-out.
    /// </summary>
    public async Task<BatchRunResult> RunAsync(BatchScope scope, int? maxPartitions, Func<bool>? timeLeft, CancellationToken cancellationToken)
    {
        await ports.Warehouse.MigrateAsync(cancellationToken).ConfigureAwait(false);
        // Exports before erasure: a user who asked for both gets their data, then loses it.
        if (ports.Privacy is { } privacy) await new ExportService(ports, privacy, clock, _owner).BuildPendingAsync(cancellationToken).ConfigureAwait(false);
        var erasure = await Erasure.ApplyPendingAsync(cancellationToken).ConfigureAwait(false);
        var plan = await PlanAsync(scope, cancellationToken).ConfigureAwait(false);
        var loaded = new List<PartitionOutcome>();
        var remaining = new List<PartitionId>();
        foreach (var listing in plan.Pending)
        {
            if ((maxPartitions is { } max && loaded.Count >= max) || (timeLeft is not null && loaded.Count > 0 && !timeLeft()))
            {
                remaining.Add(listing.Partition);
                continue;
            }

            loaded.Add(await LoadPartitionAsync(listing, cancellationToken).ConfigureAwait(false));
        }

        var outbox = new List<string>();
        foreach (var dt in loaded.Where(o => !o.Skipped).Select(o => o.Partition.Dt).Distinct().Order(StringComparer.Ordinal))
        {
            if (await WriteDailyMetricsAsync(dt, cancellationToken).ConfigureAwait(false) is { } key) outbox.Add(key);
        }

        if (plan.BeyondWindow.Count > 0)
        {
            log?.Invoke($"{plan.BeyondWindow.Count} partition(s) older than the lateness window ({options.LatenessHours} h) changed; a backfill (`batch --date`) loads them: {string.Join(", ", plan.BeyondWindow.Take(5))}");
        }

        return new BatchRunResult(loaded, remaining, plan.BeyondWindow, outbox, plan.UpToDate.Count, erasure);
    }

    /// <summary>A fanned-out invocation's work: the one partition, if its enriched objects changed since its watermark (or <paramref name="force"/>).</summary>
    public async Task<BatchRunResult> RunPartitionAsync(PartitionId p, bool force, CancellationToken cancellationToken)
    {
        await ports.Warehouse.MigrateAsync(cancellationToken).ConfigureAwait(false);
        var objects = await ports.Enriched.ListAsync(ZoneLayout.EnrichedPrefix(p), cancellationToken).ConfigureAwait(false);
        var listing = new PartitionListing(p, objects);
        var watermarks = await ports.Watermarks.ReadAsync(p.Dt, cancellationToken).ConfigureAwait(false);
        var current = watermarks.TryGetValue(p, out var wm) && wm.Digest == listing.Digest;
        var loaded = new List<PartitionOutcome>();
        if (!current || force) loaded.Add(await LoadPartitionAsync(listing, cancellationToken).ConfigureAwait(false));
        var outbox = new List<string>();
        if (loaded.Count > 0 && !loaded[0].Skipped && await WriteDailyMetricsAsync(p.Dt, cancellationToken).ConfigureAwait(false) is { } key) outbox.Add(key);
        return new BatchRunResult(loaded, [], [], outbox, UpToDate: loaded.Count == 0 ? 1 : 0);
    }

    /// <summary>Loads one partition from its current enriched objects. Safe to repeat: same input, same output everywhere.</summary>
    internal async Task<PartitionOutcome> LoadPartitionAsync(PartitionListing listing, CancellationToken cancellationToken)
    {
        var p = listing.Partition;
        if (!await ports.Watermarks.TryLeaseAsync(p, _owner, TimeSpan.FromMinutes(15), cancellationToken).ConfigureAwait(false))
        {
            log?.Invoke($"{p}: another run holds the lease; skipped");
            return new PartitionOutcome(p, QualityReport.Evaluate(new PartitionCompactor(p).Complete(), 0, new Dictionary<string, int>(), clock.GetUtcNow()), new PhaseTimings(), true, "leased by another run");
        }

        try
        {
            return await LoadLeasedAsync(listing, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await ports.Watermarks.ReleaseAsync(p, _owner, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<PartitionOutcome> LoadLeasedAsync(PartitionListing listing, CancellationToken cancellationToken)
    {
        var p = listing.Partition;
        var timings = new PhaseTimings();
        var total = Stopwatch.StartNew();
        var watch = Stopwatch.StartNew();

        var claimed = await ClaimedIdsAsync(p, cancellationToken).ConfigureAwait(false);
        var compactor = new PartitionCompactor(p, claimed);
        var bodies = new byte[listing.Objects.Count][];
        await Parallel.ForEachAsync(Enumerable.Range(0, listing.Objects.Count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            var body = await ports.Enriched.GetAsync(listing.Objects[i].Key, ct).ConfigureAwait(false);
            bodies[i] = body is null ? [] : Gzip.Decompress(body);
        }).ConfigureAwait(false);
        timings.ReadMs = watch.Elapsed.TotalMilliseconds;

        watch.Restart();
        for (var i = 0; i < bodies.Length; i++) compactor.AddObject(listing.Objects[i].Key, bodies[i]);
        var compaction = compactor.Complete();
        timings.CompactMs = watch.Elapsed.TotalMilliseconds;

        watch.Restart();
        var files = await WriteProcessedAsync(compaction, cancellationToken).ConfigureAwait(false);
        timings.ParquetMs = watch.Elapsed.TotalMilliseconds;

        watch.Restart();
        var loaded = await ports.Warehouse.LoadPartitionAsync(files, cancellationToken).ConfigureAwait(false);
        timings.WarehouseMs = watch.Elapsed.TotalMilliseconds;

        watch.Restart();
        var rejects = await RejectsAtIngestAsync(p, cancellationToken).ConfigureAwait(false);
        var report = QualityReport.Evaluate(compaction, loaded, rejects, clock.GetUtcNow());
        await ports.Processed.PutAsync(ZoneLayout.QualityKey(p), report.ToJson(), "application/json", cancellationToken).ConfigureAwait(false);
        await ports.Warehouse.SaveQualityAsync(new PartitionQuality(p, report.Lines, report.Lines - compaction.Invalid.Count, loaded, report.CompletenessPercent, report.ValidityPercent, report.ErrorRatePercent), cancellationToken).ConfigureAwait(false);
        foreach (var invalid in compaction.Invalid) await QuarantineAsync(p, invalid, cancellationToken).ConfigureAwait(false);
        timings.QualityMs = watch.Elapsed.TotalMilliseconds;

        await ports.Watermarks.WriteAsync(new PartitionWatermark(p, listing.Digest, listing.Objects.Count, compaction.Events.Count, clock.GetUtcNow()), cancellationToken).ConfigureAwait(false);
        timings.TotalMs = total.Elapsed.TotalMilliseconds;
        log?.Invoke($"{p}: {compaction.Lines} lines → {compaction.Events.Count} events ({compaction.DuplicatesWithin} duplicates within, {compaction.DuplicatesAcross} across, {compaction.Invalid.Count} invalid) in {timings.TotalMs:F0} ms");
        return new PartitionOutcome(p, report, timings);
    }

    /// <summary>
    /// Ids other processed partitions of this type already hold, within the lateness window either side. One listing per
    /// date in the window (not a GET per hour), then only the files that exist are read.
    /// </summary>
    private async Task<HashSet<string>> ClaimedIdsAsync(PartitionId p, CancellationToken cancellationToken)
    {
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var neighbours = Enumerable.Range(-options.LatenessHours, 2 * options.LatenessHours + 1).Where(h => h != 0)
            .Select(h => PartitionId.At(p.Type, p.Hour.AddHours(h))).ToArray();
        var existing = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dt in neighbours.Select(n => n.Dt).Distinct())
        {
            foreach (var o in await ports.Processed.ListAsync($"{ZoneLayout.ProcessedEvents}type={p.Type}/dt={dt}/", cancellationToken).ConfigureAwait(false)) existing[o.Key] = o.ETag;
        }

        foreach (var key in neighbours.Select(ZoneLayout.EventsKey).Where(existing.ContainsKey))
        {
            // Ids of a file are cached by its ETag: a warm container (or the CLI's loop) reads each neighbour once.
            if (!_idCache.TryGetValue(key, out var cached) || cached.ETag != existing[key])
            {
                if (await ports.Processed.GetAsync(key, cancellationToken).ConfigureAwait(false) is not { } bytes) continue;
                if (_idCache.Count > 512) _idCache.Clear();
                _idCache[key] = cached = (existing[key], await ports.Parquet.DecodeEventIdsAsync(bytes, cancellationToken).ConfigureAwait(false));
            }

            foreach (var id in cached.Ids) claimed.Add(id);
        }

        return claimed;
    }

    private async Task<ProcessedFiles> WriteProcessedAsync(CompactionResult compaction, CancellationToken cancellationToken)
    {
        var p = compaction.Partition;
        var eventsKey = ZoneLayout.EventsKey(p);
        var linesKey = ZoneLayout.OrderLinesKey(p);
        byte[] events = [], lines = [];
        if (compaction.Events.Count > 0)
        {
            events = await ports.Parquet.EncodeEventsAsync(compaction.Events, cancellationToken).ConfigureAwait(false);
            await ports.Processed.PutAsync(eventsKey, events, "application/vnd.apache.parquet", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ports.Processed.DeleteAsync(eventsKey, cancellationToken).ConfigureAwait(false);
        }

        if (compaction.OrderLines.Count > 0)
        {
            lines = await ports.Parquet.EncodeOrderLinesAsync(compaction.OrderLines, cancellationToken).ConfigureAwait(false);
            await ports.Processed.PutAsync(linesKey, lines, "application/vnd.apache.parquet", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await ports.Processed.DeleteAsync(linesKey, cancellationToken).ConfigureAwait(false);
        }

        await RegisterAsync(p, events.Length > 0, lines.Length > 0, cancellationToken).ConfigureAwait(false);
        return new ProcessedFiles(p, ports.Processed.Bucket, eventsKey, events, linesKey, lines, compaction.Events.Count, compaction.OrderLines.Count);
    }

    /// <summary>Adds the partition's written datasets to the data catalog (before the watermark, so a failed run registers again).</summary>
    private async Task RegisterAsync(PartitionId p, bool events, bool lines, CancellationToken cancellationToken)
    {
        if (ports.RegisterPartition is not { } register) return;
        var bucket = "s3://" + ports.Processed.Bucket + "/";
        if (events) await register(ZoneLayout.CatalogEventsTable, p, bucket + ZoneLayout.ProcessedEvents + p.Path, cancellationToken).ConfigureAwait(false);
        if (lines) await register(ZoneLayout.CatalogOrderLinesTable, p, bucket + ZoneLayout.ProcessedOrderLines + p.Path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records of the partition's type whose <em>event time</em> falls in the partition's hour and that StreamProcessor
    /// quarantined, by reason. The quarantine is keyed by arrival hour, so the hours a record of this partition can
    /// arrive in (the partition's hour up to the lateness window after it) are read, once per arrival hour and run (an
    /// hour still open is read again next time); each record's type and event time come from its payload. Records
    /// without a readable schema or event time (malformed JSON) name no partition and count for none.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> RejectsAtIngestAsync(PartitionId p, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        for (var h = 0; h <= options.LatenessHours; h++)
        {
            var arrival = p.Hour.AddHours(h);
            if (arrival > now) break;
            var slot = (arrival.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), arrival.UtcDateTime.ToString("HH", CultureInfo.InvariantCulture));
            if (!_rejectCache.TryGetValue(slot, out var rejects))
            {
                rejects = [];
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var reason in Enum.GetValues<FailureReason>().Select(r => r.Name()))
                {
                    foreach (var o in await ports.Quarantine.ListAsync(ZoneLayout.QuarantinePrefix(reason, slot.Item1, slot.Item2), cancellationToken).ConfigureAwait(false))
                    {
                        var body = await ports.Quarantine.GetAsync(o.Key, cancellationToken).ConfigureAwait(false);
                        if (body is null) continue;
                        foreach (var line in ZoneLayout.QuarantineRecords(o.Key, body))
                        {
                            // A record a retried micro-batch wrote twice counts once, by its stream position.
                            if (PartitionOfQuarantined(line) is { } at && seen.Add(ZoneLayout.QuarantinePosition(line) ?? o.Key)) rejects.Add((at.Type, at.EventHour, reason));
                        }
                    }
                }

                if (arrival.AddHours(1) <= now) _rejectCache[slot] = rejects;
            }

            foreach (var r in rejects.Where(r => r.Type == p.Type && r.EventHour == p.Hour)) counts[r.Reason] = counts.GetValueOrDefault(r.Reason) + 1;
        }

        return counts;
    }

    /// <summary>The event type and event hour of a quarantined record, read from its original payload.</summary>
    private static (string Type, DateTimeOffset EventHour)? PartitionOfQuarantined(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var record = JsonDocument.Parse(body);
            if (!record.RootElement.TryGetProperty("payloadBase64", out var payload) || payload.ValueKind != JsonValueKind.String) return null;
            using var evt = JsonDocument.Parse(payload.GetBytesFromBase64());
            if (evt.RootElement.ValueKind != JsonValueKind.Object) return null;
            var schema = evt.RootElement.TryGetProperty("schema", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var parts = schema?.Split('/');
            if (parts is not { Length: >= 2 }) return null;
            if (!evt.RootElement.TryGetProperty("eventTime", out var t) || t.ValueKind != JsonValueKind.String || !t.TryGetDateTimeOffset(out var at)) return null;
            var utc = at.UtcDateTime;
            return (parts[1], new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero));
        }
        catch (JsonException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private async Task QuarantineAsync(PartitionId p, InvalidLine invalid, CancellationToken cancellationToken)
    {
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(invalid.ObjectKey + "#" + invalid.LineNumber.ToString(CultureInfo.InvariantCulture))))[..24];
        var key = ZoneLayout.QuarantineKey("batch_" + invalid.Reason, p.Dt, p.Hr, $"batch-{p.Type}-{id}");
        var record = new BatchQuarantineRecord("batch_" + invalid.Reason, invalid.Detail, invalid.ObjectKey, invalid.LineNumber, Convert.ToBase64String(invalid.Line.Span),
            System.Text.Unicode.Utf8.IsValid(invalid.Line.Span) ? Encoding.UTF8.GetString(invalid.Line.Span) : null, "BatchLoader");
        await ports.Quarantine.PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(record, BatchJsonContext.Default.BatchQuarantineRecord), "application/json", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The day's figures as the daily-metrics outbox object, which SearchIndexer picks up; null without data.</summary>
    public async Task<string?> WriteDailyMetricsAsync(string dt, CancellationToken cancellationToken)
    {
        if (await ports.Warehouse.DailyMetricsAsync(dt, cancellationToken).ConfigureAwait(false) is not { } metrics) return null;
        var key = ZoneLayout.MetricsOutboxKey(dt);
        var line = JsonSerializer.SerializeToUtf8Bytes(metrics, SearchJsonContext.Default.DailyMetrics);
        await ports.Processed.PutAsync(key, (byte[])[.. line, (byte)'\n'], "application/x-ndjson", cancellationToken).ConfigureAwait(false);
        return key;
    }
}
