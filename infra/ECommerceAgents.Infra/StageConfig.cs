using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using ECommerceAgents.Resources;

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

    /// <summary>
    /// X-Ray sampling. Null: functions trace actively (Lambda samples 1 request a second and 5 % of the rest; that rate
    /// cannot be configured) and API Gateway follows X-Ray's default rule. Set: a sampling rule for the REST API stage at a
    /// fixed rate, and functions in pass-through mode, so a function traces only what its caller sampled.
    /// </summary>
    public required XRaySampling? Sampling { get; init; }

    /// <summary>Who adds the processed zone's partitions to the Glue Data Catalog: hourly crawlers, or BatchLoader as it writes them.</summary>
    public required CatalogUpdates CatalogUpdates { get; init; }

    /// <summary>Where clients reach the API: API Gateway only, or also an ALB in front of the same app on ECS Fargate.</summary>
    public required FrontDoor FrontDoor { get; init; }

    /// <summary>The Fargate service behind the ALB; required when <see cref="FrontDoor"/> includes the ALB.</summary>
    public required ContainerService? Container { get; init; }

    /// <summary>Provisioned capacity with auto scaling for the hot tables named; null: every table on demand.</summary>
    public required DynamoDbCapacity? ProvisionedTables { get; init; }

    /// <summary>Shards of a provisioned events stream; null: on demand.</summary>
    public required int? KinesisShards { get; init; }

    public bool IsLocal => Name == StageName.Local;

    /// <summary>A stage that serves a shop (prod, small): alarms treat missing data as breaching, the cache keeps snapshots, the stack is termination-protected.</summary>
    public bool IsProduction => Name is StageName.Prod or StageName.Small;

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
            Sampling = null,
            CatalogUpdates = CatalogUpdates.Crawlers,
            FrontDoor = FrontDoor.ApiGateway,
            Container = null,
            ProvisionedTables = null,
            KinesisShards = null,
        },
        StageName.Small => new StageConfig
        {
            Name = stage,
            RemovalPolicy = RemovalPolicy.RETAIN,
            AutoDeleteObjects = false,
            LogRetention = RetentionDays.SIX_MONTHS,
            // The raw archive in S3 (Firehose) is the replay source beyond a day; longer stream retention bills per shard-hour.
            KinesisRetentionHours = 24,
            TableDeletionProtection = true,
            VpcServices = true,
            PublicApi = true,
            SecretsExtension = true,
            // Two small data nodes in two AZs, one replica per shard, no dedicated masters: an AZ or node loss loses no data
            // and reads go on from the replica, but with two master-eligible nodes the cluster may have no elected master
            // (no writes, no index changes) until OpenSearch replaces the lost node.
            Search = new SearchSize(DataNodes: 2, DataNodeType: "t3.small.search", MasterNodes: 0, MasterNodeType: null, VolumeGb: 10),
            // 4 RPU is the smallest base Redshift Serverless accepts (for up to 32 TB of managed storage; 8 and up in steps
            // of 8): https://docs.aws.amazon.com/redshift/latest/mgmt/serverless-capacity.html
            RedshiftBaseRpu = 4,
            RedshiftMaxRpu = 8,
            // The cap holds the dedup window at the API's rate limit (100 requests/s of 10 events: 1.1 GB of markers at 10 B each) and
            // the real-time data: at the cap ElastiCache evicts keys with a TTL, and the window would shrink unseen.
            CacheMaxStorageGb = 4,
            CacheMaxEcpuPerSecond = 5_000,
            Api = new ApiLimits(RatePerSecond: 100, Burst: 200, WafRequestsPer5MinPerIp: 2_000, WafRequestsPer5MinPerKey: 30_000, StreamConcurrency: 10),
            // 1 % of API requests, no reservoir: about 0.1 traces a second at 10 requests a second.
            Sampling = new XRaySampling(FixedRate: 0.01, ReservoirPerSecond: 0),
            CatalogUpdates = CatalogUpdates.BatchLoader,
            FrontDoor = FrontDoor.ApiGateway,
            Container = null,
            ProvisionedTables = DynamoDbCapacity.SmallHotTables,
            // Two provisioned shards (2,000 records/s in, 20 times the steady rate) cost less than an on-demand stream's
            // hourly charge alone, and bill PUT units instead of per-GB ingest.
            KinesisShards = 2,
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
            // The dedup window at the API's rate limit (2,000 requests/s of 10 events: 22 GB of markers at 10 B each) and the real-time
            // data; billed by what is stored, so the cap costs nothing until it is used.
            CacheMaxStorageGb = 64,
            CacheMaxEcpuPerSecond = 50_000,
            Api = new ApiLimits(RatePerSecond: 2_000, Burst: 4_000, WafRequestsPer5MinPerIp: 20_000, WafRequestsPer5MinPerKey: 600_000, StreamConcurrency: 100),
            Sampling = null,
            CatalogUpdates = CatalogUpdates.Crawlers,
            FrontDoor = FrontDoor.ApiGatewayAndAlb,
            Container = new ContainerService(Cpu: 1024, MemoryMiB: 2048, MinTasks: 2, MaxTasks: 20, CpuTargetPercent: 60),
            ProvisionedTables = DynamoDbCapacity.ProdHotTables,
            // 16 MB/s and 16,000 records/s in. UpdateShardCount (provisioned streams only) at most doubles or halves the
            // count per call, and AWS limits how many scalings a stream gets per rolling 24 hours.
            KinesisShards = 16,
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
            Sampling = null,
            CatalogUpdates = CatalogUpdates.Crawlers,
            FrontDoor = FrontDoor.ApiGateway,
            Container = null,
            ProvisionedTables = null,
            KinesisShards = null,
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

/// <summary>A fixed-rate X-Ray sampling rule: the share of requests traced, and how many a second are traced first whatever the rate.</summary>
public sealed record XRaySampling(double FixedRate, int ReservoirPerSecond);

/// <summary>How the processed zone's partitions reach the Glue Data Catalog.</summary>
public enum CatalogUpdates
{
    /// <summary>A workflow's hourly trigger runs the enriched, logs and processed crawlers; their success starts BatchLoader.</summary>
    Crawlers,

    /// <summary>
    /// BatchLoader registers each partition it writes (Glue BatchCreatePartition). The crawlers exist but run only when
    /// started by hand (the enriched and logs zones' tables); the schedule starts BatchLoader.
    /// </summary>
    BatchLoader,
}

/// <summary>The API's entry points. API Gateway is always there; the ALB is for steady high rates.</summary>
public enum FrontDoor
{
    ApiGateway,

    /// <summary>API Gateway, and an ALB in front of the same Kestrel app on ECS Fargate, both behind the WAF.</summary>
    ApiGatewayAndAlb,
}

/// <summary>The Fargate service: task size (CPU units, MiB), task count range, and the average CPU it scales to.</summary>
public sealed record ContainerService(int Cpu, int MemoryMiB, int MinTasks, int MaxTasks, int CpuTargetPercent);

/// <summary>Read and write capacity units a provisioned table scales between.</summary>
public sealed record TableCapacity(string TableId, int MinRead, int MaxRead, int MinWrite, int MaxWrite);

/// <summary>
/// Provisioned tables with target-tracking auto scaling on reads and writes. The tables not named stay on demand.
/// </summary>
public sealed record DynamoDbCapacity(int TargetUtilizationPercent, IReadOnlyList<TableCapacity> Tables)
{
    /// <summary>
    /// Prod: the tables written or read for every event or request (idempotency claims, sessions, profiles, product
    /// counters, stream watermarks, the consent and subject keys StreamProcessor reads for each batch's subjects, which
    /// the Api also writes, and the identity links and orders, whose indexes bill a write each; the indexes get the
    /// table's bounds). On demand stay the ones whose traffic comes in bursts or rarely: the catalog (bulk imports), API
    /// keys, audit, tombstones.
    /// </summary>
    public static DynamoDbCapacity ProdHotTables { get; } = new(70,
    [
        new TableCapacity(Resources.Tables.Dedup.Id, MinRead: 50, MaxRead: 10_000, MinWrite: 500, MaxWrite: 40_000),
        new TableCapacity(Resources.Tables.Sessions.Id, MinRead: 200, MaxRead: 20_000, MinWrite: 200, MaxWrite: 20_000),
        new TableCapacity(Resources.Tables.Profiles.Id, MinRead: 200, MaxRead: 20_000, MinWrite: 200, MaxWrite: 20_000),
        new TableCapacity(Resources.Tables.ProductStats.Id, MinRead: 50, MaxRead: 10_000, MinWrite: 100, MaxWrite: 10_000),
        new TableCapacity(Resources.Tables.Watermarks.Id, MinRead: 20, MaxRead: 2_000, MinWrite: 20, MaxWrite: 2_000),
        new TableCapacity(Resources.Tables.Consent.Id, MinRead: 50, MaxRead: 10_000, MinWrite: 5, MaxWrite: 1_000),
        new TableCapacity(Resources.Tables.SubjectKeys.Id, MinRead: 50, MaxRead: 10_000, MinWrite: 20, MaxWrite: 2_000),
        new TableCapacity(Resources.Tables.Identities.Id, MinRead: 20, MaxRead: 5_000, MinWrite: 20, MaxWrite: 5_000),
        new TableCapacity(Resources.Tables.Orders.Id, MinRead: 10, MaxRead: 2_000, MinWrite: 10, MaxWrite: 5_000),
    ]);

    /// <summary>
    /// Small: the same hot tables, sized for about 10 requests/s of 10 events (the steady load) up to the stage's API limit
    /// of 100 requests/s: at 10 requests/s the tables average about 60 write and 70 read units/s together, which target
    /// tracking holds at 70 %; the maxima leave at least 1.5 × the units that rate needs (cost --measure's units per event, table by table). Throttled writes are
    /// retried (the SDK's backoff, then Lambda's redelivery of the batch), and DynamoDB's burst capacity (five minutes of
    /// unused units) covers a spike while auto scaling follows.
    /// </summary>
    public static DynamoDbCapacity SmallHotTables { get; } = new(70,
    [
        new TableCapacity(Resources.Tables.Dedup.Id, MinRead: 1, MaxRead: 100, MinWrite: 10, MaxWrite: 400),
        new TableCapacity(Resources.Tables.Sessions.Id, MinRead: 5, MaxRead: 250, MinWrite: 5, MaxWrite: 250),
        new TableCapacity(Resources.Tables.Profiles.Id, MinRead: 5, MaxRead: 100, MinWrite: 5, MaxWrite: 100),
        new TableCapacity(Resources.Tables.ProductStats.Id, MinRead: 5, MaxRead: 400, MinWrite: 5, MaxWrite: 400),
        new TableCapacity(Resources.Tables.Watermarks.Id, MinRead: 1, MaxRead: 20, MinWrite: 1, MaxWrite: 20),
        new TableCapacity(Resources.Tables.Consent.Id, MinRead: 5, MaxRead: 250, MinWrite: 1, MaxWrite: 20),
        new TableCapacity(Resources.Tables.SubjectKeys.Id, MinRead: 5, MaxRead: 250, MinWrite: 2, MaxWrite: 40),
        new TableCapacity(Resources.Tables.Identities.Id, MinRead: 2, MaxRead: 200, MinWrite: 2, MaxWrite: 150),
        new TableCapacity(Resources.Tables.Orders.Id, MinRead: 1, MaxRead: 50, MinWrite: 1, MaxWrite: 100),
    ]);

    public TableCapacity? For(string tableId) => Tables.FirstOrDefault(t => t.TableId == tableId);
}
