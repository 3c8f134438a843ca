using Amazon.CDK;
using Amazon.CDK.AWS.Glue;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.S3;
using Constructs;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs;

public sealed class GlueCatalogProps
{
    public required DataLake Lake { get; init; }

    public required string Prefix { get; init; }

    /// <summary>When the workflow's trigger starts the crawlers (a Glue cron expression).</summary>
    public string CrawlSchedule { get; init; } = "cron(10 * * * ? *)";
}

/// <summary>
/// Glue Data Catalog for Athena, QuickSight and Spectrum: a database, a table over the processed Parquet
/// (<c>events/type=/dt=/hr=</c>), crawlers over the enriched, logs and processed zones, and a workflow whose scheduled
/// trigger runs them. A crawler's success starts BatchLoader (see <see cref="Functions.BatchLoaderFunction"/>).
/// </summary>
public sealed class GlueCatalog : Construct
{
    public const string ProcessedEventsTable = "processed_events";

    public const string OrderLinesTable = "order_lines";

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
        var table = ParquetTable("ProcessedEvents", ProcessedEventsTable, "Compacted, deduplicated events written by BatchLoader", processed.S3UrlForObject(Prefixes.ProcessedEvents),
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
        ]);
        table.AddDependency(database);
        var lines = ParquetTable("OrderLines", OrderLinesTable, "One row per order line, written by BatchLoader beside the events", processed.S3UrlForObject(Prefixes.ProcessedOrderLines),
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
        Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            Resources = [stack.FormatArn(new ArnComponents { Service = "logs", Resource = "log-group", ResourceName = "/aws-glue/crawlers*", ArnFormat = ArnFormat.COLON_RESOURCE_NAME })],
        }));

        var enriched = props.Lake[Buckets.Enriched];
        var logs = props.Lake[Buckets.Logs];
        enriched.GrantRead(Role);
        logs.GrantRead(Role);
        processed.GrantRead(Role, Prefixes.ProcessedEvents + "*");
        processed.GrantRead(Role, Prefixes.ProcessedOrderLines + "*");

        var crawlers = new[]
        {
            Crawler("EnrichedCrawler", $"{props.Prefix}-enriched-crawler", "enriched_", S3Targets(enriched, Prefixes.EnrichedEvents, Prefixes.Bots)),
            Crawler("LogsCrawler", $"{props.Prefix}-logs-crawler", "", S3Targets(logs, Prefixes.LogsZone)),
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

        Workflow = new CfnWorkflow(this, "Workflow", new CfnWorkflowProps
        {
            Name = $"{props.Prefix}-catalog",
            Description = "Keeps the Data Catalog current: runs the zone crawlers on a schedule",
            MaxConcurrentRuns = 1,
        });
        var trigger = new CfnTrigger(this, "ScheduledCrawl", new CfnTriggerProps
        {
            Name = $"{props.Prefix}-scheduled-crawl",
            Type = "SCHEDULED",
            Schedule = props.CrawlSchedule,
            StartOnCreation = true,
            WorkflowName = Workflow.Name,
            Actions = crawlers.Select(c => (object)new CfnTrigger.ActionProperty { CrawlerName = c.Name }).ToArray(),
        });
        trigger.AddDependency(Workflow);
        foreach (var crawler in crawlers)
        {
            trigger.AddDependency(crawler);
        }
    }

    public string DatabaseName { get; }

    public Role Role { get; }

    public CfnWorkflow Workflow { get; }

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
