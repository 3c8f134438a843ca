using System.Globalization;
using Npgsql;

namespace ECommerceAgents.Local.Stack.Servers;

/// <summary>
/// PostgreSQL 15 standing in for Redshift. It refuses to run as root, so as root it runs as the <c>postgres</c> user;
/// it listens on 127.0.0.1 with its socket under the state directory. Durability settings are relaxed: this is a local stand-in.
/// </summary>
public sealed class PostgresServer(int port, string stateDirectory, string binDirectory, string password)
    : LocalServer("postgres", port, stateDirectory)
{
    private string PgData => Path.Combine(DataDirectory, "data");

    private string SocketDirectory => Path.Combine(DataDirectory, "run");

    protected override string ProcessMarker => "postgres";

    public override string Endpoint => $"127.0.0.1:{Port}";

    public override TimeSpan ReadyTimeout => TimeSpan.FromSeconds(60);

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Password = password,
            Database = database,
            Pooling = true,
            MaxPoolSize = 20,
            Timeout = 5,
        }.ConnectionString;

    protected override int? ReadPid()
    {
        var pidFile = Path.Combine(PgData, "postmaster.pid");
        try
        {
            return File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    protected override (string, IReadOnlyList<string>) Command() => throw new NotSupportedException("pg_ctl starts PostgreSQL");

    protected override async Task LaunchAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(SocketDirectory);
        var asRoot = ProcessControl.IsRoot;
        if (asRoot)
        {
            EnsureReachableByPostgres();
            // pg_ctl runs as postgres and appends to the log itself.
            if (!File.Exists(LogFile)) await File.WriteAllTextAsync(LogFile, string.Empty, cancellationToken).ConfigureAwait(false);
            await RunAsync("chown", ["-R", "postgres:postgres", DataDirectory, LogFile], cancellationToken, asPostgres: false).ConfigureAwait(false);
        }

        if (!File.Exists(Path.Combine(PgData, "PG_VERSION")))
        {
            var passwordFile = Path.Combine(DataDirectory, "pwfile");
            await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken).ConfigureAwait(false);
            if (asRoot) await RunAsync("chown", ["postgres:postgres", passwordFile], cancellationToken, asPostgres: false).ConfigureAwait(false);
            await RunAsync(Path.Combine(binDirectory, "initdb"),
                ["-D", PgData, "-U", "postgres", "--pwfile", passwordFile, "--auth-host=scram-sha-256", "--auth-local=peer", "-E", "UTF8", "--locale=C", "--no-sync"],
                cancellationToken).ConfigureAwait(false);
            File.Delete(passwordFile);
        }

        var options = string.Join(' ',
            "-c listen_addresses=127.0.0.1",
            $"-c port={Port.ToString(CultureInfo.InvariantCulture)}",
            $"-c unix_socket_directories={SocketDirectory}",
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "-c max_connections=100 -c shared_buffers=128MB");
        await RunAsync(Path.Combine(binDirectory, "pg_ctl"), ["start", "-D", PgData, "-l", LogFile, "-w", "-t", "60", "-o", options], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As root, PostgreSQL runs as the postgres user, which must be able to traverse every folder above its data.</summary>
    private void EnsureReachableByPostgres()
    {
        if (!OperatingSystem.IsLinux()) return;
        for (var dir = new DirectoryInfo(DataDirectory).Parent; dir is not null; dir = dir.Parent)
        {
            var mode = File.GetUnixFileMode(dir.FullName);
            if ((mode & UnixFileMode.OtherExecute) != 0) continue;
            if (dir.FullName.StartsWith(StateDirectory, StringComparison.Ordinal))
            {
                File.SetUnixFileMode(dir.FullName, mode | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
                continue;
            }

            throw new InvalidOperationException($"postgres: PostgreSQL runs as the postgres user and cannot reach {dir.FullName}. Fix: chmod o+x {dir.FullName}, or choose a state directory elsewhere.");
        }
    }

    public override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("select 1", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))! == 1;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Pid is not null)
        {
            await RunAsync(Path.Combine(binDirectory, "pg_ctl"), ["stop", "-D", PgData, "-m", "fast", "-w", "-t", "30"], cancellationToken, check: false).ConfigureAwait(false);
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunAsync(string command, IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool asPostgres = true, bool check = true)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LogFile)!);
        var (cmd, args) = asPostgres && ProcessControl.IsRoot
            ? ("runuser", (IEnumerable<string>)["-u", "postgres", "--", command, .. arguments])
            : (command, arguments);
        var (exit, output) = await ProcessControl.RunAsync(cmd, args, cancellationToken, workingDirectory: "/").ConfigureAwait(false);
        if (check && exit != 0)
        {
            throw new InvalidOperationException($"postgres: {Path.GetFileName(command)} failed ({exit}): {output.Trim()}");
        }
    }
}
