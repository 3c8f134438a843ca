using System.Globalization;

namespace ECommerceAgents.Local.Stack.Servers;

/// <summary>
/// redis-server as a one-node cluster that owns all 16384 slots, so a multi-key command across slots fails with
/// CROSSSLOT as it does on ElastiCache Serverless. ElastiCache Serverless keeps its data through a node's failure
/// (replicas in several zones), so the local node logs every write to an append-only file, fsynced before it
/// answers: a SIGKILL (the chaos demo) loses nothing it acknowledged. No snapshots.
/// </summary>
public sealed class RedisClusterServer(int port, string stateDirectory, string redisServer)
    : LocalServer("redis", port, stateDirectory)
{
    protected override string ProcessMarker => "redis-server";

    public override string Endpoint => $"127.0.0.1:{Port}";

    protected override (string, IReadOnlyList<string>) Command() =>
        (redisServer,
        [
            "--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--protected-mode", "yes",
            "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(DataDirectory, "nodes.conf"),
            // A lone node does not learn its own address, and would advertise ":port" in CLUSTER NODES/SLOTS; clients
            // then wait out their connect timeout on an empty host.
            "--cluster-announce-ip", "127.0.0.1",
            "--dir", DataDirectory, "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--logfile", "",
            // ElastiCache's default parameter group keeps hashes compact up to 128 fields; redis-server's built-in
            // default is 512. The dedup window sizes its hashes against what AWS runs.
            "--hash-max-listpack-entries", "128",
        ]);

    public override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        await using var resp = await Resp.ConnectAsync("127.0.0.1", Port, cancellationToken).ConfigureAwait(false);
        return await resp.CommandAsync(cancellationToken, "PING").ConfigureAwait(false) == "PONG";
    }

    /// <summary>Assigns every slot to this node (once; nodes.conf remembers it) and waits for <c>cluster_state:ok</c>.</summary>
    protected override async Task AfterReadyAsync(CancellationToken cancellationToken)
    {
        await using var resp = await Resp.ConnectAsync("127.0.0.1", Port, cancellationToken).ConfigureAwait(false);
        var info = await resp.CommandAsync(cancellationToken, "CLUSTER", "INFO").ConfigureAwait(false);
        if (info.Contains("cluster_slots_assigned:0", StringComparison.Ordinal))
        {
            var reply = await resp.CommandAsync(cancellationToken, "CLUSTER", "ADDSLOTSRANGE", "0", "16383").ConfigureAwait(false);
            if (reply.StartsWith('-')) throw new InvalidOperationException("redis: CLUSTER ADDSLOTSRANGE failed: " + reply);
        }

        // A latency simulation that ended without cleaning up (a killed CLI) may have left the node announcing its proxy.
        await AnnouncePortAsync(Port, 0, cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!(await resp.CommandAsync(cancellationToken, "CLUSTER", "INFO").ConfigureAwait(false)).Contains("cluster_state:ok", StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("redis: the cluster did not reach cluster_state:ok.");
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sets the client port the node announces in CLUSTER NODES/SLOTS and MOVED (0: its own). The AWS latency
    /// simulation announces its proxy's, so cluster-aware clients keep going through the proxy.
    /// </summary>
    public static async Task AnnouncePortAsync(int nodePort, int announcedPort, CancellationToken cancellationToken)
    {
        await using var resp = await Resp.ConnectAsync("127.0.0.1", nodePort, cancellationToken).ConfigureAwait(false);
        var reply = await resp.CommandAsync(cancellationToken, "CONFIG", "SET", "cluster-announce-port", announcedPort.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false);
        if (reply.StartsWith('-')) throw new InvalidOperationException("redis: CONFIG SET cluster-announce-port failed: " + reply);
    }
}
