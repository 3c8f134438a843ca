using System.Diagnostics;
using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.Testing;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the built CLI (<c>eca.dll</c>) as its own process, as a user would.</summary>
public static class Cli
{
    public static async Task<CliResult> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "eca.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = LocalStackOptions.FindRepositoryRoot(),
        };
        psi.ArgumentList.Add(dll);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["COLUMNS"] = "200";
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>An environment for a CLI stack of its own: a fresh state directory and free ports.</summary>
    public static Dictionary<string, string> PrivateStackEnvironment(string stateDirectory)
    {
        var ports = LocalPorts.Free();
        return new Dictionary<string, string>
        {
            [LocalSettingNames.StateDir] = stateDirectory,
            [LocalSettingNames.PortDynamoDb] = ports.DynamoDb.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [LocalSettingNames.PortKinesis] = ports.Kinesis.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [LocalSettingNames.PortS3] = ports.S3.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [LocalSettingNames.PortRedis] = ports.Redis.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [LocalSettingNames.PortPostgres] = ports.Postgres.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [LocalSettingNames.PortFirehose] = ports.Firehose.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [LocalSettingNames.PortApi] = ports.Api.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
