using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Kinesis;
using Amazon.CDK.AWS.Lambda;
using Constructs;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Infra.Constructs.Functions;

public sealed class StreamProcessorConstructProps
{
    public required FunctionPlatform Platform { get; init; }

    public required IStream Events { get; init; }

    public required OperationalTables Tables { get; init; }

    public required DataLake Lake { get; init; }

    public required DeliveryStreamNames Firehose { get; init; }

    /// <summary>How long a client's repeated <c>eventId</c> is recognised as a duplicate.</summary>
    public int DedupWindowHours { get; init; } = 24;

    /// <summary>The shop's own domains for the attribution enrichment (<c>ECA_OWN_DOMAINS</c>); null sets nothing.</summary>
    public string? OwnDomains { get; init; }
}

/// <summary>
/// Kinesis → validate → enrich → DynamoDB, Redis, Firehose (enriched zone) and the quarantine. The event source mapping
/// reports partial batch failures, bisects, retries a bounded number of times and sends what it gives up on to an
/// S3 on-failure destination (the quarantine bucket), which receives the whole batch rather than SQS's metadata.
/// </summary>
public sealed class StreamProcessorConstruct : Construct
{
    public const int BatchSize = 500;
    public const int RetryAttempts = 10;
    /// <summary>
    /// One batch per shard at a time. The processor's exactly-once watermarks (the enriched cursor, product counters,
    /// Redis counting groups) are the highest sequence number applied per shard, which is only exact when a shard's
    /// records arrive in order; with a factor above 1 Lambda runs several batches of one shard at once, their
    /// sequence numbers interleave, and the lower ones would be skipped. Throughput scales with shards instead.
    /// </summary>
    public const int ParallelizationFactor = 1;

    public StreamProcessorConstruct(Construct scope, string id, StreamProcessorConstructProps props) : base(scope, id)
    {
        var quarantine = props.Lake[Buckets.Quarantine];
        Handler = new PlatformFunction(this, "Handler", new PlatformFunctionProps
        {
            Name = "StreamProcessor",
            Description = "Kinesis events: validate, enrich, pseudonymise; write profiles, sessions, counters, Redis, enriched zone",
            Platform = props.Platform,
            MemoryMb = 1769,
            Timeout = Duration.Seconds(120),
            InVpc = true,
            UsesSecrets = true,
        });

        Handler
            .Table(Tables.Profiles, props.Tables[Tables.Profiles], TableAccess.ReadWrite)
            .Table(Tables.Sessions, props.Tables[Tables.Sessions], TableAccess.ReadWrite)
            .Table(Tables.Identities, props.Tables[Tables.Identities], TableAccess.ReadWrite)
            .Table(Tables.ProductStats, props.Tables[Tables.ProductStats], TableAccess.ReadWrite)
            .Table(Tables.Orders, props.Tables[Tables.Orders], TableAccess.ReadWrite)
            .Table(Tables.Dedup, props.Tables[Tables.Dedup], TableAccess.ReadWrite)
            .Table(Tables.Watermarks, props.Tables[Tables.Watermarks], TableAccess.ReadWrite)
            // Reads consent with each micro-batch; writes only a subject's first Global Privacy Control opt-out (UpdateItem).
            .TableReadPlus(Tables.Consent, props.Tables[Tables.Consent], "dynamodb:UpdateItem")
            .Table(Tables.Catalog, props.Tables[Tables.Catalog], TableAccess.Read)
            // Opens the personal fields the API sealed: reads keys by key id, unwraps them (kms:Decrypt), never creates one.
            .SubjectKeys(props.Tables[Tables.SubjectKeys], ["kms:Decrypt"])
            .Bucket(Buckets.Quarantine, quarantine)
            .PutObjects(quarantine, ZoneLayout.Quarantine + "*")
            .ReadWriteObjects(quarantine, ZoneLayout.RealtimePending + "*")
            .Firehose(DeliveryStreams.Enriched, props.Firehose)
            .Redis()
            .PseudonymKey()
            .Environment(SettingNames.DedupWindowHours, props.DedupWindowHours.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (props.OwnDomains is { } own) Handler.Environment(SettingNames.OwnDomains, own);

        var function = Handler.Function;
        props.Events.GrantRead(function);

        EventSource = function.AddEventSourceMapping("EventsStream", new EventSourceMappingOptions
        {
            EventSourceArn = props.Events.StreamArn,
            StartingPosition = StartingPosition.TRIM_HORIZON,
            BatchSize = BatchSize,
            MaxBatchingWindow = Duration.Seconds(1),
            ReportBatchItemFailures = true,
            BisectBatchOnError = true,
            RetryAttempts = RetryAttempts,
            MaxRecordAge = Duration.Days(1),
            ParallelizationFactor = ParallelizationFactor,
        });

        // CDK 2.160 has no L2 S3 on-failure destination for stream sources: set it on the L1 and grant what Lambda's
        // poller needs to write the failed batch with the function's role (PutObject, ListBucket, and the bucket's key).
        var mapping = (CfnEventSourceMapping)EventSource.Node.DefaultChild!;
        mapping.DestinationConfig = new CfnEventSourceMapping.DestinationConfigProperty
        {
            OnFailure = new CfnEventSourceMapping.OnFailureProperty { Destination = quarantine.BucketArn },
        };
        quarantine.GrantPut(function, ZoneLayout.FailedBatches + "*");
        Grant.AddToPrincipal(new GrantOnPrincipalOptions
        {
            Grantee = function,
            Actions = ["s3:ListBucket"],
            ResourceArns = [quarantine.BucketArn],
        });

        // The mapping validates its permissions when it is created: create it after the role's policy.
        EventSource.Node.AddDependency(function.Role!);
    }

    public PlatformFunction Handler { get; }

    public EventSourceMapping EventSource { get; }
}
