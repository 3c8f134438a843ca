using System.CommandLine;
using ECommerceAgents.Local.Demo;
using Spectre.Console;

namespace ECommerceAgents.Local.Commands;

/// <summary><c>demo</c>: a seeded shop through the whole platform, then the books balanced. Exits 0 only when they balance.</summary>
internal static class DemoCommand
{
    private static readonly string[] Phases = ["stack", "catalog", "traffic", "drain", "batch", "privacy", "reconcile"];

    public static Command Create(Option<string?> state)
    {
        var defaults = new DemoOptions();
        var users = new Option<int>("--users") { Description = "Shoppers the generator simulates.", DefaultValueFactory = _ => defaults.Users };
        var events = new Option<int>("--events") { Description = "Events to generate (the default finishes in about a minute here).", DefaultValueFactory = _ => defaults.Events };
        var rate = new Option<double>("--rate") { Description = "Events per second through the API (0: as fast as it takes them).", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Generator seed: the same seed sends the same shop.", DefaultValueFactory = _ => defaults.Seed };
        var json = new Option<string?>("--json") { Description = "Where to write the JSON report (default: <state>/demo/report.json)." };
        var html = new Option<string?>("--html") { Description = "Where to write the HTML report (default: <state>/demo/report.html)." };
        var hold = new Option<int>("--hold") { Description = "Keep the API and the dashboard serving this many seconds after the report.", DefaultValueFactory = _ => 0 };
        var reconcile = new Option<string?>("--reconcile") { Description = "Only balance the books of a finished run (its id, as printed in the report), reading every store as it is now." };
        var chaos = new Option<bool>("--chaos") { Description = "Kill (SIGKILL) and restart each local server in turn during traffic and drain; the books must still balance." };
        var chaosOutage = new Option<double>("--chaos-outage") { Description = "Seconds each killed server stays down.", DefaultValueFactory = _ => new ChaosOptions().Outage.TotalSeconds };
        var chaosGap = new Option<double>("--chaos-gap") { Description = "Seconds before each kill.", DefaultValueFactory = _ => new ChaosOptions().Gap.TotalSeconds };
        var chaosServers = new Option<string>("--chaos-servers") { Description = "Servers to kill, comma-separated, in order.", DefaultValueFactory = _ => string.Join(",", ChaosOptions.AllServers) };
        var latency = new AwsLatencySwitch();
        var command = new Command("demo", "Run a seeded shop through the API, the stream, the functions and the batch on the local stack, and reconcile every store with what was sent.")
        {
            users, events, rate, seed, json, html, hold, reconcile, chaos, chaosOutage, chaosGap, chaosServers,
        };
        latency.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            var holdSeconds = parse.GetValue(hold);
            var options = new DemoOptions
            {
                Users = parse.GetValue(users), Events = parse.GetValue(events), Rate = parse.GetValue(rate), Seed = parse.GetValue(seed),
                DashboardPort = stack.Options.Ports.Api + 1,
                WhileServing = holdSeconds > 0 ? (_, dashboard) => HoldAsync(dashboard, holdSeconds, ct) : null,
                Chaos = parse.GetValue(chaos)
                    ? new ChaosOptions
                    {
                        Outage = TimeSpan.FromSeconds(parse.GetValue(chaosOutage)),
                        Gap = TimeSpan.FromSeconds(parse.GetValue(chaosGap)),
                        Servers = parse.GetValue(chaosServers)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                    }
                    : null,
            };
            if (options.Chaos is { } c && (c.Outage < TimeSpan.Zero || c.Gap < TimeSpan.Zero || c.Servers.Count == 0 || c.Servers.Except(ChaosOptions.AllServers).Any()))
            {
                throw new CliException($"--chaos-outage and --chaos-gap must be at least 0, and --chaos-servers a list of {string.Join(", ", ChaosOptions.AllServers)}", 2);
            }

            if (options.Events < 100) throw new CliException("--events must be at least 100", 2);
            if (options.Users < 1) throw new CliException("--users must be at least 1", 2);
            // A killed Redis restarts announcing its own port, and clients would leave the proxy: the two do not mix.
            if (options.Chaos is not null && latency.IsOn(parse)) throw new CliException("--chaos and --aws-latency cannot be combined", 2);
            await stack.UpAsync(ct);
            await latency.StartAsync(parse, stack, ct);
            var directory = Path.Combine(stack.Options.StateDirectory, "demo");
            if (parse.GetValue(reconcile) is { } runId)
            {
                var again = await DemoRun.ReconcileRunAsync(stack, runId, ct);
                again.Write(AnsiConsole.Console);
                await WriteReportsAsync(again, parse.GetValue(json) ?? Path.Combine(directory, "reconcile-" + runId + ".json"), parse.GetValue(html) ?? Path.Combine(directory, "reconcile-" + runId + ".html"), ct);
                return again.Balanced ? 0 : 1;
            }

            AnsiConsole.MarkupLine($"[grey]dashboard →[/] http://127.0.0.1:{options.DashboardPort}/dashboard [grey](while the demo runs; --hold N keeps it)[/]");
            Directory.CreateDirectory(directory);
            await using var functionLog = new StreamWriter(Path.Combine(directory, "functions.log"), append: false) { AutoFlush = true };

            DemoReport? report = null;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var tasks = new Dictionary<string, ProgressTask>(StringComparer.Ordinal);
                    foreach (var phase in options.Chaos is null ? Phases : [.. Phases[..3], "chaos", .. Phases[3..]])
                    {
                        tasks[phase] = progress.AddTask(phase, autoStart: false, maxValue: 1);
                    }

                    report = await DemoRun.RunAsync(stack, options, (phase, done, total, detail) =>
                    {
                        var task = tasks[phase];
                        if (!task.IsStarted) task.StartTask();
                        task.MaxValue = Math.Max(total, 1);
                        task.Value = done;
                        task.Description = $"{phase,-9} {Markup.Escape(detail)}";
                        if (done >= total) task.StopTask();
                    }, functionLog, ct);
                });

            report!.Write(AnsiConsole.Console);
            var jsonPath = parse.GetValue(json) ?? Path.Combine(directory, "report.json");
            var htmlPath = parse.GetValue(html) ?? Path.Combine(directory, "report.html");
            await WriteReportsAsync(report, jsonPath, htmlPath, ct);
            return report.Balanced ? 0 : 1;
        });
        return command;
    }

    private static async Task WriteReportsAsync(DemoReport report, string jsonPath, string htmlPath, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonPath))!);
        await File.WriteAllTextAsync(jsonPath, report.ToJson(), ct);
        await File.WriteAllTextAsync(htmlPath, report.ToHtml(), ct);
        AnsiConsole.MarkupLine($"[grey]report →[/] {Markup.Escape(jsonPath)} · {Markup.Escape(htmlPath)}");
    }

    private static async Task HoldAsync(Uri? dashboard, int seconds, CancellationToken ct)
    {
        await Console.Out.WriteLineAsync($"holding {seconds} s: {dashboard}");
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
