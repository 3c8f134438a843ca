using Amazon.CDK;
using Amazon.CDK.AWS.Glue;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.KMS;
using Amazon.CDK.AWS.S3;
using Constructs;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Infra.Constructs;

public sealed class GlueCatalogProps
{
    public required DataLake Lake { get; init; }

    /// <summary>The platform key: the crawlers' CloudWatch Logs are encrypted with it (the security configuration).</summary>
    public required IKey Key { get; init; }

    public required string Prefix { get; init; }

    /// <summary>Crawlers on a schedule, or BatchLoader registering partitions (the crawlers then run only when started).</summary>
    public required CatalogUpdates Updates { get; init; }

    /// <summary>When the workflow's trigger starts the crawlers (a Glue cron expression), with <see cref="CatalogUpdates.Crawlers"/>.</summary>
    public string CrawlSchedule { get; init; } = "cron(10 * * * ? *)";
}

/// <summary>
/// Glue Data Catalog for Athena, QuickSight and Spectrum: a database, a table over the processed Parquet
/// (<c>events/type=/dt=/hr=</c>), crawlers over the enriched, logs and processed zones, and a workflow whose scheduled
/// trigger runs them. A crawler's success starts BatchLoader (see <see cref="Functions.BatchLoaderConstruct"/>). The
/// crawlers run under a security configuration that encrypts their CloudWatch Logs with the platform key.
/// </summary>
public sealed class GlueCatalog : Construct
{
    public const string ProcessedEventsTable = ZoneLayout.CatalogEventsTable;

    public const string OrderLinesTable = ZoneLayout.CatalogOrderLinesTable;

