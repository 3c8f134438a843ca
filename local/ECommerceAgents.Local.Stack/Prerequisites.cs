using ECommerceAgents.Local.Stack.Servers;

namespace ECommerceAgents.Local.Stack;

/// <summary>
/// Finds (and, where allowed, installs) what the local stack needs: Node.js with the npm emulators, redis-server,
/// PostgreSQL; and Chromium for the dashboard's browser test.
/// </summary>
public sealed class Prerequisites(string repositoryRoot, bool installMissing, TextWriter? log = null)
{
    private readonly TextWriter _log = log ?? TextWriter.Null;

    public string LocalRoot => Path.Combine(repositoryRoot, "local");

    public string RedisServer { get; private set; } = ProcessControl.Which("redis-server") ?? "redis-server";

    public string PostgresBin { get; private set; } = FindPostgresBin() ?? string.Empty;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        // Test assemblies start in parallel: one installer at a time (npm ci and apt-get do not share a folder well).
        using var installLock = await InstallLock.AcquireAsync(Path.Combine(Path.GetTempPath(), "eca-install.lock"), cancellationToken).ConfigureAwait(false);
        var problems = new List<string>();

        if (ProcessControl.Which("node") is null || ProcessControl.Which("npm") is null)
        {
            problems.Add("Node.js and npm are missing: install Node.js 20 (Debian: apt-get install -y nodejs npm).");
        }
        else if (!EmulatorsInstalled())
        {
            if (installMissing)
            {
                _log.WriteLine("installing the npm emulators (npm ci in local/) …");
                var (exit, output) = await ProcessControl.RunAsync("npm", ["ci", "--no-audit", "--no-fund"], cancellationToken, LocalRoot).ConfigureAwait(false);
                if (exit != 0 || !EmulatorsInstalled())
                {
                    problems.Add($"npm ci in local/ failed ({exit}): {Last(output)}. Fix: cd local && npm ci");
                }
            }
            else
            {
                problems.Add("The npm emulators are not installed. Fix: cd local && npm ci");
            }
        }

        var redis = ProcessControl.Which("redis-server");
        if (redis is null && installMissing && CanApt)
        {
            _log.WriteLine("installing redis-server (apt-get) …");
            await AptInstallAsync("redis-server", cancellationToken).ConfigureAwait(false);
            redis = ProcessControl.Which("redis-server");
        }

        if (redis is null)
        {
            problems.Add("redis-server is missing. Fix: sudo apt-get update && sudo apt-get install -y redis-server");
        }
        else
        {
            RedisServer = redis;
        }

        var pg = FindPostgresBin();
        if (pg is null)
        {
            problems.Add("PostgreSQL 15 server binaries are missing. Fix: sudo apt-get install -y postgresql-15");
        }
        else
        {
            PostgresBin = pg;
        }

        if (ProcessControl.Which("setsid") is null)
        {
            problems.Add("setsid is missing (util-linux). Fix: sudo apt-get install -y util-linux");
        }

        if (problems.Count > 0)
        {
            throw new PrerequisiteException(problems);
        }
    }

    private static readonly SemaphoreSlim ChromiumGate = new(1, 1);
    private static string? _chromiumProblem;

    /// <summary>
    /// Debian's Chromium, which the dashboard's browser test drives: found on the PATH, or installed with apt-get when
    /// allowed (root, apt-get present). One install attempt per process, under the same cross-process lock as the
    /// other installs. The path, or null and why it cannot be had.
    /// </summary>
    public async Task<(string? Path, string? Problem)> EnsureChromiumAsync(CancellationToken cancellationToken)
    {
        if (ProcessControl.Which("chromium") is { } found) return (found, null);
        if (!installMissing) return (null, "chromium is missing. Fix: sudo apt-get install -y chromium");
        if (!CanApt) return (null, "chromium is missing and cannot be installed here (that takes root and apt-get). Fix: sudo apt-get install -y chromium");

        await ChromiumGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_chromiumProblem is null && ProcessControl.Which("chromium") is null)
            {
                using var installLock = await InstallLock.AcquireAsync(Path.Combine(Path.GetTempPath(), "eca-install.lock"), cancellationToken).ConfigureAwait(false);
                if (ProcessControl.Which("chromium") is null)
                {
                    _log.WriteLine("installing chromium (apt-get) …");
                    var failure = await AptInstallAsync("chromium", cancellationToken).ConfigureAwait(false);
                    if (ProcessControl.Which("chromium") is null)
                    {
                        _chromiumProblem = $"chromium is missing and apt-get install chromium failed: {failure ?? "still not on the PATH afterwards"}";
                    }
                }
            }

            return ProcessControl.Which("chromium") is { } installed ? (installed, null) : (null, _chromiumProblem);
        }
        finally
        {
            ChromiumGate.Release();
        }
    }

    private static bool CanApt => ProcessControl.IsRoot && ProcessControl.Which("apt-get") is not null;

    /// <summary>apt-get install, with the package lists updated and a second try when the first fails; null, or apt's last words.</summary>
    private static async Task<string?> AptInstallAsync(string package, CancellationToken cancellationToken)
    {
        var quiet = new Dictionary<string, string> { ["DEBIAN_FRONTEND"] = "noninteractive" };
        var (exit, output) = await ProcessControl.RunAsync("apt-get", ["install", "-y", "-qq", package], cancellationToken, environment: quiet).ConfigureAwait(false);
        if (exit == 0) return null;
        await ProcessControl.RunAsync("apt-get", ["update", "-qq"], cancellationToken).ConfigureAwait(false);
        (exit, output) = await ProcessControl.RunAsync("apt-get", ["install", "-y", "-qq", package], cancellationToken, environment: quiet).ConfigureAwait(false);
        return exit == 0 ? null : Last(output);
    }

    private static readonly string[] EmulatorEntryPoints = ["dynalite/cli.js", "kinesalite/index.js", "s3rver/bin/s3rver.js", "chart.js/dist/chart.umd.min.js", "@segment/analytics-node/package.json"];

    private bool EmulatorsInstalled() =>
        EmulatorEntryPoints.All(f => File.Exists(Path.Combine(LocalRoot, "node_modules", f)));

    private static string? FindPostgresBin()
    {
        if (Environment.GetEnvironmentVariable(LocalSettingNames.PostgresBin) is { Length: > 0 } configured && File.Exists(Path.Combine(configured, "initdb")))
        {
            return configured;
        }

        var root = "/usr/lib/postgresql";
        if (Directory.Exists(root))
        {
            foreach (var version in Directory.GetDirectories(root).OrderByDescending(d => d, StringComparer.Ordinal))
            {
                var bin = Path.Combine(version, "bin");
                if (File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl"))) return bin;
            }
        }

        return ProcessControl.Which("initdb") is { } initdb ? Path.GetDirectoryName(initdb) : null;
    }

    private static string Last(string output) => output.Trim().Split('\n').LastOrDefault() ?? string.Empty;
}

/// <summary>An exclusive lock on a file, held across processes until disposed.</summary>
internal sealed class InstallLock(FileStream stream) : IDisposable
{
    public static async Task<InstallLock> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new InstallLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (attempt < 6000)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => stream.Dispose();
}

public sealed class PrerequisiteException(IReadOnlyList<string> problems)
    : Exception("The local stack cannot start:\n  - " + string.Join("\n  - ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
