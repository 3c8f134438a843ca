using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ECommerceAgents.Local.Stack.Servers;

/// <summary>Starts detached server processes and stops them by pid, on Linux.</summary>
internal static partial class ProcessControl
{
    private const int SigTerm = 15;
    private const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>
    /// Starts <paramref name="command"/> in its own session (so a Ctrl-C in the terminal that ran <c>up</c> does not reach it),
    /// with output appended to <paramref name="logFile"/>. <c>setsid</c> and <c>exec</c> keep the pid the server's own.
    /// </summary>
    public static int StartDetached(string command, IReadOnlyList<string> arguments, string logFile, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
            RedirectStandardInput = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        psi.ArgumentList.Add("sh");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"exec \"$0\" \"$@\" >>\"${LocalSettingNames.ServerLog}\" 2>&1 </dev/null");
        psi.ArgumentList.Add(command);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment[LocalSettingNames.ServerLog] = logFile;
        if (environment is not null)
        {
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {command}.");
        return process.Id;
    }

    /// <summary>Runs a command to completion and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string command, IEnumerable<string> arguments, CancellationToken cancellationToken, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(command)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {command}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return (process.ExitCode, (await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false)));
    }

    /// <summary>True when the pid is a live process (not a zombie) whose command line contains <paramref name="marker"/>.</summary>
    public static bool IsAlive(int pid, string marker)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            if (afterName < 0 || afterName + 2 >= stat.Length || stat[afterName + 2] == 'Z')
            {
                return false;
            }

            var cmdline = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
            return cmdline.Contains(marker, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// True when the pid is gone or a zombie. Unlike <see cref="IsAlive"/> it does not read the command line, which is
    /// empty while the process execs, so it suits a process just started (its pid cannot have been recycled yet).
    /// </summary>
    public static bool HasExited(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var afterName = stat.LastIndexOf(')');
            return afterName < 0 || afterName + 2 >= stat.Length || stat[afterName + 2] == 'Z';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/> if the process is still there.</summary>
    public static async Task StopAsync(int pid, string marker, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (!IsAlive(pid, marker))
        {
            return;
        }

        _ = Kill(pid, SigTerm);
        var deadline = DateTime.UtcNow + grace;
        while (DateTime.UtcNow < deadline)
        {
            if (!IsAlive(pid, marker)) return;
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        _ = Kill(pid, SigKill);
        for (var i = 0; i < 100 && IsAlive(pid, marker); i++)
        {
            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    public static void KillNow(int pid) => _ = Kill(pid, SigKill);

    public static bool IsRoot => Environment.UserName == "root" || GetEuid() == 0;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    public static string? Which(string command)
    {
        if (command.Contains('/')) return File.Exists(command) ? command : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(':'))
        {
            var candidate = Path.Combine(dir, command);
            if (File.Exists(candidate)) return candidate;
        }

        return null;
    }
}
