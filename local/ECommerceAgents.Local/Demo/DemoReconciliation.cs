using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using Npgsql;

namespace ECommerceAgents.Local.Demo;

/// <summary>
/// Balances the books of a demo run: what the generator sent (its own ground truth) against what every store holds.
/// Each check states what is expected and what was found; the run balances when every check passes.
/// </summary>
public static partial class DemoReconciliation
{
    public static async Task<DemoReport> ReconcileAsync(LocalStack stack, ResourceBindings names, string warehouse, GroundTruth truth, int catalogProducts, DemoLogs logs, IReadOnlyList<PartitionSummary> partitions, CancellationToken ct)
    {
        var checks = new List<DemoCheck>();
        void Check(string area, string name, object expected, object actual) =>
            checks.Add(new DemoCheck(area, name, Text(expected), Text(actual), Equals(Text(expected), Text(actual))));

        // Enriched zone: every valid, unique, non-bot event once (catalog stock events besides); bots in bots/ only.
        var enriched = new List<(string Key, string Id, string Type, DateTimeOffset EventTime)>();
        await foreach (var (key, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Enriched), Prefixes.EnrichedEvents, ct))
        {
            var node = JsonNode.Parse(line)!;
            enriched.Add((key, node["eventId"]!.GetValue<string>(), node["type"]!.GetValue<string>(), node["eventTime"]!.GetValue<DateTimeOffset>()));
        }

        var shopEvents = enriched.Where(e => e.Type != "product_upserted").ToList();
        var shopIds = shopEvents.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        Check("enriched", "valid, unique, non-bot events", truth.ValidUnique, shopEvents.Count);
        Check("enriched", "… exactly the generator's ids", "same set", shopIds.SetEquals(truth.ValidIds) ? "same set" : $"{truth.ValidIds.Count(id => !shopIds.Contains(id))} missing, {shopIds.Count(id => !truth.ValidIds.Contains(id))} extra");
        Check("enriched", "catalog stock events (product_upserted)", catalogProducts, enriched.Count(e => e.Type == "product_upserted"));
        Check("enriched", "events held twice", 0, enriched.Count - enriched.Select(e => e.Id).Distinct(StringComparer.Ordinal).Count());