    public GlueCatalog(Construct scope, string id, GlueCatalogProps props) : base(scope, id)
    {
        var stack = Stack.Of(this);
        DatabaseName = Naming.Snake(props.Prefix);
        var database = new CfnDatabase(this, "Database", new CfnDatabaseProps
        {
            CatalogId = stack.Account,
            DatabaseInput = new CfnDatabase.DatabaseInputProperty
            {
                Name = DatabaseName,
                Description = "ECommerceAgents zones: enriched events, logs and compacted Parquet",
            },
        });

        var processed = props.Lake[Buckets.Processed];
        // The Parquet BatchLoader writes, column for column (EventParquet), so Athena, Spectrum and QuickSight read it as is.
        var table = ParquetTable("ProcessedEvents", ProcessedEventsTable, "Compacted, deduplicated events written by BatchLoader", processed.S3UrlForObject(ZoneLayout.ProcessedEvents),
        [
            Column("event_id", "string"), Column("schema", "string"), Column("event_type", "string"),
            Column("occurred_at", "timestamp"), Column("received_at", "timestamp"), Column("user_id", "string"),
            Column("anonymous_id", "string"), Column("session_id", "string"), Column("sku", "string"),
            Column("category", "string"), Column("order_id", "string"), Column("revenue", "decimal(18,4)"),
            Column("currency", "string"), Column("properties", "string"), Column("lineage", "string"),
            Column("resolved_user_id", "string"), Column("brand", "string"), Column("price", "decimal(18,4)"),
            Column("quantity", "int"), Column("search_query", "string"), Column("intent", "string"),
            Column("engagement", "double"), Column("consent", "string"), Column("device_type", "string"),
            Column("ingested_at", "timestamp"), Column("processed_at", "timestamp"),
            Column("session_source", "string"), Column("session_medium", "string"), Column("session_campaign", "string"),
            Column("session_term", "string"), Column("session_content", "string"), Column("session_referrer_class", "string"),
            Column("session_referrer_host", "string"),
        ]);
        table.AddDependency(database);
        var lines = ParquetTable("OrderLines", OrderLinesTable, "One row per order line, written by BatchLoader beside the events", processed.S3UrlForObject(ZoneLayout.ProcessedOrderLines),
        [
            Column("event_id", "string"), Column("order_id", "string"), Column("line_no", "int"), Column("sku", "string"),
            Column("quantity", "int"), Column("price", "decimal(18,4)"), Column("category", "string"),
            Column("currency", "string"), Column("occurred_at", "timestamp"),
        ]);
        lines.AddDependency(database);

        Role = new Role(this, "CrawlerRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("glue.amazonaws.com"),
            Description = "Glue crawlers: read the zones, update this database's tables and partitions",
        });
        var catalogArn = stack.FormatArn(new ArnComponents { Service = "glue", Resource = "catalog" });
        var databaseArn = stack.FormatArn(new ArnComponents { Service = "glue", Resource = "database", ResourceName = DatabaseName });
        _partitionRegistrationArns =
        [
            catalogArn, databaseArn,
            stack.FormatArn(new ArnComponents { Service = "glue", Resource = "table", ResourceName = DatabaseName + "/" + ProcessedEventsTable }),
            stack.FormatArn(new ArnComponents { Service = "glue", Resource = "table", ResourceName = DatabaseName + "/" + OrderLinesTable }),
        ];
        var tablesArn = stack.FormatArn(new ArnComponents { Service = "glue", Resource = "table", ResourceName = DatabaseName + "/*" });
        Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions =
            [
                "glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
                "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition", "glue:CreatePartition",
                "glue:BatchCreatePartition", "glue:UpdatePartition", "glue:BatchUpdatePartition",
            ],
            Resources = [catalogArn, databaseArn, tablesArn],
        }));
        // With the security configuration the crawlers log to /aws-glue/crawlers-role/<role>-<configuration>, which Glue
        // creates and then associates with the key (logs:AssociateKmsKey); /aws-glue/crawlers* covers it.
        var crawlerLogGroups = stack.FormatArn(new ArnComponents { Service = "logs", Resource = "log-group", ResourceName = CrawlerLogGroups, ArnFormat = ArnFormat.COLON_RESOURCE_NAME });
        Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
            Resources = [crawlerLogGroups],
        }));

        SecurityConfiguration = new CfnSecurityConfiguration(this, "SecurityConfiguration", new CfnSecurityConfigurationProps
        {
            // Glue keeps no history of a configuration: a change of settings needs a new name (CloudFormation replaces it).
            Name = $"{props.Prefix}-crawlers",
            EncryptionConfiguration = new CfnSecurityConfiguration.EncryptionConfigurationProperty
            {
                CloudWatchEncryption = new CfnSecurityConfiguration.CloudWatchEncryptionProperty { CloudWatchEncryptionMode = "SSE-KMS", KmsKeyArn = props.Key.KeyArn },
                // Crawlers write neither bookmarks nor S3 objects; set anyway, so nothing run under it writes in the clear.
                JobBookmarksEncryption = new CfnSecurityConfiguration.JobBookmarksEncryptionProperty { JobBookmarksEncryptionMode = "CSE-KMS", KmsKeyArn = props.Key.KeyArn },
                S3Encryptions = new object[] { new CfnSecurityConfiguration.S3EncryptionProperty { S3EncryptionMode = "SSE-S3" } },
            },
        });

        // CloudWatch Logs encrypts with the key as itself, for the crawlers' log groups only (the encryption context names
        // the log group); the role uses the key for the bookmarks and to associate it with the log group.
        props.Key.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "CloudWatchLogsForGlueCrawlers",
            Principals = [new ServicePrincipal($"logs.{stack.Region}.amazonaws.com")],
            Actions = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            Resources = ["*"],
            Conditions = new Dictionary<string, object>
            {
                ["ArnLike"] = new Dictionary<string, object> { ["kms:EncryptionContext:aws:logs:arn"] = crawlerLogGroups },
            },
        }));
        props.Key.GrantEncryptDecrypt(Role);

        // Only the prefixes the crawlers target (plus listing the bucket, which a crawl needs).
        var enriched = props.Lake[Buckets.Enriched];
        var logs = props.Lake[Buckets.Logs];
        enriched.GrantRead(Role, ZoneLayout.EnrichedEvents + "*");
        enriched.GrantRead(Role, ZoneLayout.EnrichedBots + "*");
        logs.GrantRead(Role, ZoneLayout.LogsZone + "*");
        processed.GrantRead(Role, ZoneLayout.ProcessedEvents + "*");
        processed.GrantRead(Role, ZoneLayout.ProcessedOrderLines + "*");

        var crawlers = new[]
        {
            Crawler("EnrichedCrawler", $"{props.Prefix}-enriched-crawler", "enriched_", S3Targets(enriched, ZoneLayout.EnrichedEvents, ZoneLayout.EnrichedBots)),
            Crawler("LogsCrawler", $"{props.Prefix}-logs-crawler", "", S3Targets(logs, ZoneLayout.LogsZone)),
            Crawler("ProcessedCrawler", $"{props.Prefix}-processed-crawler", null, new CfnCrawler.TargetsProperty
            {
                CatalogTargets = new object[] { new CfnCrawler.CatalogTargetProperty { DatabaseName = DatabaseName, Tables = new[] { ProcessedEventsTable, OrderLinesTable } } },
            }),
        };
        foreach (var crawler in crawlers)
        {
            crawler.AddDependency(database);
        }

        crawlers[2].AddDependency(table);
        CrawlerNames = [.. crawlers.Select(c => c.Name!)];

        Updates = props.Updates;
        var scheduled = props.Updates == CatalogUpdates.Crawlers;
        Workflow = new CfnWorkflow(this, "Workflow", new CfnWorkflowProps
        {
            Name = $"{props.Prefix}-catalog",
            Description = scheduled
                ? "Keeps the Data Catalog current: runs the zone crawlers on a schedule"
                : "Runs the zone crawlers when started (aws glue start-workflow-run); BatchLoader registers the processed partitions itself",
            MaxConcurrentRuns = 1,
        });
        // No hourly crawls where BatchLoader registers its partitions: the enriched and logs tables are crawled on demand.
        var actions = crawlers.Select(c => (object)new CfnTrigger.ActionProperty { CrawlerName = c.Name }).ToArray();
        var trigger = scheduled ? new CfnTrigger(this, "ScheduledCrawl", new CfnTriggerProps
        {
            Name = $"{props.Prefix}-scheduled-crawl",
            Type = "SCHEDULED",
            Schedule = props.CrawlSchedule,
            StartOnCreation = true,
            WorkflowName = Workflow.Name,
            Actions = actions,
        }) : new CfnTrigger(this, "OnDemandCrawl", new CfnTriggerProps
        {
            Name = $"{props.Prefix}-on-demand-crawl",
            Type = "ON_DEMAND",
            WorkflowName = Workflow.Name,
            Actions = actions,
        });
        trigger.AddDependency(Workflow);
        foreach (var crawler in crawlers)
        {
            trigger.AddDependency(crawler);
        }
    }

    /// <summary>The log groups Glue crawlers write to: /aws-glue/crawlers, and /aws-glue/crawlers-role/… under a security configuration.</summary>
    public const string CrawlerLogGroups = "/aws-glue/crawlers*";

    public string DatabaseName { get; }

    /// <summary>Every crawler runs under it: CloudWatch Logs encrypted with the platform key.</summary>
    public CfnSecurityConfiguration SecurityConfiguration { get; }

    public Role Role { get; }

    public CfnWorkflow Workflow { get; }

    /// <summary>Who adds the processed partitions: the scheduled crawlers, or BatchLoader.</summary>
    public CatalogUpdates Updates { get; }

    private readonly string[] _partitionRegistrationArns;

    /// <summary>
    /// What BatchLoader's <c>GluePartitionCatalog</c> calls: GetTable (the storage descriptor partitions inherit) and
    /// BatchCreatePartition on the two processed tables (Glue checks the catalog, the database and the table).
    /// </summary>
    public void GrantPartitionRegistration(Amazon.CDK.AWS.IAM.IGrantable grantee) => Grant.AddToPrincipal(new GrantOnPrincipalOptions
    {
        Grantee = grantee,
        Actions = ["glue:GetTable", "glue:BatchCreatePartition"],
        ResourceArns = _partitionRegistrationArns,
    });

    /// <summary>Our crawlers: the EventBridge rule starts BatchLoader only on their success.</summary>
    public IReadOnlyList<string> CrawlerNames { get; }

    private CfnCrawler Crawler(string id, string name, string? tablePrefix, CfnCrawler.TargetsProperty targets)
    {
        var catalogTarget = tablePrefix is null;
        var crawler = new CfnCrawler(this, id, new CfnCrawlerProps
        {
            Name = name,
            Role = Role.RoleArn,
            DatabaseName = catalogTarget ? null : DatabaseName,
            TablePrefix = catalogTarget ? null : tablePrefix,
            Targets = targets,
            // Catalog targets only add partitions; S3 targets crawl only new folders, so cost stays flat as the zones grow.
            RecrawlPolicy = catalogTarget ? null : new CfnCrawler.RecrawlPolicyProperty { RecrawlBehavior = "CRAWL_NEW_FOLDERS_ONLY" },
            SchemaChangePolicy = new CfnCrawler.SchemaChangePolicyProperty { UpdateBehavior = "LOG", DeleteBehavior = "LOG" },
            Configuration = """{"Version":1.0,"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}},"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas"}}""",
            CrawlerSecurityConfiguration = SecurityConfiguration.Ref,
        });
        RolePolicies.DependOnPolicies(crawler, Role);
        return crawler;
    }

    private static CfnCrawler.TargetsProperty S3Targets(Bucket bucket, params string[] prefixes) => new()
    {
        S3Targets = prefixes.Select(p => (object)new CfnCrawler.S3TargetProperty { Path = bucket.S3UrlForObject(p) }).ToArray(),
    };

    private static CfnTable.ColumnProperty Column(string name, string type) => new() { Name = name, Type = type };

    /// <summary>An external Parquet table partitioned by type, dt and hr, as the processed zone is laid out.</summary>
    private CfnTable ParquetTable(string id, string name, string description, string location, object[] columns) => new(this, id, new CfnTableProps
    {
        CatalogId = Stack.Of(this).Account,
        DatabaseName = DatabaseName,
        TableInput = new CfnTable.TableInputProperty
        {
            Name = name,
            Description = description,
            TableType = "EXTERNAL_TABLE",
            Parameters = new Dictionary<string, string> { ["classification"] = "parquet", ["EXTERNAL"] = "TRUE" },
            PartitionKeys = new object[] { Column("type", "string"), Column("dt", "string"), Column("hr", "string") },
            StorageDescriptor = new CfnTable.StorageDescriptorProperty
            {
                Location = location,
                InputFormat = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                OutputFormat = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                SerdeInfo = new CfnTable.SerdeInfoProperty { SerializationLibrary = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe" },
                Columns = columns,
            },
        },
    });
}
