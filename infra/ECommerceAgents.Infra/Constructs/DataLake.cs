using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Constructs;
using ECommerceAgents.Resources;
using Lifecycle = ECommerceAgents.Resources.Lifecycle;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Infra.Constructs;

public sealed class DataLakeProps
{
    public required StageConfig Stage { get; init; }

    /// <summary>Customer managed key for the zones that hold raw PII (raw archive, quarantine).</summary>
    public required IKey Key { get; init; }
}

/// <summary>
/// One bucket per <see cref="Buckets"/> definition: encrypted (KMS for zones holding raw PII, S3-managed otherwise),
/// public access blocked, TLS 1.2+ only, lifecycle from the definition, server access logs to <see cref="AccessLogs"/>.
/// </summary>
public sealed class DataLake : Construct
{
    /// <summary>S3 request-metrics filter on the quarantine's on-failure prefix; the failed-batches alarm reads it.</summary>
    public const string FailedBatchesMetricsFilter = "FailedBatches";

    /// <summary>
    /// How long server access logs are kept. They record who asked for which object key, from which IP and as which
    /// principal: enough to answer a security review or an incident for a quarter, not kept longer because requester IPs
    /// and ARNs are personal data too.
    /// </summary>
    public const int AccessLogsExpireAfterDays = 90;

    /// <summary>CDK feature flag: grant S3 server access log delivery by bucket policy instead of the LogDeliveryWrite ACL.</summary>
    public const string ServerAccessLogsUseBucketPolicy = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy";

    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public DataLake(Construct scope, string id, DataLakeProps props) : base(scope, id)
    {
        // S3 server access logs of every zone. A log record holds the requester (IP, principal ARN), the operation, the
        // object key, status and sizes: never an object's payload, so the bucket needs no KMS key (and S3 log delivery
        // cannot write to an SSE-KMS target) and holds no raw PII beyond the requester fields, which the expiry bounds.
        // Delivery is authorized by a bucket policy for logging.s3.amazonaws.com, one statement per source bucket (its ARN
        // and account as conditions) on that zone's prefix. No ACL is involved, so object ownership stays
        // BucketOwnerEnforced (ACLs off) as on every other bucket. CDK 2.160 writes that policy only under the flag
        // below (without it, it sets the LogDeliveryWrite ACL, which BucketOwnerEnforced refuses); the flag
        // @aws-cdk/aws-s3:createDefaultLoggingPolicy, also in cdk.json, is about other services' log delivery and does
        // not do this. Set here as well, so the data lake does not depend on the app's context. Outside Buckets.All:
        // functions get no variable for it, and it does not log into itself (a loop; cdk-nag's S1 exempts a log target).
        Node.SetContext(ServerAccessLogsUseBucketPolicy, true);
        AccessLogs = new Bucket(this, "AccessLogs", new BucketProps
        {
            Encryption = BucketEncryption.S3_MANAGED,
            BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
            EnforceSSL = true,
            MinimumTLSVersion = 1.2,
            ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
            LifecycleRules =
            [
                new LifecycleRule
                {
                    Id = "access-logs-expiry",
                    Enabled = true,
                    Expiration = Duration.Days(AccessLogsExpireAfterDays),
                    AbortIncompleteMultipartUploadAfter = Duration.Days(7),
                },
            ],
            RemovalPolicy = props.Stage.RemovalPolicy,
            AutoDeleteObjects = props.Stage.AutoDeleteObjects,
        });

        foreach (var definition in Buckets.All)
        {
            // Versioning only where objects are overwritten and carry no raw PII: catalog uploads and the compacted zone.
            // Zones that hold raw PII stay unversioned so erasure really deletes.
            var versioned = definition == Buckets.Landing || definition == Buckets.Processed;
            _buckets[definition.Id] = new Bucket(this, Naming.Pascal(definition.Id), new BucketProps
            {
                Encryption = definition.HoldsRawPii ? BucketEncryption.KMS : BucketEncryption.S3_MANAGED,
                EncryptionKey = definition.HoldsRawPii ? props.Key : null,
                BucketKeyEnabled = definition.HoldsRawPii ? true : null,
                BlockPublicAccess = BlockPublicAccess.BLOCK_ALL,
                EnforceSSL = true,
                MinimumTLSVersion = 1.2,
                ObjectOwnership = ObjectOwnership.BUCKET_OWNER_ENFORCED,
                Versioned = versioned,
                LifecycleRules = [Rule(definition.Lifecycle, versioned)],
                Metrics = definition == Buckets.Quarantine
                    ? [new BucketMetrics { Id = FailedBatchesMetricsFilter, Prefix = ZoneLayout.FailedBatches }]
                    : null,
                ServerAccessLogsBucket = AccessLogs,
                ServerAccessLogsPrefix = AccessLogsPrefix(definition),
                // <prefix><account>/<region>/<bucket>/yyyy/MM/dd/...: Athena can partition the logs by date.
                TargetObjectKeyFormat = TargetObjectKeyFormat.PartitionedPrefix(PartitionDateSource.EVENT_TIME),
                RemovalPolicy = props.Stage.RemovalPolicy,
                AutoDeleteObjects = props.Stage.AutoDeleteObjects,
            });

            if (NotifiesEventBridge(definition))
            {
                // Set on the L1: CDK 2.160's EventBridgeEnabled still deploys its notifications custom resource (a
                // python3.11 helper function AWS no longer lets anyone create). CloudFormation sets this natively.
                var cfn = (CfnBucket)_buckets[definition.Id].Node.DefaultChild!;
                cfn.NotificationConfiguration = new CfnBucket.NotificationConfigurationProperty
                {
                    EventBridgeConfiguration = new CfnBucket.EventBridgeConfigurationProperty { EventBridgeEnabled = true },
                };
            }
        }
    }

