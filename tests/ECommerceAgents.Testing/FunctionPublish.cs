using System.Diagnostics;
using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.Testing;

/// <summary>
/// `dotnet publish` of a function as it ships (Release, native AOT, linux-x64), one at a time in this test process:
/// two publishes building the same libraries into the same obj/ and bin/ at once race on their copies (MSBuild's
/// MSB3026 "could not copy, retrying"), and the AOT tests fail on any warning.
/// </summary>
public static class FunctionPublish
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    /// <summary>Publishes <c>functions/ECommerceAgents.Functions.{function}</c> into <paramref name="output"/>; returns the build's output.</summary>
    public static async Task<string> RunAsync(string function, string output)
    {
        await OneAtATime.WaitAsync().ConfigureAwait(false);
        try
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = LocalStackOptions.FindRepositoryRoot() };
            // Without the Roslyn analyzers: they only report (the solution's build already enforced them, warnings as
            // errors) and change nothing in the binary, and they are a fifth of a publish's time on two cores. The
            // trimming and AOT warnings the tests look for come from the ILC compiler, which runs as it ships.
            foreach (var a in new[] { "publish", $"functions/ECommerceAgents.Functions.{function}", "-c", "Release", "-r", "linux-x64", "-o", output, "--nologo", "-p:RunAnalyzers=false" }) psi.ArgumentList.Add(a);
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().ConfigureAwait(false);
            return await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false);
        }
        finally
        {
            OneAtATime.Release();
        }
    }
}
