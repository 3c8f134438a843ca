using System.Collections.Concurrent;
using System.Diagnostics;
using ECommerceAgents.Local.Stack.Servers;

namespace ECommerceAgents.Local.Demo;

/// <summary>What <c>demo --chaos</c> does to the servers: which, how long each stays down, and the pause between them.</summary>
public sealed record ChaosOptions
{
    /// <summary>Every local server, in the order they are killed.</summary>
    public static IReadOnlyList<string> AllServers { get; } = ["dynamodb", "kinesis", "s3", "redis", "postgres", "firehose"];

    public IReadOnlyList<string> Servers { get; init; } = AllServers;

    /// <summary>How long a killed server stays down before it is started again.</summary>
    public TimeSpan Outage { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The pause before each kill (after the previous server is back).</summary>
    public TimeSpan Gap { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>One kill: the server, its pid before and after, when (seconds since traffic started) it was killed, restarted and ready, and in which phase.</summary>
public sealed record ChaosKill(string Server, string Phase, int? Pid, int? NewPid, double KilledAt, double RestartedAt, double ReadyAt, int StartAttempts);

/// <summary>The retries the clients made to ride out the kills.</summary>
public sealed record ChaosRetries
{
    /// <summary>The generator's API retries (same Idempotency-Key), by reason: a status code or an exception type.</summary>
    public IReadOnlyDictionary<string, long> ApiByReason { get; init; } = new Dictionary<string, long>();

    public long Api { get; init; }

    public long ApiRetriedEvents { get; init; }

    /// <summary>The Kinesis event source's redeliveries of StreamProcessor batches (Lambda's retries).</summary>
    public long StreamProcessorRetries { get; init; }

    public long StreamProcessorFunctionErrors { get; init; }

    public long StreamProcessorPartialFailures { get; init; }

    public long StreamProcessorBisections { get; init; }

    /// <summary>Records given up to the on-failure destination: must be 0, or they would be missing from the stores.</summary>
    public long RecordsSentToOnFailure { get; init; }

    /// <summary>Real-time batches StreamProcessor deferred while Redis was down and the rebuild replayed afterwards.</summary>
    public int RealtimeBatchesReplayed { get; init; }
}

/// <summary>The chaos section of a demo report.</summary>
public sealed record DemoChaos(double OutageSeconds, double GapSeconds, IReadOnlyList<ChaosKill> Kills, ChaosRetries Retries)
{
    /// <summary>What the chaos run itself must show: every server killed and back, and nothing given up by the event source.</summary>
    public IEnumerable<DemoCheck> Checks(IReadOnlyList<string> servers)
    {
        var killed = Kills.Where(k => k.NewPid is not null && k.NewPid != k.Pid).Select(k => k.Server).ToArray();
        yield return new DemoCheck("chaos", "servers killed (SIGKILL) and restarted", string.Join(", ", servers), string.Join(", ", killed), killed.SequenceEqual(servers, StringComparer.Ordinal));
        yield return new DemoCheck("chaos", "records given up to the on-failure destination", "0", Retries.RecordsSentToOnFailure.ToString(System.Globalization.CultureInfo.InvariantCulture), Retries.RecordsSentToOnFailure == 0);
    }
}

/// <summary>
/// Kills the local servers one after another with SIGKILL while the demo runs, keeps each down for the outage, and
/// starts it again as <c>eca up</c> would (same data directory, same port), waiting until it answers.
/// </summary>
internal sealed class ChaosSchedule(IReadOnlyList<LocalServer> servers, ChaosOptions options, Func<string> phase, DemoProgress progress)
{
    private readonly ConcurrentQueue<ChaosKill> _kills = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public IReadOnlyList<ChaosKill> Kills => [.. _kills];

    public async Task RunAsync(CancellationToken ct)
    {
        for (var i = 0; i < servers.Count; i++)
        {
            var server = servers[i];
            await Task.Delay(options.Gap, ct).ConfigureAwait(false);
            var pid = server.Pid ?? throw new CliException($"chaos: {server.Name} is not running, so it cannot be killed", 1);
            var killedAt = _clock.Elapsed.TotalSeconds;
            var during = phase();
            progress("chaos", i, servers.Count, $"SIGKILL {server.Name} (pid {pid}) during {during}");
            server.Kill();
            for (var w = 0; w < 200 && server.Pid is not null; w++) await Task.Delay(25, ct).ConfigureAwait(false);
            await Task.Delay(options.Outage, ct).ConfigureAwait(false);
            var restartedAt = _clock.Elapsed.TotalSeconds;
            progress("chaos", i, servers.Count, $"restarting {server.Name}");
            var attempts = 0;
            while (true)
            {
                attempts++;
                try
                {
                    await server.StartAsync(ct).ConfigureAwait(false);
                    break;
                }
                catch (Exception ex) when (ex is InvalidOperationException or TimeoutException && attempts < 10)
                {
                    // PostgreSQL refuses to start while the killed postmaster's backends still hold its shared memory.
                    await Task.Delay(1000, ct).ConfigureAwait(false);
                }
            }

            _kills.Enqueue(new ChaosKill(server.Name, during, pid, server.Pid, Math.Round(killedAt, 1), Math.Round(restartedAt, 1), Math.Round(_clock.Elapsed.TotalSeconds, 1), attempts));
        }

        progress("chaos", servers.Count, servers.Count, $"{servers.Count} servers killed and restarted");
    }
}
