using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Local.Benchmarks;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.Lambda;

namespace ECommerceAgents.Local.Commands;

internal static class BenchCommands
{
    public static Command Create(Option<string?> state)
    {
        var command = new Command("bench", "Benchmarks that print figures (JSON with --json).");
        command.Subcommands.Add(Coldstart(state));
        command.Subcommands.Add(StreamBench.Create(state));
        command.Subcommands.Add(CatalogBench.Create(state));
        command.Subcommands.Add(BatchBench.Create(state));
        command.Subcommands.Add(ApiBench.Create(state));
        command.Subcommands.Add(SoakBench.Create(state));
        return command;
    }

    private static Command Coldstart(Option<string?> state)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var samples = new Option<int>("--samples") { Description = "Process starts to measure.", DefaultValueFactory = _ => 20 };
        var binary = new Option<string?>("--binary") { Description = "The bootstrap to start (default: artifacts/functions/StreamProcessor/bootstrap, published if missing)." };
        var command = new Command("coldstart", "Time the native AOT StreamProcessor bootstrap from process start to its first Runtime API `next`, clients constructed (median of the samples).")
        {
            json, samples, binary,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            var path = parse.GetValue(binary) ?? await FunctionAssets.EnsurePublishedAsync(stack.Options.RepositoryRoot, "StreamProcessor", ct);
            var environment = LocalFunctions.Environment(stack);
            var timings = new List<double>();
            for (var i = 0; i < parse.GetValue(samples); i++)
            {
                await using var api = await RuntimeApiDouble.StartAsync(ct);
                var psi = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var (k, v) in environment.Settings) psi.Environment[k] = v;
                psi.Environment["AWS_LAMBDA_RUNTIME_API"] = api.Address;
                psi.Environment["AWS_LAMBDA_FUNCTION_NAME"] = "StreamProcessor";
                var started = Stopwatch.GetTimestamp();
                using var process = Process.Start(psi)!;
                var first = await api.FirstNext.WaitAsync(TimeSpan.FromSeconds(30), ct);
                timings.Add(Stopwatch.GetElapsedTime(started, first).TotalMilliseconds);
                process.Kill();
                await process.WaitForExitAsync(ct);
            }

            var result = new JsonObject { ["function"] = "StreamProcessor" };
            BenchFigure.Of(timings).WriteTo(result, "initMs", 1);
            result["samples"] = timings.Count;
            result["binaryBytes"] = new FileInfo(path).Length;
            result["binary"] = path;
            result["measures"] = "process start to the first GET /runtime/invocation/next, after the DynamoDB, S3, Firehose and Redis clients are constructed (Redis connected) and the pseudonymisation key is read";
            result["excludes"] = "AWS credential resolution (lazy: on the first signed request), the first invocation's JIT-free but cold code paths, Lambda's own sandbox and extension start-up";
            Console.WriteLine(parse.GetValue(json) ? result.ToJsonString() : result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }
}

/// <summary>Where published function binaries live, and publishing them when they are missing.</summary>
internal static class FunctionAssets
{
    public static async Task<string> EnsurePublishedAsync(string root, string function, CancellationToken cancellationToken)
    {
        var output = Path.Combine(root, "artifacts", "functions", function);
        var bootstrap = Path.Combine(output, "bootstrap");
        if (File.Exists(bootstrap)) return bootstrap;
        await Console.Error.WriteLineAsync($"publishing {function} as native AOT (about a minute) …");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var a in new[] { "publish", $"functions/ECommerceAgents.Functions.{function}", "-c", "Release", "-r", "linux-x64", "-o", output, "--nologo" }) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var log = await process.StandardOutput.ReadToEndAsync(cancellationToken) + await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 || !File.Exists(bootstrap))
        {
            throw new CliException($"publishing {function} failed ({process.ExitCode.ToString(CultureInfo.InvariantCulture)}): {log.Split('\n').LastOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))}", 1);
        }

        return bootstrap;
    }
}
