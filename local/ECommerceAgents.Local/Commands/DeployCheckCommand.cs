using System.CommandLine;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Local.Deploy;
using Spectre.Console;

namespace ECommerceAgents.Local.Commands;

/// <summary><c>deploy-check</c>: synth, cfn-lint, runtime look-ahead and the IAM replay for every stage; exits 0 only when a deploy would go through.</summary>
internal static class DeployCheckCommand
{
    public static Command Create(Option<string?> state)
    {
        var stage = new Option<string>("--stage") { Description = "dev, prod, prod-quicksight, local or all.", DefaultValueFactory = _ => "all" };
        stage.AcceptOnlyFromAmong([.. DeployStage.All.Select(s => s.Name), "all"]);
        var calls = new Option<string[]>("--calls") { Description = "Recorded call logs to replay (default: <state>/iam/calls.jsonl, recorded by a short demo when missing).", AllowMultipleArgumentsPerToken = true };
        var record = new Option<bool>("--record") { Description = "Record a fresh call log first (a short demo and the API tour)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var command = new Command("deploy-check", "Rehearse a deploy without an AWS account: synthesize each stage with stub assets, run cfn-lint and the runtime look-ahead, replay the functions' recorded AWS calls against their IAM roles, and price the stage.")
        {
            stage, calls, record, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var root = StackContext.RepositoryRoot;
            var stateDirectory = StackContext.StateDirectory(parse.GetValue(state));
            var recordings = parse.GetValue(calls) is { Length: > 0 } given ? given.Select(Path.GetFullPath).ToList() : [Path.Combine(stateDirectory, "iam", "calls.jsonl")];
            var log = parse.GetValue(json) ? Console.Error : Console.Out;
            if (parse.GetValue(record) || !recordings.All(File.Exists))
            {
                await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
                await stack.UpAsync(ct);
                log.WriteLine($"recording the functions' AWS calls: a short demo and the API tour → {recordings[0]}");
                Directory.CreateDirectory(Path.Combine(stateDirectory, "iam"));
                await using var functionLog = new StreamWriter(Path.Combine(stateDirectory, "iam", "functions.log"), append: false);
                foreach (var step in await IamRecording.RecordAsync(stack, recordings[0], functionLog, ct)) log.WriteLine("  tour: " + step);
            }

            var stages = parse.GetValue(stage) is "all" or null ? DeployStage.All : DeployStage.All.Where(s => s.Name == parse.GetValue(stage)).ToList();
            var work = Path.Combine(stateDirectory, "deploy-check");
            var checks = await DeployCheck.RunAsync(root, stages, recordings, work, log, ct);
            var recorded = AwsCallLog.Read(recordings).Calls.Count;
            if (parse.GetValue(json))
            {
                Console.WriteLine(DeployCheck.ToJson(checks, recorded));
            }
            else
            {
                Render(checks, recorded);
            }

            return checks.All(c => c.Passed) ? 0 : 1;
        });
        return command;
    }

    private static void Render(IReadOnlyList<StageCheck> checks, int recorded)
    {
        var table = new Table().RoundedBorder().AddColumns("stage", "cfn-lint errors", "warnings (allowed)", "runtimes", "IAM requests (recorded)", "denied", "required missing", "unrouted", "unused grants", "functions", "resources", "$/month fixed · at 10 req/s", "");
        foreach (var c in checks)
        {
            table.AddRow(
                c.Stage.Name,
                c.Lint.Errors.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{c.Lint.Warnings.Count} ({c.Lint.Allowed.Count})",
                c.RuntimeProblems.Count == 0 ? "ok" : c.RuntimeProblems.Count + " problem(s)",
                $"{c.Iam.CallsChecked} ({c.Iam.RecordedCallsChecked})",
                (c.Iam.Denied.Count + c.Iam.Unresolved.Count).ToString(System.Globalization.CultureInfo.InvariantCulture),
                c.Iam.RequiredMissing.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                c.Unrouted.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                c.Iam.UnusedGrants.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{c.Iam.FunctionsCovered.Count}/{c.Iam.FunctionsInStage.Count}",
                c.Resources.Values.Sum().ToString(System.Globalization.CultureInfo.InvariantCulture),
                c.FixedMonthlyUsd is { } f ? $"{f:N0} · {c.MonthlyAt10RpsUsd:N0}" : "—",
                c.Passed ? "[green]ok[/]" : "[red]fails[/]");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]{recorded} distinct recorded calls replayed[/]");
        foreach (var c in checks.Where(c => !c.Passed))
        {
            foreach (var line in c.Lint.Errors.Concat(c.Lint.Warnings).Select(f => f.ToString()).Concat(c.RuntimeProblems)
                         .Concat(c.Iam.Denied.Select(d => $"denied: {d.Request.Function} {d.Request.Action} on {d.Request.Resource} ({d.Request.Evidence})"))
                         .Concat(c.Iam.Unresolved).Concat(c.Iam.RequiredMissing.Select(m => $"required, never exercised: {m.Function} {m.Action}"))
                         .Concat(c.Unrouted.Select(u => $"no route from the VPC: {u.Function} {u.Action} ({u.Why})")))
            {
                AnsiConsole.MarkupLine($"  [red]{Markup.Escape(c.Stage.Name)}[/] {Markup.Escape(line)}");
            }
        }
    }
}
