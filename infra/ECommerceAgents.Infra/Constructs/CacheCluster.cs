using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ElastiCache;
using Constructs;
using ECommerceAgents.Infra.Constructs.Functions;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs;

public sealed class CacheClusterProps
{
    public required StageConfig Stage { get; init; }

    public required Network Network { get; init; }

    public required string Name { get; init; }
}

/// <summary>ElastiCache Serverless (Valkey, cluster mode, TLS always on) in the isolated subnets. Only functions that call <see cref="Connect"/> may reach it.</summary>
public sealed class CacheCluster : Construct
{
    public const int Port = 6379;
    public const int ReaderPort = 6380;

    public CacheCluster(Construct scope, string id, CacheClusterProps props) : base(scope, id)
    {
        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Network.Vpc,
            Description = "ElastiCache Serverless: ingress only from the functions that use Redis",
            AllowAllOutbound = false,
        });

        Cache = new CfnServerlessCache(this, "Cache", new CfnServerlessCacheProps
        {
            ServerlessCacheName = props.Name,
            Description = "Trending, recently viewed, co-views, recommendations and real-time counters",
            Engine = "valkey",
            MajorEngineVersion = "8",
            SecurityGroupIds = [SecurityGroup.SecurityGroupId],
            SubnetIds = props.Network.Vpc.SelectSubnets(props.Network.Isolated).SubnetIds,
            CacheUsageLimits = new CfnServerlessCache.CacheUsageLimitsProperty
            {
                DataStorage = new CfnServerlessCache.DataStorageProperty { Maximum = props.Stage.CacheMaxStorageGb, Unit = "GB" },
                EcpuPerSecond = new CfnServerlessCache.ECPUPerSecondProperty { Maximum = props.Stage.CacheMaxEcpuPerSecond },
            },
            SnapshotRetentionLimit = props.Stage.IsProduction ? 7 : 0,
        });
        Cache.ApplyRemovalPolicy(props.Stage.RemovalPolicy);
    }

    public CfnServerlessCache Cache { get; }

    public SecurityGroup SecurityGroup { get; }

    /// <summary>StackExchange.Redis configuration: <c>host:6379,ssl=true</c>. Serverless caches only speak TLS.</summary>
    public string ConnectionString => Fn.Join("", [Cache.AttrEndpointAddress, ":", Cache.AttrEndpointPort, ",ssl=true"]);

    public void Connect(PlatformFunction function)
    {
        var peer = function.SecurityGroup ?? throw new InvalidOperationException($"{function.Name} must run in the VPC to reach Redis.");
        SecurityGroup.AddIngressRule(peer, Amazon.CDK.AWS.EC2.Port.TcpRange(Port, ReaderPort), $"Redis from {function.Name}");
        function.Environment(ServiceEndpoints.RedisVariable, ConnectionString);
    }
}
