using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class GlueCatalogTests(SynthesizedStages stages)
{
    [Fact]
    public void ProcessedEventsTable_IsParquetPartitionedByTypeDateHour()
    {
        stages.Dev.Template.HasResourceProperties("AWS::Glue::Database", Obj(("DatabaseInput", Obj(("Name", "eca_dev"), ("Description", Match.AnyValue())))));
        stages.Dev.Template.HasResourceProperties("AWS::Glue::Table", Obj(
            ("DatabaseName", "eca_dev"),
            ("TableInput", Match.ObjectLike(Obj(
                ("Name", "processed_events"),
                ("TableType", "EXTERNAL_TABLE"),
                ("PartitionKeys", Arr(Obj(("Name", "type"), ("Type", "string")), Obj(("Name", "dt"), ("Type", "string")), Obj(("Name", "hr"), ("Type", "string")))),
                ("StorageDescriptor", Match.ObjectLike(Obj(
                    ("SerdeInfo", Obj(("SerializationLibrary", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"))),
                    ("Location", Match.AnyValue())))))))));
    }

    [Theory]
    [InlineData("processed_events", 33, "session_referrer_class")]
    [InlineData("order_lines", 9, "line_no")]
    public void ProcessedTables_DescribeEveryParquetColumnBatchLoaderWrites(string table, int columns, string column)
    {
        var pattern = Obj(("Properties", Obj(("TableInput", Match.ObjectLike(Obj(("Name", table)))))));
        var found = stages.Dev.Template.FindResources("AWS::Glue::Table", pattern);
        var json = System.Text.Json.JsonSerializer.Serialize(Assert.Single(found).Value);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var names = doc.RootElement.GetProperty("Properties").GetProperty("TableInput").GetProperty("StorageDescriptor").GetProperty("Columns")
            .EnumerateArray().Select(c => c.GetProperty("Name").GetString()).ToList();
        Assert.Equal(columns, names.Count);
        Assert.Contains(column, names);
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Crawlers_CoverEnrichedLogsAndProcessedZones()
    {
        stages.Dev.Template.ResourceCountIs("AWS::Glue::Crawler", 3);
        stages.Dev.Template.HasResourceProperties("AWS::Glue::Crawler", Obj(
            ("Name", "eca-dev-enriched-crawler"),
            ("Targets", Obj(("S3Targets", Match.Exact(Arr(Match.AnyValue(), Match.AnyValue())))))));
        stages.Dev.Template.HasResourceProperties("AWS::Glue::Crawler", Obj(("Name", "eca-dev-logs-crawler")));
        stages.Dev.Template.HasResourceProperties("AWS::Glue::Crawler", Obj(
            ("Name", "eca-dev-processed-crawler"),
            ("Targets", Obj(("CatalogTargets", Arr(Obj(("DatabaseName", "eca_dev"), ("Tables", Arr("processed_events", "order_lines")))))))));
    }

    [Fact]
    public void Workflow_ScheduledTriggerRunsTheCrawlers()
    {
        stages.Dev.Template.HasResourceProperties("AWS::Glue::Workflow", Obj(("Name", "eca-dev-catalog")));
        stages.Dev.Template.HasResourceProperties("AWS::Glue::Trigger", Obj(
            ("Type", "SCHEDULED"),
            ("StartOnCreation", true),
            ("WorkflowName", "eca-dev-catalog"),
            ("Schedule", Match.StringLikeRegexp("^cron\\(")),
            ("Actions", Arr(
                Obj(("CrawlerName", "eca-dev-enriched-crawler")),
                Obj(("CrawlerName", "eca-dev-logs-crawler")),
                Obj(("CrawlerName", "eca-dev-processed-crawler"))))));
    }

    [Fact]
    public void Crawlers_RunUnderASecurityConfigurationThatEncryptsTheirLogsWithThePlatformKey()
    {
        var key = stages.Dev.Json.LogicalIdAt("/DataKey/Resource");
        var configuration = stages.Dev.Json.LogicalIdAt("/Catalog/SecurityConfiguration");

        stages.Dev.Template.HasResourceProperties("AWS::Glue::SecurityConfiguration", Obj(
            ("Name", "eca-dev-crawlers"),
            ("EncryptionConfiguration", Match.ObjectLike(Obj(
                ("CloudWatchEncryption", Obj(("CloudWatchEncryptionMode", "SSE-KMS"), ("KmsKeyArn", GetAtt(key, "Arn")))),
                ("JobBookmarksEncryption", Obj(("JobBookmarksEncryptionMode", "CSE-KMS"), ("KmsKeyArn", GetAtt(key, "Arn")))))))));
        stages.Dev.Template.AllResourcesProperties("AWS::Glue::Crawler", Obj(("CrawlerSecurityConfiguration", Ref(configuration))));
    }

    [Fact]
    public void Key_LetsCloudWatchLogsEncryptOnlyForTheCrawlerLogGroups()
    {
        var logGroups = Obj(("Fn::Join", Arr("", Arr("arn:", Ref("AWS::Partition"), ":logs:", Ref("AWS::Region"), ":", Ref("AWS::AccountId"), ":log-group:/aws-glue/crawlers*"))));

        stages.Dev.Template.HasResourceProperties("AWS::KMS::Key", Obj(("KeyPolicy", Obj(("Statement", Match.ArrayWith(Arr(Match.ObjectLike(Obj(
            ("Effect", "Allow"),
            ("Principal", Obj(("Service", Obj(("Fn::Join", Arr("", Arr("logs.", Ref("AWS::Region"), ".amazonaws.com"))))))),
            ("Action", Arr("kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*")),
            ("Condition", Obj(("ArnLike", Obj(("kms:EncryptionContext:aws:logs:arn", logGroups))))))))))))));

        var role = stages.Dev.Json.IdentityStatements().Where(s => s.Roles.StartsWith("CatalogCrawlerRole", StringComparison.Ordinal)).ToList();
        var associate = Assert.Single(role, s => s.Actions.Contains("logs:AssociateKmsKey"));
        Assert.All(associate.Resources, r => Assert.EndsWith(":log-group:/aws-glue/crawlers*\"]]}", r, StringComparison.Ordinal));
    }

    [Fact]
    public void CrawlerRole_ReadsOnlyThePrefixesTheCrawlersTarget()
    {
        var statements = stages.Dev.Json.IdentityStatements().Where(s => s.Roles.StartsWith("CatalogCrawlerRole", StringComparison.Ordinal)).ToList();
        var objects = statements.Where(s => s.Actions.Any(a => a.StartsWith("s3:GetObject", StringComparison.Ordinal)))
            .SelectMany(s => s.Resources).Where(r => r.Contains('/', StringComparison.Ordinal) && r.Contains("Fn::Join", StringComparison.Ordinal)).ToList();
        string Objects(string bucketPath, string prefix) =>
            System.Text.Json.JsonSerializer.Serialize(Obj(("Fn::Join", Arr("", Arr(GetAtt(stages.Dev.Json.LogicalIdAt(bucketPath), "Arn"), "/" + prefix + "*")))));

        Assert.Equal(
            new[]
            {
                Objects("/DataLake/Enriched/Resource", ZoneLayout.EnrichedEvents),
                Objects("/DataLake/Enriched/Resource", ZoneLayout.EnrichedBots),
                Objects("/DataLake/Logs/Resource", ZoneLayout.LogsZone),
                Objects("/DataLake/Processed/Resource", ZoneLayout.ProcessedEvents),
                Objects("/DataLake/Processed/Resource", ZoneLayout.ProcessedOrderLines),
            }.Order(StringComparer.Ordinal),
            objects.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CrawlerRole_IsScopedToThisDatabase()
    {
        var statements = stages.Dev.Json.IdentityStatements().Where(s => s.Roles.StartsWith("CatalogCrawlerRole", StringComparison.Ordinal)).ToList();
        var glue = statements.Where(s => s.Actions.Any(a => a.StartsWith("glue:", StringComparison.Ordinal))).ToList();

        Assert.NotEmpty(glue);
        Assert.All(glue.SelectMany(s => s.Resources), r => Assert.Matches(":glue:.*(catalog|database/eca_dev|table/eca_dev/\\*)", r));
    }
}
