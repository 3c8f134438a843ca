using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using ECommerceAgents.Resources;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs.Functions;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class TriggerTests(SynthesizedStages stages)
{
    [Fact]
    public void CatalogImport_ObjectCreatedUnderIncoming_OnTheLandingBucket()
    {
        var landing = stages.Dev.Json.LogicalIdAt("/DataLake/Landing/Resource");

        stages.Dev.Template.HasResourceProperties("Custom::S3BucketNotifications", Obj(
            ("BucketName", Ref(landing)),
            ("NotificationConfiguration", Obj(("LambdaFunctionConfigurations", Arr(Obj(
                ("Events", Arr("s3:ObjectCreated:*")),
                ("Filter", Obj(("Key", Obj(("FilterRules", Arr(Obj(("Name", "prefix"), ("Value", Prefixes.CatalogIncoming)))))))),
                ("LambdaFunctionArn", GetAtt("CatalogImportFunction", "Arn")))))))));
    }

    [Fact]
    public void SearchIndexer_ObjectCreatedInTheSearchOutbox_AndASchedule()
    {
        var processed = stages.Dev.Json.LogicalIdAt("/DataLake/Processed/Resource");

        stages.Dev.Template.HasResourceProperties("Custom::S3BucketNotifications", Obj(
            ("BucketName", Ref(processed)),
            ("NotificationConfiguration", Obj(("LambdaFunctionConfigurations", Arr(Obj(
                ("Filter", Obj(("Key", Obj(("FilterRules", Arr(Obj(("Name", "prefix"), ("Value", Prefixes.SearchOutbox)))))))),
                ("LambdaFunctionArn", GetAtt("SearchIndexerFunction", "Arn")))))))));
        stages.Dev.Template.HasResourceProperties("AWS::Events::Rule", Obj(
            ("ScheduleExpression", "rate(1 hour)"),
            ("Targets", Arr(Match.ObjectLike(Obj(("Arn", GetAtt("SearchIndexerFunction", "Arn"))))))));
    }

    [Fact]
    public void BatchLoader_OurCrawlersSucceeding_StartsIt()
    {
        stages.Dev.Template.HasResourceProperties("AWS::Events::Rule", Obj(
            ("EventPattern", Obj(
                ("source", Arr("aws.glue")),
                ("detail-type", Arr("Glue Crawler State Change")),
                ("detail", Obj(
                    ("state", Arr("Succeeded")),
                    ("crawlerName", Arr("eca-dev-enriched-crawler", "eca-dev-logs-crawler", "eca-dev-processed-crawler")))))),
            ("Targets", Arr(Match.ObjectLike(Obj(("Arn", GetAtt("BatchLoaderFunction", "Arn")), ("RetryPolicy", Match.AnyValue())))))));
    }

    [Fact]
    public void BatchLoader_HourlySchedule_IsTheSafetyNet()
    {
        foreach (var stage in stages.All)
        {
            stage.Template.HasResourceProperties("AWS::Events::Rule", Obj(
                ("ScheduleExpression", "rate(1 hour)"),
                ("Targets", Arr(Match.ObjectLike(Obj(("Arn", GetAtt("BatchLoaderFunction", "Arn"))))))));
        }
    }

    [Fact]
    public void BatchLoader_FansOut_ByInvokingItselfOnly()
    {
        var batchRole = stages.Dev.Json.LogicalIdAt("/BatchLoader/Handler/Role/Resource");
        var statements = stages.Dev.Json.IdentityStatements()
            .Where(s => s.Actions.Contains("lambda:InvokeFunction") && s.Roles == batchRole)
            .ToList();

        var fanOut = Assert.Single(statements);
        var resource = Assert.Single(fanOut.Resources);
        Assert.Contains("BatchLoaderFunction", resource, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchLoader_ReservedConcurrencyProtectsTheWarehouse_CatalogImportHasRoomToSpill()
    {
        stages.Dev.Template.HasResourceProperties("AWS::Lambda::Function", Obj(("Description", Match.StringLikeRegexp("^Enriched zone")), ("ReservedConcurrentExecutions", 4)));
        stages.Dev.Template.HasResourceProperties("AWS::Lambda::Function", Obj(("Description", Match.StringLikeRegexp("[Cc]atalog")), ("EphemeralStorage", Obj(("Size", 2048)))));
    }

    [Fact]
    public void LogTransformer_IsInvokedByTheLogsDeliveryStreamOnly()
    {
        var logsRole = stages.Dev.Json.LogicalIdAt("/Firehose/LogsRole/Resource");
        var invokers = stages.Dev.Json.IdentityStatements()
            .Where(s => s.Actions.Contains("lambda:InvokeFunction") && s.Resources.Any(r => r.Contains("LogTransformerFunction", StringComparison.Ordinal)))
            .Select(s => s.Roles).Distinct().ToList();

        Assert.Equal([logsRole], invokers);
    }
}
