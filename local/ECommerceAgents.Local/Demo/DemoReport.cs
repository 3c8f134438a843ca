using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ECommerceAgents.Local.Cost;
using Spectre.Console;

namespace ECommerceAgents.Local.Demo;

/// <summary>One reconciliation check; <see cref="Detail"/> names the first mismatching items when it fails.</summary>
public sealed record DemoCheck(string Area, string Name, string Expected, string Actual, bool Passed, string? Detail = null);

public sealed record DemoTruth(int Records, int ValidUnique, int BotEvents, int Malformed, int SchemaViolations, int UnknownSchema, int Duplicates, int Late, int OrdersPlaced, decimal NetRevenue);

/// <summary>Seed 003's measures for one event-time partition (<c>type/yyyy-MM-dd/HH</c>) and the thresholds it misses.</summary>
public sealed record PartitionQualityRow(string Partition, int Rows, int Rejected, double CompletenessPercent, double ErrorRatePercent, double LatencyP95Ms, double FreshnessSeconds, IReadOnlyList<string> Misses);

/// <summary>Data quality per event-time partition: how many meet every threshold, the worst figures, and every partition's row.</summary>
public sealed record DemoQuality(int Partitions, int Passed, double CompletenessPercent, double ErrorRatePercent, double FreshnessSeconds, double LatencyP95Ms)
{
    public IReadOnlyList<PartitionQualityRow> Rows { get; init; } = [];

    public bool ThresholdsMet => Passed == Partitions;
}

public sealed record DemoLatency(int Events, double P50Ms, double P95Ms, double P99Ms);

/// <summary>A demo run's reconciliation, throughput, latency, quality against seed 003's thresholds and modelled cost.</summary>
public sealed record DemoReport
{
    public string RunId { get; init; } = "";

    public int Seed { get; init; }

    public int Users { get; init; }

    public int RecordsSent { get; init; }

    public int ApiRequests { get; init; }

    public int SentDirectToStream { get; init; }

    public double SendSeconds { get; init; }

    public double EventsPerSecond { get; init; }

    public double TotalSeconds { get; init; }

    public required IReadOnlyList<DemoCheck> Checks { get; init; }

    public required DemoTruth Truth { get; init; }

    public required DemoQuality Quality { get; init; }

    public DemoLatency? Latency { get; init; }

    /// <summary>The kills, restarts and client retries of a <c>--chaos</c> run.</summary>
    public DemoChaos? Chaos { get; init; }

    [JsonIgnore]
    public RunCost? Cost { get; init; }

    public double? CostUsd => Cost is null ? null : Math.Round(Cost.TotalUsd, 4);

    public double? CostVariableUsd => Cost is null ? null : Math.Round(Cost.VariableUsd, 4);

    /// <summary>Every store holds what the generator sent: this verdict alone decides the exit code.</summary>
    public bool Balanced => Checks.All(c => c.Passed);

    /// <summary>Every event-time partition within seed 003's thresholds: reported beside the books, with the partitions that miss.</summary>
    public bool QualityThresholdsMet => Quality.ThresholdsMet;

    public string ToJson() => JsonSerializer.Serialize(this, DemoJsonContext.Default.DemoReport);

    /// <summary>The printed report: one table of checks, then the run's figures.</summary>
    public void Write(IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]demo run {Markup.Escape(RunId)}[/] (seed {Seed})")
            .AddColumns("area", "check", "expected", "found", "");
        foreach (var c in Checks)
        {
            table.AddRow(Markup.Escape(c.Area), Markup.Escape(c.Name), Markup.Escape(c.Expected), Markup.Escape(c.Actual), c.Passed ? "[green]ok[/]" : "[red]MISMATCH[/]");
        }

        console.Write(table);
        foreach (var c in Checks.Where(c => !c.Passed && c.Detail is not null))
        {
            console.MarkupLine($"[red]mismatch[/] {Markup.Escape(c.Area)} · {Markup.Escape(c.Name)}: {Markup.Escape(c.Detail!)}");
        }

