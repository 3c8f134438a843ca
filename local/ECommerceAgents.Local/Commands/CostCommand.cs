using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Local.Cost;
using ECommerceAgents.Local.Cost.Measure;
using Spectre.Console;

namespace ECommerceAgents.Local.Commands;

/// <summary><c>cost</c>: the modelled monthly AWS bill at given request rates, or the cost of one run (infra/COST.md explains the model).</summary>
internal static class CostCommand
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static Command Create(Option<string?> state)
    {
        var rps = new Option<double[]>("--rps")
        {
            Description = "Requests per second to price (several allowed).",
            DefaultValueFactory = _ => [10, 100, 1_000],
            AllowMultipleArgumentsPerToken = true,
        };
        var eventsPerRequest = new Option<int>("--events-per-request") { Description = "Events in each request (540-byte events).", DefaultValueFactory = _ => 10 };
        var stage = new Option<string>("--stage")
        {
            Description = "Stage sizes to price: prod (the sizes meant for these rates; dev's API throttles at 50 requests/s) or dev.",
            DefaultValueFactory = _ => "prod",
        };
        stage.AcceptOnlyFromAmong("dev", "small", "prod");
        var events = new Option<long?>("--events") { Description = "Price one run of N events (with --seconds) instead of a month." };
        var seconds = new Option<double?>("--seconds") { Description = "The run's duration in seconds (with --events)." };
        var lines = new Option<bool>("--lines") { Description = "Show every priced line instead of one row per service." };
        var compare = new Option<bool>("--compare") { Description = "Also set the monthly figures beside the clickstream-analytics-on-aws published table." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var measure = new Option<bool>("--measure")
        {
            Description = "Measure the per-event inputs first (a few minutes): the stream and API benchmarks' workloads through the function code against the local stack, counted by metering proxies, and the stream benchmark's batches timed under the AWS latency simulation; then price with them.",
        };
        var rounds = new Option<int>("--rounds") { Description = "With --measure: 500-record batches counted and timed (each figure the median of the rounds).", DefaultValueFactory = _ => 5 };
        var apiSeconds = new Option<double>("--api-seconds") { Description = "With --measure: seconds of the API benchmark's load loop (after its 2 s warm-up).", DefaultValueFactory = _ => 3 };
        var profiles = new Option<string[]>("--profiles")
        {
            Description = "With --compare: the stage priced at each published rate (10, 100 and 1,000 requests/s), one per rate.",
            DefaultValueFactory = _ => ["small", "prod", "prod"],
            AllowMultipleArgumentsPerToken = true,
        };

        var command = new Command("cost", "Modelled monthly AWS cost (us-east-1, on demand, no free tier) at given request rates, split into fixed and variable costs; or the cost of one run. Prices and their sources: infra/COST.md.")
        {
            rps, eventsPerRequest, stage, events, seconds, lines, compare, json, measure, rounds, apiSeconds, profiles,
        };
        command.SetAction(async (parse, ct) =>
        {
            var costStage = CostStage.Parse(parse.GetValue(stage)!);
            var compareProfiles = (parse.GetValue(profiles) ?? []).Select(CostStage.Parse).ToArray();
            if (compareProfiles.Length != ClickstreamReference.Rates.Count) throw new CliException($"--profiles needs one stage for each of the {ClickstreamReference.Rates.Count} published rates");
            MeasuredRun? measured = null;
            if (parse.GetValue(measure))
            {
                if (parse.GetValue(rounds) < 1 || parse.GetValue(apiSeconds) <= 0) throw new CliException("--rounds must be at least 1 and --api-seconds more than 0");
                measured = await MeasureAsync(parse.GetValue(state), new MeasureOptions { Rounds = parse.GetValue(rounds), ApiDuration = TimeSpan.FromSeconds(parse.GetValue(apiSeconds)) }, ct);
            }

            var model = measured is null ? CostModel.Default : new CostModel(PriceTable.UsEast1, measured.ToInputs(new CostInputs()));
            var perRequest = parse.GetValue(eventsPerRequest);
            if (perRequest < 1) throw new CliException("--events-per-request must be at least 1");

            var runEvents = parse.GetValue(events);
            var runSeconds = parse.GetValue(seconds);
            if (runEvents is not null || runSeconds is not null)
            {
                if (runEvents is not { } n || runSeconds is not { } s) throw new CliException("--events and --seconds go together");
                if (n < 0 || s <= 0) throw new CliException("--events must be 0 or more and --seconds more than 0");
                var run = model.Run(n, TimeSpan.FromSeconds(s), costStage, perRequest);
                if (parse.GetValue(json)) Console.WriteLine(RunJson(run).ToJsonString());
                else RenderRun(run, parse.GetValue(lines));
                return 0;
            }

            var rates = parse.GetValue(rps) ?? [];
            if (rates.Length == 0 || rates.Any(r => r < 0 || double.IsNaN(r))) throw new CliException("--rps needs one or more rates of 0 or more");
            var estimates = rates.Select(r => model.Monthly(new Workload(r, perRequest), costStage)).ToArray();
            if (parse.GetValue(json))
            {
                var document = parse.GetValue(compare) ? CostComparison.Json(model, compareProfiles, perRequest) : MonthlyJson(model, estimates);
                if (measured is not null) document["measurement"] = measured.ToJson();
                Console.WriteLine(document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }

            if (measured is not null) RenderMeasured(model.Inputs);
            RenderMonthly(estimates, parse.GetValue(lines));
            if (parse.GetValue(compare)) RenderComparison(model, compareProfiles, perRequest);
            return 0;
        });
        return command;
    }

    private static void RenderMonthly(CostEstimate[] estimates, bool everyLine)
    {
        var first = estimates[0];
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Monthly AWS cost, us-east-1, stage {first.Stage.Name}, {first.Workload.EventsPerRequest} events of {first.Workload.EventBytes} B per request");
        table.AddColumn("Service");
        table.AddColumn(everyLine ? "Line" : "Kind");
        foreach (var e in estimates) table.AddColumn(new TableColumn(Markup.Escape(Rate(e.Workload.RequestsPerSecond) + " rps")).RightAligned());

        foreach (var kind in new[] { CostKind.Fixed, CostKind.Variable, CostKind.Stepped })
        {
            var keys = first.Lines.Where(l => l.Kind == kind)
                .Select(l => everyLine ? (l.Service, l.Item) : (l.Service, Item: ""))
                .Distinct().ToList();
            foreach (var (service, item) in keys)
            {
                var cells = new List<string> { Markup.Escape(service), everyLine ? Markup.Escape(item) : Kind(kind) };
                cells.AddRange(estimates.Select(e => Money(e.Lines.Where(l => l.Kind == kind && l.Service == service && (!everyLine || l.Item == item)).Sum(l => l.Usd))));
                table.AddRow(cells.ToArray());
            }

            var subtotal = new List<string> { $"[bold]{Kind(kind)} total[/]", "" };
            subtotal.AddRange(estimates.Select(e => "[bold]" + Money(e.Lines.Where(l => l.Kind == kind).Sum(l => l.Usd)) + "[/]"));
            table.AddRow(subtotal.ToArray());
        }

        var total = new List<string> { "[bold]Total per month[/]", "" };
        total.AddRange(estimates.Select(e => "[bold]" + Money(e.TotalUsd) + "[/]"));
        table.AddRow(total.ToArray());
        var perMillion = new List<string> { "Per million events", "" };
        perMillion.AddRange(estimates.Select(e => e.Workload.EventsPerSecond > 0 ? Money(e.TotalUsd / (e.Workload.EventsPerSecond * CostModel.SecondsPerMonth / 1_000_000)) : "-"));
        table.AddRow(perMillion.ToArray());
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]730 h months; measured inputs and every price with its source: infra/COST.md. Assumptions are labelled there; --lines shows each line.[/]");
    }

    /// <summary>Runs the measurement on the local stack of the state directory (started if it is not up).</summary>
    private static async Task<MeasuredRun> MeasureAsync(string? state, MeasureOptions options, CancellationToken ct)
    {
        await using var stack = StackContext.Open(state, Console.Error);
        await stack.UpAsync(ct);
        await Console.Error.WriteLineAsync($"cost --measure: counting {options.Rounds + 1} stream batches and {options.ApiDuration.TotalSeconds.ToString("0.#", Invariant)} s of API load through metering proxies, then timing {options.Rounds} batches under the AWS latency simulation …");
        return await CostMeasurement.RunAsync(stack, options, ct);
    }

    private static void RenderMeasured(CostInputs inputs)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Measured inputs (cost --measure); the rest are the labelled assumptions of infra/COST.md");
        table.AddColumn("Input");
        table.AddColumn(new TableColumn("Value").RightAligned());
        table.AddColumn("Unit");
        foreach (var input in inputs.Measured) table.AddRow(Markup.Escape(input.Name), input.Value.ToString("#,0.####", Invariant), Markup.Escape(input.Unit));
        AnsiConsole.Write(table);
    }

    private static void RenderComparison(CostModel model, IReadOnlyList<CostStage> profiles, int eventsPerRequest)
    {
        var ours = CostComparison.Ours(model, profiles, eventsPerRequest);
        var table = new Table().Border(TableBorder.Rounded).Title("Beside clickstream-analytics-on-aws: their published monthly cost, ours at the same rates");
        table.AddColumn("Module");
        for (var r = 0; r < ours.Length; r++)
        {
            table.AddColumn(new TableColumn(Rate(ClickstreamReference.Rates[r]) + " rps theirs").RightAligned());
            table.AddColumn(new TableColumn(Rate(ClickstreamReference.Rates[r]) + " rps ours (" + ours[r].Stage.Name + ")").RightAligned());
        }

        foreach (var row in ClickstreamReference.Rows)
        {
            var cells = new List<string> { Markup.Escape(row.Module) };
            for (var i = 0; i < ours.Length; i++)
            {
                cells.Add(row.TheirUsd[i] is { } usd ? Money(usd) : "-");
                cells.Add(row.InTotals ? Money(ours[i].Lines.Where(row.OurLines).Sum(l => l.Usd)) : "-");
            }

            table.AddRow(cells.ToArray());
        }

        var total = new List<string> { "[bold]Total (QuickSight in neither)[/]" };
        for (var i = 0; i < ours.Length; i++)
        {
            total.Add("[bold]" + Money(ClickstreamReference.TheirTotal(i)) + "[/]");
            total.Add("[bold]" + Money(ours[i].TotalUsd) + "[/]");
        }

        table.AddRow(total.ToArray());
        AnsiConsole.Write(table);
        foreach (var row in ClickstreamReference.Rows)
        {
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(row.Module)}: theirs {Markup.Escape(row.Theirs)}; ours {Markup.Escape(row.Ours)}[/]");
        }

        AnsiConsole.MarkupLine("[grey]Source: " + Markup.Escape(ClickstreamReference.SourceUrl) + "[/]");
    }

    private static void RenderRun(RunCost run, bool everyLine)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"Modelled AWS cost of {run.Events.ToString("N0", Invariant)} events in {run.Duration.TotalSeconds.ToString("0.##", Invariant)} s, stage {run.Estimate.Stage.Name}");
        table.AddColumn("Service");
        table.AddColumn(everyLine ? "Line" : "Kind");
        table.AddColumn(new TableColumn("USD").RightAligned());
        var groups = run.Estimate.Lines
            .GroupBy(l => (l.Service, l.Kind, Item: everyLine ? l.Item : ""))
            .OrderBy(g => g.Key.Kind).ThenByDescending(g => g.Sum(l => l.Usd));
        foreach (var g in groups)
        {
            table.AddRow(Markup.Escape(g.Key.Service), everyLine ? Markup.Escape(g.Key.Item) : Kind(g.Key.Kind), Money(g.Sum(l => l.Usd), 4));
        }

        table.AddRow("[bold]Total[/]", "", "[bold]" + Money(run.TotalUsd, 4) + "[/]");
        AnsiConsole.Write(table);
        Console.WriteLine(
            $"the modelled AWS cost of the run: {Money(run.TotalUsd, 4)} ({Money(run.VariableUsd, 4)} variable for its events, {Money(run.FixedUsd, 4)} fixed and {Money(run.SteppedUsd, 4)} stepped for its {run.Duration.TotalSeconds.ToString("0.##", Invariant)} s)");
    }

    private static JsonObject MonthlyJson(CostModel model, CostEstimate[] estimates) => new()
    {
        ["region"] = "us-east-1",
        ["hoursPerMonth"] = CostModel.HoursPerMonth,
        ["stage"] = estimates[0].Stage.Name,
        ["estimates"] = new JsonArray([.. estimates.Select(e => (JsonNode)EstimateJson(e))]),
        ["inputs"] = CostComparison.InputsJson(model.Inputs),
        ["prices"] = new JsonArray([.. model.Prices.All.Select(p => (JsonNode)new JsonObject
        {
            ["key"] = p.Key, ["service"] = p.Service, ["item"] = p.Item, ["usd"] = p.Usd, ["unit"] = p.Unit,
            ["page"] = p.PageUrl, ["evidence"] = p.Evidence, ["readOn"] = p.ReadOn, ["assumption"] = p.Assumption,
        })]),
    };

    private static JsonObject RunJson(RunCost run) => new()
    {
        ["events"] = run.Events,
        ["seconds"] = run.Duration.TotalSeconds,
        ["stage"] = run.Estimate.Stage.Name,
        ["fixedUsd"] = Round(run.FixedUsd, 6),
        ["variableUsd"] = Round(run.VariableUsd, 6),
        ["steppedUsd"] = Round(run.SteppedUsd, 6),
        ["totalUsd"] = Round(run.TotalUsd, 6),
        ["lines"] = LinesJson(run.Estimate, 6),
    };

    private static JsonObject EstimateJson(CostEstimate e) => new()
    {
        ["requestsPerSecond"] = e.Workload.RequestsPerSecond,
        ["eventsPerRequest"] = e.Workload.EventsPerRequest,
        ["eventsPerSecond"] = e.Workload.EventsPerSecond,
        ["fixedUsd"] = Round(e.FixedUsd, 2),
        ["variableUsd"] = Round(e.VariableUsd, 2),
        ["steppedUsd"] = Round(e.SteppedUsd, 2),
        ["totalUsd"] = Round(e.TotalUsd, 2),
        ["services"] = new JsonArray([.. e.Lines.GroupBy(l => (l.Service, l.Kind)).Select(g => (JsonNode)new JsonObject
        {
            ["service"] = g.Key.Service, ["kind"] = g.Key.Kind.ToString(), ["usd"] = Round(g.Sum(l => l.Usd), 2),
        })]),
        ["lines"] = LinesJson(e, 4),
    };

    private static JsonArray LinesJson(CostEstimate e, int digits) => new([.. e.Lines.Select(l => (JsonNode)new JsonObject
    {
        ["service"] = l.Service, ["item"] = l.Item, ["kind"] = l.Kind.ToString(), ["quantity"] = Round(l.Quantity, 3), ["unit"] = l.Unit,
        ["usd"] = Round(l.Usd, digits), ["price"] = l.PriceKey, ["basis"] = l.Basis,
    })]);

    private static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.AwayFromZero);

    private static string Kind(CostKind kind) => kind.ToString().ToLowerInvariant();

    private static string Rate(double rps) => rps.ToString("#,0.##", Invariant);

    private static string Money(double usd, int digits = 2) => "$" + usd.ToString("N" + digits.ToString(Invariant), Invariant);
}
