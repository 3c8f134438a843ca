using System.Diagnostics;
using System.Text.Json;

namespace ECommerceAgents.Infra.Tests.Fixtures;

/// <summary>One unsuppressed cdk-nag finding, as <c>infra/nag/check.js</c> prints it.</summary>
public sealed record NagFinding(string Rule, string Level, string LogicalId, string ResourceType, string? CdkPath, string Template, string Message)
{
    public override string ToString() => $"{Rule} ({Level}) {LogicalId} [{ResourceType}] {CdkPath}: {Message}";
}

/// <summary>What one check.js run over several templates said: unsuppressed findings, per-template summaries, and the suppressions (or their items) nothing matched.</summary>
public sealed record NagReport(IReadOnlyList<NagFinding> Findings, IReadOnlyList<string> CheckedTemplates, IReadOnlyList<string> UnusedSuppressions);

/// <summary>
/// Runs the cdk-nag AwsSolutions check (<c>infra/nag/check.js</c>, Node.js) over synthesized templates with
/// <c>infra/nag/suppressions.json</c>, installing <c>infra/nag</c>'s pinned node_modules first when they are missing or
/// stale (<c>npm ci</c>, once per test run, under a file lock as <c>local/</c>'s prerequisites do for the emulators).
/// </summary>
public static class CdkNag
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static bool _installed;

    public static string NagRoot(string repositoryRoot) => Path.Combine(repositoryRoot, "infra", "nag");

    public static async Task<NagReport> RunAsync(string repositoryRoot, IReadOnlyList<string> templates, CancellationToken cancellationToken)
    {
        var node = Which("node") ?? throw new InvalidOperationException(
            "Node.js is not installed: the cdk-nag check (infra/nag/check.js) needs Node.js 18.12 or later. Install Node.js 20 (Debian: apt-get install -y nodejs npm).");
        await EnsureInstalledAsync(repositoryRoot, cancellationToken).ConfigureAwait(false);

        var nag = NagRoot(repositoryRoot);
        string[] arguments = [Path.Combine(nag, "check.js"), .. templates, "--suppressions", Path.Combine(nag, "suppressions.json"), "--json", "--fail-on-unused"];
        var (exit, stdout, stderr) = await RunAsync(node, arguments, repositoryRoot, cancellationToken).ConfigureAwait(false);
        if (exit is not (0 or 1))
        {
            throw new InvalidOperationException($"check.js failed (exit {exit}): {stderr.Trim()}");
        }

        var findings = new List<NagFinding>();
        var checkedTemplates = new List<string>();
        IReadOnlyList<string>? unused = null;
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.TryGetProperty("summary", out var summary))
            {
                if (summary.ValueKind == JsonValueKind.True) checkedTemplates.Add(root.GetProperty("template").GetString()!);
                else unused = [.. root.GetProperty("unusedSuppressions").EnumerateArray().Select(u => u.GetString()!)];
                continue;
            }

            findings.Add(new NagFinding(
                root.GetProperty("rule").GetString()!, root.GetProperty("level").GetString()!, root.GetProperty("logicalId").GetString()!,
                root.GetProperty("resourceType").GetString()!, root.TryGetProperty("cdkPath", out var p) ? p.GetString() : null,
                root.GetProperty("template").GetString()!, root.GetProperty("message").GetString()!));
        }

        return new NagReport(findings, checkedTemplates, unused ?? throw new InvalidOperationException($"check.js printed no overall summary: {stderr.Trim()}"));
    }

    /// <summary><c>npm ci --prefix infra/nag</c> unless its node_modules hold the versions package.json pins.</summary>
    public static async Task EnsureInstalledAsync(string repositoryRoot, CancellationToken cancellationToken)
    {
        await InstallGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_installed) return;
            var nag = NagRoot(repositoryRoot);
            // Other test runs (worktrees share nothing, but parallel runs in one checkout do) may install at the same time:
            // npm ci deletes node_modules first, so one installer at a time per folder.
            using (await FileLock.AcquireAsync(Path.Combine(nag, ".npm-ci.lock"), cancellationToken).ConfigureAwait(false))
            {
                if (!Installed(nag))
                {
                    var npm = Which("npm") ?? throw new InvalidOperationException("npm is missing: install Node.js 20 with npm (Debian: apt-get install -y nodejs npm), then npm ci --prefix infra/nag.");
                    var (exit, stdout, stderr) = await RunAsync(npm, ["ci", "--prefix", nag, "--no-audit", "--no-fund"], repositoryRoot, cancellationToken).ConfigureAwait(false);
                    if (exit != 0 || !Installed(nag))
                    {
                        throw new InvalidOperationException($"npm ci --prefix infra/nag failed ({exit}): {Last(stderr + stdout)}. Fix: npm ci --prefix infra/nag");
                    }
                }
            }

            _installed = true;
        }
        finally
        {
            InstallGate.Release();
        }
    }

    /// <summary>Every dependency package.json pins is in node_modules at exactly that version.</summary>
    private static bool Installed(string nag)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(nag, "package.json")));
        foreach (var dependency in manifest.RootElement.GetProperty("dependencies").EnumerateObject())
        {
            var installed = Path.Combine(nag, "node_modules", dependency.Name, "package.json");
            if (!File.Exists(installed)) return false;
            using var package = JsonDocument.Parse(File.ReadAllText(installed));
            if (package.RootElement.GetProperty("version").GetString() != dependency.Value.GetString()) return false;
        }

        return true;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string exe, IEnumerable<string> arguments, string workingDirectory, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{exe} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    private static string Last(string output) => output.Trim().Split('\n').LastOrDefault() ?? string.Empty;

    /// <summary>An exclusive lock on a file, held across processes until disposed (as local/'s InstallLock).</summary>
    private sealed class FileLock(FileStream stream) : IDisposable
    {
        public static async Task<FileLock> AcquireAsync(string path, CancellationToken cancellationToken)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException) when (attempt < 3000)
                {
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        public void Dispose() => stream.Dispose();
    }
}
