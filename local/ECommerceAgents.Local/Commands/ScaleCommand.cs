using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Local.Cost;
using Spectre.Console;

namespace ECommerceAgents.Local.Commands;

/// <summary>
/// <c>scale</c>: the scaling model (issue 19) at daily event volumes: shards, Lambda concurrency, DynamoDB, Firehose, S3,
/// KMS, batch partitions, BatchLoader fan-out and Redshift RPU, each against the AWS quota that caps it. A command of its
/// own rather than a <c>cost</c> option: it answers "what breaks first" at events per day, not "what does a month cost"
/// at requests per second, and shares only the measured inputs with the cost model.
/// </summary>
internal static class ScaleCommand
{
    public static Command Create()
    {
        var volumes = new Option<double[]>("--events-per-day")
        {
            Description = "Daily event volumes to model (several allowed).",
            DefaultValueFactory = _ => [.. ScalingModel.IssueVolumes],
            AllowMultipleArgumentsPerToken = true,
        };
        var peak = new Option<double>("--peak") { Description = "Peak-to-average factor (an assumption).", DefaultValueFactory = _ => new ScalingInputs().PeakToAverage };
        var markdown = new Option<bool>("--markdown") { Description = "Print the README's Markdown tables." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("scale", "Scaling model: what 10 M, 100 M and 1 B events a day need from AWS, against the quota that caps each (README \"Scaling model (issue 19)\").")
        {
            volumes, peak, markdown, json,
        };
        command.SetAction(parse =>
        {
            var perDay = parse.GetValue(volumes) ?? [];
            if (perDay.Length == 0 || perDay.Any(v => !(v > 0))) throw new CliException("--events-per-day needs one or more volumes above 0");
            var factor = parse.GetValue(peak);
            if (!(factor >= 1)) throw new CliException("--peak must be at least 1");

            var model = new ScalingModel(new ScalingInputs { PeakToAverage = factor });
            var rows = ScalingTable.Rows(model, perDay);
            if (parse.GetValue(json)) Console.WriteLine(Json(model, perDay, rows).ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
            else if (parse.GetValue(markdown)) Console.Write(ScalingTable.Markdown(rows, perDay) + "\n" + ScalingTable.QuotasMarkdown());
            else Render(rows, perDay);
            return 0;
        });
        return command;
    }

    private static void Render(IReadOnlyList<ScalingRow> rows, double[] perDay)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Scaling model: peak figures against the AWS quota that caps each (% of the limit; red: over)");
        table.AddColumn("Area");
        foreach (var v in perDay) table.AddColumn(Markup.Escape(ScalingTable.Volume(v)));
        table.AddColumn("What caps it");
        foreach (var row in rows)
        {
            var cells = new List<string> { Markup.Escape(row.Area) };
            cells.AddRange(row.Cells.Select(c => c.Over ? $"[red]{Markup.Escape(ScalingTable.CellText(c).Trim('*'))}[/]" : Markup.Escape(ScalingTable.CellText(c))));
            cells.Add(Markup.Escape(row.CappedBy));
            table.AddRow(cells.ToArray());
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]What to change past each limit, and every quota's page: --markdown or --json; the inputs and their sources: --json.[/]");
    }

    private static JsonObject Json(ScalingModel model, double[] perDay, IReadOnlyList<ScalingRow> rows) => new()
    {
        ["eventsPerDay"] = new JsonArray([.. perDay.Select(v => (JsonNode)v)]),
        ["peakToAverage"] = model.Inputs.PeakToAverage,
        ["rows"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
        {
            ["area"] = r.Area,
            ["cells"] = new JsonArray([.. r.Cells.Select(c => (JsonNode)new JsonObject
            {
                ["text"] = c.Text, ["value"] = Math.Round(c.Value, 3), ["limit"] = c.Limit, ["utilisation"] = Math.Round(c.Utilisation, 4), ["over"] = c.Over,
            })]),
            ["cappedBy"] = r.CappedBy,
            ["pastIt"] = r.PastIt,
            ["quotas"] = new JsonArray([.. r.Quotas.Select(q => (JsonNode)q.Key)]),
        })]),
        ["estimates"] = new JsonArray([.. perDay.Select(v => JsonSerializer.SerializeToNode(model.Estimate(v), ScaleJsonContext.Default.ScalingEstimate))]),
        ["quotas"] = new JsonArray([.. AwsQuotas.All.Select(q => (JsonNode)new JsonObject
        {
            ["key"] = q.Key, ["name"] = q.Name, ["value"] = q.Value, ["unit"] = q.Unit, ["adjustable"] = q.Adjustable, ["url"] = q.Url,
        })]),
        ["quotasReadOn"] = AwsQuotas.ReadOn,
        ["inputs"] = new JsonArray([.. model.Inputs.Sources.Select(s => (JsonNode)new JsonObject
        {
            ["name"] = s.Name, ["value"] = s.Value, ["unit"] = s.Unit, ["measured"] = s.Measured, ["source"] = s.Source,
        })]),
    };
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ScalingEstimate))]
internal sealed partial class ScaleJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