    /// <summary>Buckets whose object events go to EventBridge: catalog uploads (landing) and the search outbox (processed).</summary>
    public static bool NotifiesEventBridge(BucketDefinition definition) => definition == Buckets.Landing || definition == Buckets.Processed;

    /// <summary>An EventBridge rule for S3's "Object Created" events of one bucket under one key prefix.</summary>
    public Rule ObjectCreatedRule(Construct scope, string id, BucketDefinition definition, string prefix, IRuleTarget target, string description)
    {
        if (!NotifiesEventBridge(definition))
        {
            throw new InvalidOperationException($"The {definition.Id} bucket does not send its events to EventBridge.");
        }

        return new Rule(scope, id, new RuleProps
        {
            Description = description,
            EventPattern = new EventPattern
            {
                Source = ["aws.s3"],
                DetailType = [ObjectCreatedDetailType],
                Detail = new Dictionary<string, object>
                {
                    ["bucket"] = new Dictionary<string, object> { ["name"] = new[] { this[definition].BucketName } },
                    ["object"] = new Dictionary<string, object> { ["key"] = new object[] { new Dictionary<string, object> { ["prefix"] = prefix } } },
                },
            },
            Targets = [target],
        });
    }

    public const string ObjectCreatedDetailType = "Object Created";

    /// <summary>The server access logs of every zone bucket (see the constructor for what they hold).</summary>
    public Bucket AccessLogs { get; }

    /// <summary>Where a zone's server access logs go in <see cref="AccessLogs"/>: one prefix per zone.</summary>
    public static string AccessLogsPrefix(BucketDefinition definition) => definition.Id + "/";

    public Bucket this[BucketDefinition definition] => _buckets[definition.Id];

    public IEnumerable<(BucketDefinition Definition, Bucket Bucket)> All => Buckets.All.Select(d => (d, _buckets[d.Id]));

    private static LifecycleRule Rule(Lifecycle lifecycle, bool versioned)
    {
        var transitions = new List<ITransition>();
        if (lifecycle.InfrequentAccessAfterDays is { } ia)
        {
            transitions.Add(new Transition { StorageClass = StorageClass.INFREQUENT_ACCESS, TransitionAfter = Duration.Days(ia) });
        }

        // One transition, to a class still read by GET: each transition is billed per object, and Glacier Flexible
        // Retrieval would need a restore before the batch could rewrite an object for erasure.
        if (lifecycle.GlacierInstantAfterDays is { } instant)
        {
            transitions.Add(new Transition { StorageClass = StorageClass.GLACIER_INSTANT_RETRIEVAL, TransitionAfter = Duration.Days(instant) });
        }

        if (lifecycle.GlacierAfterDays is { } glacier)
        {
            transitions.Add(new Transition { StorageClass = StorageClass.GLACIER, TransitionAfter = Duration.Days(glacier) });
        }

        return new LifecycleRule
        {
            Id = "zone-lifecycle",
            Enabled = true,
            AbortIncompleteMultipartUploadAfter = Duration.Days(7),
            Transitions = transitions.Count > 0 ? [.. transitions] : null,
            Expiration = lifecycle.ExpireAfterDays is { } days ? Duration.Days(days) : null,
            // Old versions of rewritten objects (e.g. after an erasure) leave within a week.
            NoncurrentVersionExpiration = versioned ? Duration.Days(7) : null,
        };
    }
}
