using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Constructs;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs.Functions;

public sealed class BatchLoaderConstructProps
{
    public required FunctionPlatform Platform { get; init; }

    public required OperationalTables Tables { get; init; }

    public required DataLake Lake { get; init; }

    /// <summary>Null where the stage has no Glue (LocalStack): then only the schedule triggers.</summary>
    public GlueCatalog? Catalog { get; init; }

    public required FailedInvocations Failures { get; init; }

    public Duration SafetyNetInterval { get; init; } = Duration.Hours(1);
}

/// <summary>
/// Compacts the enriched zone into Parquet, loads Redshift through the Data API, writes quality reports and applies
/// erasure tombstones to every zone. Started early by our crawlers' success and, because Glue's events are best effort
/// and name no partition, by a schedule too; the watermark table makes both idempotent. Where the stage has no hourly
/// crawlers (<see cref="CatalogUpdates.BatchLoader"/>) it registers the partitions it writes in the Glue catalog.
/// </summary>
public sealed class BatchLoaderConstruct : Construct
{
    private static readonly string[] SucceededState = ["Succeeded"];

    public BatchLoaderConstruct(Construct scope, string id, BatchLoaderConstructProps props) : base(scope, id)
    {
        Handler = new PlatformFunction(this, "Handler", new PlatformFunctionProps
        {
            Name = "BatchLoader",
            Description = "Enriched zone → Parquet → Redshift; quality report; erasure tombstones",
            Platform = props.Platform,
            MemoryMb = 3008,
            Timeout = Duration.Minutes(15),
            // Outside the VPC: every call is to an AWS API (Redshift Data, S3, DynamoDB, Glue, Lambda, KMS), none to Redis
            // or OpenSearch, and in the isolated subnets each would need an interface endpoint billed per AZ-hour.
            InVpc = false,
            // Fan-out must not flood the warehouse with concurrent MERGE transactions.
            ReservedConcurrency = 4,
        });

        Handler
            .Table(Tables.Watermarks, props.Tables[Tables.Watermarks], TableAccess.ReadWrite)
            .Table(Tables.Tombstones, props.Tables[Tables.Tombstones], TableAccess.ReadWrite)
            // The schedule also prunes the audit chain to its one-year retention (checkpoint put, old entries deleted).
            .Table(Tables.Audit, props.Tables[Tables.Audit], TableAccess.ReadWrite)
            // Erasure deletes the erased subjects' data keys (crypto-shredding); exports open the sealed records with them
            // (Decrypt unwraps the hour's key-encryption key).
            .SubjectKeys(props.Tables[Tables.SubjectKeys], ["kms:Decrypt"], "dynamodb:DeleteItem")
            // Privacy requests: open exports found (Scan), moved to in progress and done (UpdateItem), erasures completed.
            .Table(Tables.PrivacyRequests, props.Tables[Tables.PrivacyRequests], TableAccess.ReadWrite);

        // An export reads what DynamoDB holds about the user (and their linked anonymous ids).
        foreach (var table in new[] { Tables.Profiles, Tables.Sessions, Tables.Identities, Tables.Orders, Tables.Consent })
        {
            Handler.Table(table, props.Tables[table], TableAccess.Read);
        }

        // Exports are written, read back (what the API left at acceptance) and that part deleted.
        Handler.Bucket(Buckets.Exports, props.Lake[Buckets.Exports]).ReadWriteObjects(props.Lake[Buckets.Exports], "exports/*");

        // Reads every zone; rewrites the ones erasure must reach. The logs zone is masked at ingest and only read.
        foreach (var zone in new[] { Buckets.Raw, Buckets.Quarantine, Buckets.Enriched, Buckets.Processed })
        {
            Handler.Bucket(zone, props.Lake[zone]).ReadWriteObjects(props.Lake[zone]);
        }

        Handler.Bucket(Buckets.Logs, props.Lake[Buckets.Logs]).ReadObjects(props.Lake[Buckets.Logs]);
        props.Platform.Warehouse?.Connect(Handler);

        // Fan-out: a trigger invokes this function once per pending partition. A separate policy, not the role's default
        // one, so the function does not depend on a policy that names the function (a cycle).
        var fanOut = new Amazon.CDK.AWS.IAM.Policy(this, "FanOutPolicy", new Amazon.CDK.AWS.IAM.PolicyProps
        {
            Statements =
            [
                new Amazon.CDK.AWS.IAM.PolicyStatement(new Amazon.CDK.AWS.IAM.PolicyStatementProps
                {
                    Actions = ["lambda:InvokeFunction"],
                    Resources = [Handler.Function.FunctionArn],
                }),
            ],
        });
        fanOut.AttachToRole(Handler.Role);

        // Triggers and the fan-out's own invocations are asynchronous: after Lambda's retries they land in the queue.
        props.Failures.Receive(Handler.Function, Duration.Hours(1));
        var target = new LambdaFunction(Handler.Function, new LambdaFunctionProps { RetryAttempts = 2, MaxEventAge = Duration.Hours(1), DeadLetterQueue = props.Failures.Queue });
        if (props.Catalog is { } catalog)
        {
            Handler.Environment(SettingNames.GlueDatabase, catalog.DatabaseName);
            Handler.Environment(SettingNames.GlueCrawlers, string.Join(',', catalog.CrawlerNames));
            if (catalog.Updates == CatalogUpdates.BatchLoader)
            {
                Handler.Environment(SettingNames.GlueRegisterPartitions, "on");
                catalog.GrantPartitionRegistration(Handler.Function);
            }

            CrawlerSucceeded = new Rule(this, "CrawlerSucceeded", new RuleProps
            {
                Description = "Our Glue crawlers finished: load what they found",
                EventPattern = new EventPattern
                {
                    Source = ["aws.glue"],
                    DetailType = ["Glue Crawler State Change"],
                    Detail = new Dictionary<string, object>
                    {
                        ["state"] = SucceededState,
                        ["crawlerName"] = catalog.CrawlerNames.ToArray(),
                    },
                },
                Targets = [target],
            });
        }

        Schedule = new Rule(this, "Schedule", new RuleProps
        {
            Description = "Safety net for missed crawler events: the watermark finds what is left to load",
            Schedule = Amazon.CDK.AWS.Events.Schedule.Rate(props.SafetyNetInterval),
            Targets = [target],
        });
    }

    public PlatformFunction Handler { get; }

    public Rule? CrawlerSucceeded { get; }

    public Rule Schedule { get; }
}