        var bots = new List<string>();
        await foreach (var (_, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Enriched), Prefixes.Bots, ct)) bots.Add(JsonNode.Parse(line)!["eventId"]!.GetValue<string>());
        Check("bots", "bot events in the bot zone", truth.BotEvents, bots.Distinct(StringComparer.Ordinal).Count());
        Check("bots", "… exactly the generator's bot ids", "same set", bots.ToHashSet(StringComparer.Ordinal).SetEquals(truth.BotIds) ? "same set" : "differs");
        Check("bots", "bot events outside the bot zone", 0, enriched.Count(e => truth.BotIds.Contains(e.Id)));

        // Late events: in the partition of their event time.
        var late = shopEvents.Where(e => truth.LateIds.Contains(e.Id)).ToList();
        Check("late", "late events in their event-time partition", truth.Late, late.Count(e => e.Key.Contains($"dt={e.EventTime.UtcDateTime:yyyy-MM-dd}/hr={e.EventTime.UtcDateTime:HH}/", StringComparison.Ordinal)));

        // Quarantine: exactly the injected malformed and schema-violating records, each with its reason.
        var reasons = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var key in DemoRun.KeysAsync(stack, names.Bucket(Buckets.Quarantine), Prefixes.Quarantine, ct))
        {
            var reason = ReasonPattern().Match(key).Groups[1].Value;
            reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
        }

        Check("quarantine", "malformed_json", truth.Malformed, reasons.GetValueOrDefault("malformed_json"));
        Check("quarantine", "schema_violation", truth.SchemaViolations, reasons.GetValueOrDefault("schema_violation"));
        Check("quarantine", "unknown_schema", truth.UnknownSchema, reasons.GetValueOrDefault("unknown_schema"));
        Check("quarantine", "anything else quarantined", 0, reasons.Where(r => r.Key is not ("malformed_json" or "schema_violation" or "unknown_schema")).Sum(r => r.Value));

        // Raw archive: every record the stream took, duplicates included (the only place they stay).
        var raw = 0;
        await foreach (var _ in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Raw), Prefixes.RawArchive, ct)) raw++;
        Check("raw archive", "records, duplicates included", truth.Records + catalogProducts, raw);

        // Processed zone: the same events once, as Parquet.
        var processed = new List<string>();
        await foreach (var key in DemoRun.KeysAsync(stack, names.Bucket(Buckets.Processed), ZoneLayout.ProcessedEvents, ct))
        {
            if (!key.EndsWith(".parquet", StringComparison.Ordinal)) continue;
            processed.AddRange(await DemoRun.Parquet.DecodeEventIdsAsync(await DemoRun.ReadAsync(stack, names.Bucket(Buckets.Processed), key, ct), ct));
        }

        var enrichedIds = enriched.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        Check("processed", "events in Parquet", enrichedIds.Count, processed.Count);
        Check("processed", "… the enriched zone's ids, once each", "same set", processed.ToHashSet(StringComparer.Ordinal).SetEquals(enrichedIds) && processed.Count == enrichedIds.Count ? "same set" : "differs");

        // Warehouse: the same events once; orders and revenue net of refunds as the generator counted them.
        await using var db = new NpgsqlConnection(warehouse);
        await db.OpenAsync(ct);
        async Task<T> Scalar<T>(string sql)
        {
            await using var command = new NpgsqlCommand(sql, db);
            return (T)Convert.ChangeType((await command.ExecuteScalarAsync(ct))!, typeof(T), CultureInfo.InvariantCulture);
        }

        Check("warehouse", "fct_events rows", enrichedIds.Count, await Scalar<long>("select count(*) from eca.fct_events"));
        Check("warehouse", "distinct event ids", enrichedIds.Count, await Scalar<long>("select count(distinct event_id) from eca.fct_events"));
        Check("warehouse", "orders", truth.OrdersPlaced, await Scalar<long>("select count(*) from eca.fct_orders"));
        Check("warehouse", "revenue net of refunds", truth.NetRevenue.ToString("F2", CultureInfo.InvariantCulture), (await Scalar<decimal>("select coalesce(sum(net_revenue), 0) from eca.fct_orders")).ToString("F2", CultureInfo.InvariantCulture));

        // Logs: every line but the health checks, masked.
        var logLines = new List<string>();
        await foreach (var (_, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Logs), Prefixes.LogsZone, ct)) logLines.Add(line);
        Check("logs", "log lines delivered (health checks dropped)", logs.Sent - logs.HealthChecks, logLines.Count);
        Check("logs", "raw e-mails or card numbers in the logs zone", 0, logLines.Count(l => l.Contains("@example.com", StringComparison.Ordinal) || l.Contains("4111 1111 1111 1111", StringComparison.Ordinal)));

        var quality = new DemoQuality(
            Partitions: partitions.Count,
            Passed: partitions.Count(p => p.QualityPassed),
            CompletenessPercent: partitions.Count == 0 ? 0 : Math.Round(partitions.Min(p => p.Completeness), 2),
            ErrorRatePercent: partitions.Count == 0 ? 0 : Math.Round(partitions.Max(p => p.ErrorRate), 3),
            FreshnessSeconds: partitions.Count == 0 ? 0 : Math.Round(partitions.Max(p => p.FreshnessSeconds)),
            LatencyP95Ms: partitions.Count == 0 ? 0 : Math.Round(partitions.Max(p => p.ProcessingLatencyP95Ms)));
        Check("quality", "partitions meeting seed 003's thresholds", partitions.Count, quality.Passed);

        return new DemoReport
        {
            Checks = checks,
            Truth = new DemoTruth(truth.Records, truth.ValidUnique, truth.BotEvents, truth.Malformed, truth.SchemaViolations, truth.UnknownSchema, truth.Duplicates, truth.Late, truth.OrdersPlaced, truth.NetRevenue),
            Quality = quality,
        };
    }

    /// <summary>API accept (lineage.ingestTime) to StreamProcessor's write (lineage.processingTime), over every enriched event.</summary>
    public static async Task<DemoLatency> LatencyAsync(LocalStack stack, ResourceBindings names, CancellationToken ct)
    {
        var latencies = new List<double>();
        await foreach (var (_, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Enriched), Prefixes.EnrichedEvents, ct))
        {
            var lineage = JsonNode.Parse(line)!["lineage"];
            if (lineage?["ingestTime"] is { } ingest && lineage["processingTime"] is { } processing)
            {
                latencies.Add((processing.GetValue<DateTimeOffset>() - ingest.GetValue<DateTimeOffset>()).TotalMilliseconds);
            }
        }

        latencies.Sort();
        double At(double p) => latencies.Count == 0 ? 0 : Math.Round(latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)], 1);
        return new DemoLatency(latencies.Count, At(0.50), At(0.95), At(0.99));
    }

    private static string Text(object value) => value switch
    {
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    [GeneratedRegex("reason=([a-z_]+)/")]
    private static partial Regex ReasonPattern();
}