        var figures = new Table().Border(TableBorder.Simple).AddColumns("figure", "value", "seed 003 threshold");
        figures.AddRow("records sent", $"{RecordsSent:N0} ({ApiRequests:N0} API requests of 10 events, {SentDirectToStream} faulty records straight to the stream)", "");
        figures.AddRow("throughput", $"{EventsPerSecond:N0} events/s through the API ({SendSeconds:0.0} s)", "");
        if (Latency is { } l) figures.AddRow("latency, API 202 → last write acknowledged", $"p50 {l.P50Ms:0.0} ms · p95 {l.P95Ms:0.0} ms · p99 {l.P99Ms:0.0} ms", "< 5 min");
        figures.AddRow("completeness (worst partition)", $"{Quality.CompletenessPercent:0.##} %", "> 95 %");
        figures.AddRow("error rate (worst partition)", $"{Quality.ErrorRatePercent:0.###} %", "< 1 %");
        figures.AddRow("freshness (worst partition)", $"{Quality.FreshnessSeconds:N0} s", "< 1 h");
        figures.AddRow("partitions meeting every threshold", $"{Quality.Passed} of {Quality.Partitions} (by event time)", "");
        if (Cost is { } cost) figures.AddRow("modelled AWS cost of the run", $"${cost.TotalUsd:0.0000} (${cost.VariableUsd:0.0000} variable; prod sizes, us-east-1)", "");
        figures.AddRow("wall time", $"{TotalSeconds:0.0} s", "");
        console.Write(figures);
        if (Chaos is { } chaos) WriteChaos(console, chaos);
        var missed = Quality.Rows.Where(r => r.Misses.Count > 0).ToArray();
        foreach (var r in missed)
        {
            console.MarkupLine($"[yellow]below threshold[/] {Markup.Escape(r.Partition)}: {Markup.Escape(string.Join(", ", r.Misses))}");
        }

