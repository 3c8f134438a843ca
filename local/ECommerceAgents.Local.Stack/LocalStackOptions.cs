using System.Net;
using System.Net.Sockets;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Stack;

/// <summary>Ports of the local servers. The defaults are fixed; each can be changed with an <c>ECA_PORT_*</c> variable.</summary>
public sealed record LocalPorts(int DynamoDb, int Kinesis, int S3, int Redis, int Postgres, int Firehose, int Api)
{
    public static LocalPorts Defaults { get; } = new(4567, 4568, 4569, 6380, 5433, 4573, 8080);

    public static LocalPorts FromEnvironment()
    {
        static int Port(string variable, int fallback) =>
            int.TryParse(Environment.GetEnvironmentVariable(variable), out var p) && p is > 0 and < 65536 ? p : fallback;

        var d = Defaults;
        return new LocalPorts(
            Port(LocalSettingNames.PortDynamoDb, d.DynamoDb), Port(LocalSettingNames.PortKinesis, d.Kinesis), Port(LocalSettingNames.PortS3, d.S3),
            Port(LocalSettingNames.PortRedis, d.Redis), Port(LocalSettingNames.PortPostgres, d.Postgres), Port(LocalSettingNames.PortFirehose, d.Firehose),
            Port(LocalSettingNames.PortApi, d.Api));
    }

    /// <summary>
    /// Free loopback ports, for a test run that must not collide with a developer's stack or another test run. They
    /// are drawn at random below the kernel's ephemeral range (32768 and up on Linux), which outgoing connections use
    /// for their own ends: a port found free there could be taken by a client socket before the server binds it.
    /// Redis also needs its port + 10000 for the cluster bus, so ports stay below 22000.
    /// </summary>
    public static LocalPorts Free()
    {
        var ports = new List<int>();
        while (ports.Count < 7)
        {
            var candidate = Random.Shared.Next(12000, 22000);
            if (ports.Contains(candidate) || !Bindable(candidate) || !Bindable(candidate + 10000)) continue;
            ports.Add(candidate);
        }

        return new LocalPorts(ports[0], ports[1], ports[2], ports[3], ports[4], ports[5], ports[6]);
    }

    private static bool Bindable(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

public sealed record LocalStackOptions
{
    /// <summary>Everything the servers keep (data, logs, pid files) lives under this one directory.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>The repository root: <c>local/node_modules</c> and <c>local/servers</c> are found from it.</summary>
    public required string RepositoryRoot { get; init; }

    public LocalPorts Ports { get; init; } = LocalPorts.Defaults;

    public string Prefix { get; init; } = "eca-local";

    public string Region { get; init; } = "us-east-1";

    /// <summary>Shards of the local events stream: more than one, so per-key ordering across shards is exercised.</summary>
    public int StreamShards { get; init; } = 2;

    /// <summary>
    /// Services that already run elsewhere (an endpoint from the environment, LocalStack in a container). A service
    /// with an endpoint here is used as it is and its local server is not started.
    /// </summary>
    public ServiceEndpoints? External { get; init; }

    /// <summary>Install what is missing (npm ci, apt-get install redis-server) instead of only reporting it.</summary>
    public bool InstallMissing { get; init; } = true;

    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    public const string PostgresPassword = "eca-local";

    /// <summary>Finds the repository root by walking up from <paramref name="start"/> to the folder holding ECommerceAgents.sln.</summary>
    public static string FindRepositoryRoot(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ECommerceAgents.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (the folder holding ECommerceAgents.sln). Run from inside the repository.");
    }
}
