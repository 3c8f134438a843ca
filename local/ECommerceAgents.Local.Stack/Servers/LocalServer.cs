using System.Globalization;
using System.Net.Sockets;

namespace ECommerceAgents.Local.Stack.Servers;

public sealed record ServerStatus(string Name, string Endpoint, int Port, int? Pid, bool Running, bool Ready, string LogFile);

/// <summary>One local server: how to start it detached, how to tell it is ready, how to stop it. State and logs live under the stack's directory.</summary>
public abstract class LocalServer(string name, int port, string stateDirectory)
{
    public string Name { get; } = name;

    public int Port { get; } = port;

    protected string StateDirectory { get; } = stateDirectory;

    public string DataDirectory => Path.Combine(StateDirectory, Name);

    public string LogFile => Path.Combine(StateDirectory, "logs", Name + ".log");

    protected string PidFile => Path.Combine(StateDirectory, "pids", Name + ".pid");

    /// <summary>A string the server's command line contains, so a recycled pid is never mistaken for it.</summary>
    protected abstract string ProcessMarker { get; }

    public abstract string Endpoint { get; }

    public virtual TimeSpan ReadyTimeout => TimeSpan.FromSeconds(30);

    public int? Pid
    {
        get
        {
            var pid = ReadPid();
            return pid is { } p && ProcessControl.IsAlive(p, ProcessMarker) ? p : null;
        }
    }

    protected virtual int? ReadPid() =>
        File.Exists(PidFile) && int.TryParse(File.ReadAllText(PidFile).Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    /// <summary>Starts the server unless it already runs, then waits until it answers.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(DataDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(LogFile)!);
        Directory.CreateDirectory(Path.GetDirectoryName(PidFile)!);

        if (Pid is null)
        {
            if (await PortStillInUseAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"{Name}: port {Port} on 127.0.0.1 is taken by another process. Stop it, or choose another port with {LocalSettingNames.PortPrefix}{Name.ToUpperInvariant()}.");
            }

            await LaunchAsync(cancellationToken).ConfigureAwait(false);
        }

        await WaitReadyAsync(cancellationToken).ConfigureAwait(false);
        await AfterReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the process. The default runs <see cref="Command"/> detached and records its pid.</summary>
    protected virtual Task LaunchAsync(CancellationToken cancellationToken)
    {
        var (command, arguments) = Command();
        var pid = ProcessControl.StartDetached(command, arguments, LogFile);
        File.WriteAllText(PidFile, pid.ToString(CultureInfo.InvariantCulture));
        return Task.CompletedTask;
    }

    protected abstract (string Command, IReadOnlyList<string> Arguments) Command();

    /// <summary>A protocol-level probe, not just an open port.</summary>
    public abstract Task<bool> IsReadyAsync(CancellationToken cancellationToken);

    protected virtual Task AfterReadyAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual async Task StopAsync(CancellationToken cancellationToken)
    {
        if (ReadPid() is { } pid)
        {
            await ProcessControl.StopAsync(pid, ProcessMarker, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        }

        if (File.Exists(PidFile)) File.Delete(PidFile);
    }

    /// <summary>Kills the server at once, as a crash would (fault tests).</summary>
    public virtual void Kill()
    {
        if (Pid is { } pid) ProcessControl.KillNow(pid);
    }

    /// <summary>
    /// The server's process and readiness. A running server gets three probes of 2 s before it counts as not ready: on a
    /// loaded machine (the test projects run side by side on two cores) one probe can outlast its timeout.
    /// </summary>
    public async Task<ServerStatus> StatusAsync(CancellationToken cancellationToken)
    {
        var pid = Pid;
        var ready = false;
        for (var attempt = 0; pid is not null && !ready && attempt < 3; attempt++)
        {
            if (attempt > 0) await Task.Delay(250, cancellationToken).ConfigureAwait(false);
            ready = await SafeReadyAsync(cancellationToken).ConfigureAwait(false);
        }

        return new ServerStatus(Name, Endpoint, Port, pid, pid is not null, ready, LogFile);
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await SafeReadyAsync(cancellationToken).ConfigureAwait(false)) return;

            // Not Pid (which also matches the command line): while the launcher execs sh and then the server, the
            // process's /proc cmdline reads empty for a few milliseconds, and a live server would pass for a dead one.
            if (ReadPid() is { } pid && ProcessControl.HasExited(pid))
            {
                throw new InvalidOperationException($"{Name} exited during start-up. Its log ({LogFile}) ends with:\n{Tail(LogFile)}");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"{Name} did not become ready on port {Port} within {ReadyTimeout.TotalSeconds:0} s. Its log ({LogFile}) ends with:\n{Tail(LogFile)}");
    }

    private async Task<bool> SafeReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            probe.CancelAfter(TimeSpan.FromSeconds(2));
            return await IsReadyAsync(probe.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether something still answers on the port after a few seconds. A server just killed (the chaos and crash tests)
    /// is gone from the process table a moment before the kernel has torn down its listening socket, and on a loaded
    /// machine that moment is long enough to refuse the restart.
    /// </summary>
    private async Task<bool> PortStillInUseAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            if (!await PortInUseAsync(cancellationToken).ConfigureAwait(false)) return false;
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private async Task<bool> PortInUseAsync(CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        try
        {
            using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            probe.CancelAfter(TimeSpan.FromMilliseconds(300));
            await tcp.ConnectAsync("127.0.0.1", Port, probe.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    protected static string Tail(string file, int lines = 15)
    {
        try
        {
            return string.Join('\n', File.ReadLines(file).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
