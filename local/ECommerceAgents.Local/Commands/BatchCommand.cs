using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Batch;
using Spectre.Console;

namespace ECommerceAgents.Local.Commands;

internal static class BatchCommand
{
    public static Command Create(Option<string?> state)
    {
        var date = new Option<string>("--date") { Description = "The event-time day to load (YYYY-MM-DD).", Required = true };
        var hour = new Option<string?>("--hour") { Description = "Only this hour (HH)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("batch", "Run BatchLoader for a day as its triggers would (backfill, then one invocation per partition), then SearchIndexer on the outbox it wrote.")
        {
            date, hour, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var day = parse.GetValue(date)!;
            if (!PartitionId.IsDate(day)) throw new CliException($"--date must be YYYY-MM-DD, not '{day}'");
            var hr = parse.GetValue(hour);
            if (hr is not null && (hr.Length != 2 || !int.TryParse(hr, NumberStyles.None, CultureInfo.InvariantCulture, out var h) || h > 23)) throw new CliException($"--hour must be 00-23, not '{hr}'");
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            var environment = LocalFunctions.Environment(stack);
            var result = await BatchRunner.RunAsync(environment, day, hr, Console.Error, ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(ToJson(result).ToJsonString());
            }
            else
            {
                Print(result);
            }

            return 0;
        });
        return command;
    }

    public static JsonObject ToJson(BatchDayResult r)
    {
        var partitions = r.Partitions.ToArray();
        return new JsonObject
        {
            ["partitionsLoaded"] = partitions.Length,
            ["events"] = r.Events,
            ["duplicatesDropped"] = partitions.Sum(p => p.Duplicates),
            ["invalid"] = partitions.Sum(p => p.Invalid),
            ["qualityPassed"] = partitions.Count(p => p.QualityPassed),
            ["minCompletenessPercent"] = partitions.Length == 0 ? null : partitions.Min(p => p.Completeness),
            ["maxErrorRatePercent"] = partitions.Length == 0 ? null : partitions.Max(p => p.ErrorRate),
            ["maxFreshnessSeconds"] = partitions.Length == 0 ? null : partitions.Max(p => p.FreshnessSeconds),
            ["maxProcessingLatencyP95Ms"] = partitions.Length == 0 ? null : partitions.Max(p => p.ProcessingLatencyP95Ms),
            ["tombstonesApplied"] = r.Invocations.Sum(i => i.TombstonesApplied),
            ["recordsErased"] = r.Invocations.Sum(i => i.RecordsErased),
            ["search"] = r.Search is null ? null : JsonNode.Parse(JsonSerializer.Serialize(r.Search, Functions.SearchIndexer.SearchIndexerJsonContext.Default.SearchIndexingResult)),
            ["elapsedSeconds"] = Math.Round(r.Elapsed.TotalSeconds, 2),
        };
    }

    private static void Print(BatchDayResult r)
    {
        var table = new Table().AddColumns("partition", "events", "dups", "invalid", "complete %", "error %", "fresh s", "p95 lag ms", "quality", "ms");
        foreach (var p in r.Partitions)
        {
            table.AddRow(p.Partition, p.Events.ToString(CultureInfo.InvariantCulture), p.Duplicates.ToString(CultureInfo.InvariantCulture), p.Invalid.ToString(CultureInfo.InvariantCulture),
                p.Completeness.ToString("0.##", CultureInfo.InvariantCulture), p.ErrorRate.ToString("0.###", CultureInfo.InvariantCulture), p.FreshnessSeconds.ToString("0", CultureInfo.InvariantCulture),
                p.ProcessingLatencyP95Ms.ToString("0", CultureInfo.InvariantCulture), p.QualityPassed ? "[green]pass[/]" : "[red]FAIL[/]", p.Timings.TotalMs.ToString("0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"{r.Partitions.Count()} partition(s), {r.Events} events loaded in {r.Elapsed.TotalSeconds:0.0} s; tombstones applied: {r.Invocations.Sum(i => i.TombstonesApplied)} ({r.Invocations.Sum(i => i.RecordsErased)} records erased)"));
        if (r.Search is { } s)
        {
            AnsiConsole.MarkupLine(Markup.Escape(s.Mode == "export"
                ? $"search: {s.Note}: {string.Join(", ", s.Exported)}"
                : $"search: {s.Succeeded} document(s) indexed, {s.Retried} retried, {s.Rejected} rejected"));
        }
    }
}
