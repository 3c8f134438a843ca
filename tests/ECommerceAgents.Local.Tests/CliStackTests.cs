using System.Globalization;
using System.Text.Json;
using ECommerceAgents.Testing;
using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.Local.Tests;

/// <summary>The CLI's up / status / down, run as a user runs them, against a stack of their own.</summary>
public sealed class CliStackTests : IAsyncLifetime
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "eca-tests", $"cli-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
    private Dictionary<string, string> _env = null!;

    public ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_state);
        File.WriteAllText(Path.Combine(_state, "owner.pid"), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        _env = Cli.PrivateStackEnvironment(_state);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await Cli.RunAsync(_env, "down");
        TestStack.TryDelete(_state);
    }

    [Fact]
    public async Task Up_Twice_HarmlessLoopbackOnly_ThenDownLeavesNoProcess()
    {
        var first = await Cli.RunAsync(_env, "up");
        Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
        var pidsAfterFirst = Pids();

        var second = await Cli.RunAsync(_env, "up");
        Assert.True(second.ExitCode == 0, second.Stdout + second.Stderr);
        Assert.Equal(pidsAfterFirst, Pids());

        var status = await Cli.RunAsync(_env, "status");
        Assert.True(status.ExitCode == 0, status.Stdout + status.Stderr);
        foreach (var (server, variable) in new[] { ("dynamodb", LocalSettingNames.PortDynamoDb), ("kinesis", LocalSettingNames.PortKinesis), ("s3", LocalSettingNames.PortS3), ("redis", LocalSettingNames.PortRedis), ("postgres", LocalSettingNames.PortPostgres) })
        {
            Assert.Matches($@"{server}\s.*\s{_env[variable]}\s.*ready", status.Stdout);
        }

        var listeners = ListeningSockets();
        foreach (var port in new[] { LocalSettingNames.PortDynamoDb, LocalSettingNames.PortKinesis, LocalSettingNames.PortS3, LocalSettingNames.PortRedis, LocalSettingNames.PortPostgres }.Select(v => int.Parse(_env[v], CultureInfo.InvariantCulture)))
        {
            var bound = listeners.Where(l => l.Port == port).ToArray();
            Assert.NotEmpty(bound);
            Assert.All(bound, l => Assert.Equal("127.0.0.1", l.Address));
        }

        var down = await Cli.RunAsync(_env, "down");
        Assert.Equal(0, down.ExitCode);
        Assert.All(pidsAfterFirst.Values, pid => Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z", StringComparison.Ordinal), $"pid {pid} still runs"));
        var after = await Cli.RunAsync(_env, "status");
        Assert.Equal(1, after.ExitCode);
        Assert.DoesNotContain("ready", after.Stdout);
    }

    private Dictionary<string, int> Pids()
    {
        var pids = new Dictionary<string, int>();
        foreach (var file in Directory.GetFiles(Path.Combine(_state, "pids"), "*.pid"))
        {
            pids[Path.GetFileNameWithoutExtension(file)] = int.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);
        }

        var postmaster = Path.Combine(_state, "postgres", "data", "postmaster.pid");
        pids["postgres"] = int.Parse(File.ReadLines(postmaster).First(), CultureInfo.InvariantCulture);
        return pids;
    }

    /// <summary>Listening TCP sockets from /proc/net/tcp and tcp6 (what <c>ss -ltn</c> shows).</summary>
    private static List<(string Address, int Port)> ListeningSockets()
    {
        var result = new List<(string, int)>();
        foreach (var file in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            foreach (var line in File.ReadLines(file).Skip(1))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts[3] != "0A") continue; // LISTEN
                var local = parts[1].Split(':');
                var port = int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var address = local[0] switch
                {
                    "0100007F" => "127.0.0.1",
                    "00000000" => "0.0.0.0",
                    "00000000000000000000000000000000" => "::",
                    "00000000000000000000000001000000" => "::1",
                    var other => other,
                };
                result.Add((address, port));
            }
        }

        return result;
    }
}