        console.MarkupLine(Balanced ? "[green bold]the books balance[/]" : $"[red bold]the books do not balance[/]: {Checks.Count(c => !c.Passed)} check(s) differ");
        console.MarkupLine(QualityThresholdsMet
            ? $"[green bold]quality thresholds met[/] in all {Quality.Partitions} event-time partitions"
            : $"[yellow bold]quality thresholds not met[/] in {missed.Length} of {Quality.Partitions} event-time partitions");
    }

    private static void WriteChaos(IAnsiConsole console, DemoChaos chaos)
    {
        var kills = new Table().Border(TableBorder.Simple).Title($"chaos: SIGKILL, {chaos.OutageSeconds:0.#} s down, {chaos.GapSeconds:0.#} s between")
            .AddColumns("server", "during", "pid → new pid", "killed at", "restarted at", "answering at", "start attempts");
        foreach (var k in chaos.Kills)
        {
            kills.AddRow(k.Server, k.Phase, $"{k.Pid} → {k.NewPid}", $"{k.KilledAt:0.0} s", $"{k.RestartedAt:0.0} s", $"{k.ReadyAt:0.0} s", k.StartAttempts.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(kills);
        var r = chaos.Retries;
        var retries = new Table().Border(TableBorder.Simple).AddColumns("client", "retries");
        retries.AddRow("generator → API (same Idempotency-Key)", $"{r.Api:N0} ({r.ApiRetriedEvents:N0} events): " + string.Join(", ", r.ApiByReason.Select(kv => $"{Markup.Escape(kv.Key)} × {kv.Value:N0}")));
        retries.AddRow("Kinesis event source → StreamProcessor", $"{r.StreamProcessorRetries:N0} redeliveries ({r.StreamProcessorPartialFailures:N0} partial failures, {r.StreamProcessorFunctionErrors:N0} function errors, {r.StreamProcessorBisections:N0} bisections)");
        retries.AddRow("records to the on-failure destination", r.RecordsSentToOnFailure.ToString("N0", CultureInfo.InvariantCulture));
        retries.AddRow("real-time batches replayed after Redis", r.RealtimeBatchesReplayed.ToString("N0", CultureInfo.InvariantCulture));
        console.Write(retries);
    }

    /// <summary>A self-contained HTML page (no scripts, no external assets).</summary>
    public string ToHtml()
    {
        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ECommerceAgents demo ").Append(E(RunId)).Append("</title>")
            .Append("<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}")
            .Append(".ok{color:#137333;font-weight:600}.bad{color:#c5221f;font-weight:600}</style></head><body>")
            .Append("<h1>Demo run ").Append(E(RunId)).Append(" (seed ").Append(Seed.ToString(CultureInfo.InvariantCulture)).Append(")</h1>")
            .Append("<p class=\"").Append(Balanced ? "ok\">The books balance." : "bad\">The books do not balance.").Append("</p>")
            .Append("<p class=\"").Append(QualityThresholdsMet ? "ok\">Quality thresholds met." : "bad\">Quality thresholds not met.").Append("</p>")
            .Append("<h2>Reconciliation</h2><table><tr><th>area</th><th>check</th><th>expected</th><th>found</th><th></th></tr>");
        foreach (var c in Checks)
        {
            html.Append("<tr><td>").Append(E(c.Area)).Append("</td><td>").Append(E(c.Name)).Append("</td><td>").Append(E(c.Expected)).Append("</td><td>")
                .Append(E(c.Actual)).Append("</td><td class=\"").Append(c.Passed ? "ok\">ok" : "bad\">mismatch: " + E(c.Detail ?? "")).Append("</td></tr>");
        }

        html.Append("</table><h2>Figures</h2><table>");
        void Row(string name, string value) => html.Append("<tr><th>").Append(E(name)).Append("</th><td>").Append(E(value)).Append("</td></tr>");
        Row("records sent", RecordsSent.ToString("N0", CultureInfo.InvariantCulture));
        Row("throughput", $"{EventsPerSecond.ToString("N0", CultureInfo.InvariantCulture)} events/s");
        if (Latency is { } l) Row("latency API 202 → last write acknowledged", $"p50 {l.P50Ms} ms, p95 {l.P95Ms} ms, p99 {l.P99Ms} ms (threshold < 5 min)");
        Row("completeness (worst partition)", $"{Quality.CompletenessPercent} % (threshold > 95 %)");
        Row("error rate (worst partition)", $"{Quality.ErrorRatePercent} % (threshold < 1 %)");
        Row("freshness (worst partition)", $"{Quality.FreshnessSeconds} s (threshold < 1 h)");
        if (Cost is { } cost) Row("modelled AWS cost of the run", "$" + cost.TotalUsd.ToString("0.0000", CultureInfo.InvariantCulture));
        Row("wall time", TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s");
        html.Append("</table><h2>Quality per event-time partition</h2><table><tr><th>partition</th><th>rows</th><th>rejected</th><th>completeness %</th><th>error rate %</th><th>latency p95 ms</th><th>freshness s</th><th>misses</th></tr>");
        foreach (var r in Quality.Rows)
        {
            html.Append("<tr><td>").Append(E(r.Partition)).Append("</td><td>").Append(r.Rows.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(r.Rejected.ToString(CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(r.CompletenessPercent.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(r.ErrorRatePercent.ToString(CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(r.LatencyP95Ms.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(r.FreshnessSeconds.ToString(CultureInfo.InvariantCulture))
                .Append("</td><td class=\"").Append(r.Misses.Count == 0 ? "ok\">ok" : "bad\">" + E(string.Join(", ", r.Misses))).Append("</td></tr>");
        }

        html.Append("</table>");
        if (Chaos is { } chaos)
        {
            html.Append("<h2>Chaos</h2><table><tr><th>server</th><th>during</th><th>killed at (s)</th><th>restarted at (s)</th><th>answering at (s)</th></tr>");
            foreach (var k in chaos.Kills)
            {
                html.Append("<tr><td>").Append(E(k.Server)).Append("</td><td>").Append(E(k.Phase)).Append("</td><td>").Append(k.KilledAt.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td>").Append(k.RestartedAt.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(k.ReadyAt.ToString(CultureInfo.InvariantCulture)).Append("</td></tr>");
            }

            html.Append("</table><p>API retries: ").Append(chaos.Retries.Api.ToString(CultureInfo.InvariantCulture)).Append("; StreamProcessor redeliveries: ")
                .Append(chaos.Retries.StreamProcessorRetries.ToString(CultureInfo.InvariantCulture)).Append("</p>");
        }

        html.Append("</body></html>");
        return html.ToString();
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(DemoReport))]
internal sealed partial class DemoJsonContext : JsonSerializerContext;
