using Amazon.CDK;
using Amazon.CDK.AWS.Logs;

namespace ECommerceAgents.Infra;

/// <summary>What a stage changes: removal policies, retention, sizes and which services exist.</summary>
public sealed record StageConfig
{
    public required StageName Name { get; init; }

    public required RemovalPolicy RemovalPolicy { get; init; }

    /// <summary>Empty buckets on stack deletion (CDK's auto-delete custom resource). Never in prod.</summary>
    public required bool AutoDeleteObjects { get; init; }

    public required RetentionDays LogRetention { get; init; }

    public required int KinesisRetentionHours { get; init; }

    public required bool TableDeletionProtection { get; init; }

    /// <summary>VPC, ElastiCache, OpenSearch, Redshift, Glue and the two API functions. Off for LocalStack.</summary>
    public required bool VpcServices { get; init; }

    /// <summary>REST API, WAF and the functions behind the Web Adapter layer. Off for LocalStack (layers are a paid LocalStack feature).</summary>
    public required bool PublicApi { get; init; }

    /// <summary>The Parameters and Secrets extension layer; off for LocalStack, where functions read a development key.</summary>
    public required bool SecretsExtension { get; init; }

    public required SearchSize Search { get; init; }

    public required int RedshiftBaseRpu { get; init; }

    public required int RedshiftMaxRpu { get; init; }

    public required int CacheMaxStorageGb { get; init; }

    public required int CacheMaxEcpuPerSecond { get; init; }

    public required ApiLimits Api { get; init; }

    public bool IsLocal => Name == StageName.Local;

    public static StageConfig For(StageName stage) => stage switch
    {
        StageName.Dev => new StageConfig
        {
            Name = stage,
            RemovalPolicy = RemovalPolicy.DESTROY,
            AutoDeleteObjects = true,
            LogRetention = RetentionDays.TWO_WEEKS,
            KinesisRetentionHours = 24,
            TableDeletionProtection = false,
            VpcServices = true,
            PublicApi = true,
            SecretsExtension = true,
            Search = new SearchSize(DataNodes: 1, DataNodeType: "t3.small.search", MasterNodes: 0, MasterNodeType: null, VolumeGb: 10),
            RedshiftBaseRpu = 8,
            RedshiftMaxRpu = 16,
            CacheMaxStorageGb = 1,
            CacheMaxEcpuPerSecond = 5_000,
            Api = new ApiLimits(RatePerSecond: 50, Burst: 100, WafRequestsPer5MinPerIp: 2_000, WafRequestsPer5MinPerKey: 15_000, StreamConcurrency: 10),
        },
        StageName.Prod => new StageConfig
        {
            Name = stage,
            RemovalPolicy = RemovalPolicy.RETAIN,
            AutoDeleteObjects = false,
            LogRetention = RetentionDays.SIX_MONTHS,
            KinesisRetentionHours = 168,
            TableDeletionProtection = true,
            VpcServices = true,
            PublicApi = true,
            SecretsExtension = true,
            Search = new SearchSize(DataNodes: 2, DataNodeType: "r6g.large.search", MasterNodes: 3, MasterNodeType: "m6g.large.search", VolumeGb: 100),
            RedshiftBaseRpu = 32,
            RedshiftMaxRpu = 128,
            CacheMaxStorageGb = 10,
            CacheMaxEcpuPerSecond = 50_000,
            Api = new ApiLimits(RatePerSecond: 2_000, Burst: 4_000, WafRequestsPer5MinPerIp: 20_000, WafRequestsPer5MinPerKey: 600_000, StreamConcurrency: 100),
        },
        StageName.Local => new StageConfig
        {
            Name = stage,
            RemovalPolicy = RemovalPolicy.DESTROY,
            AutoDeleteObjects = true,
            LogRetention = RetentionDays.ONE_WEEK,
            KinesisRetentionHours = 24,
            TableDeletionProtection = false,
            VpcServices = false,
            PublicApi = false,
            SecretsExtension = false,
            Search = new SearchSize(DataNodes: 0, DataNodeType: "none", MasterNodes: 0, MasterNodeType: null, VolumeGb: 0),
            RedshiftBaseRpu = 0,
            RedshiftMaxRpu = 0,
            CacheMaxStorageGb = 0,
            CacheMaxEcpuPerSecond = 0,
            Api = new ApiLimits(RatePerSecond: 50, Burst: 100, WafRequestsPer5MinPerIp: 2_000, WafRequestsPer5MinPerKey: 15_000, StreamConcurrency: 10),
        },
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "Unknown stage."),
    };
}

public sealed record SearchSize(int DataNodes, string DataNodeType, int MasterNodes, string? MasterNodeType, int VolumeGb);

/// <summary>
/// API Gateway stage throttling; WAF rate limits per client IP and per API key (requests per 5 minutes, the key read
/// from the <c>x-api-key</c> or <c>Authorization</c> header); the most recommendation streams open at once (each one is a
/// running ApiStream invocation).
/// </summary>
public sealed record ApiLimits(int RatePerSecond, int Burst, int WafRequestsPer5MinPerIp, int WafRequestsPer5MinPerKey, int StreamConcurrency);
