using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using ECommerceAgents.Resources;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs.Functions;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class TriggerTests(SynthesizedStages stages)
{
    [Theory]
    [InlineData("/DataLake/Landing/Resource", "catalog/incoming/", "CatalogImportFunction")]
    [InlineData("/DataLake/Processed/Resource", "search-outbox/", "SearchIndexerFunction")]
    public void ObjectCreated_ReachesItsFunctionThroughEventBridge_WithoutAHelperFunction(string bucketPath, string prefix, string function)
    {
        foreach (var stage in stages.All)
        {
            var bucket = stage.Json.LogicalIdAt(bucketPath);
            Assert.Equal("""{"EventBridgeConfiguration":{"EventBridgeEnabled":true}}""",
                stage.Json.Resource(bucket).GetProperty("Properties").GetProperty("NotificationConfiguration").GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
            stage.Template.HasResourceProperties("AWS::Events::Rule", Obj(
                ("EventPattern", Obj(
                    ("source", Arr("aws.s3")),
                    ("detail-type", Arr("Object Created")),
                    ("detail", Obj(
                        ("bucket", Obj(("name", Arr(Ref(bucket))))),
                        ("object", Obj(("key", Arr(Obj(("prefix", prefix)))))))))),
                ("Targets", Arr(Match.ObjectLike(Obj(
                    ("Arn", GetAtt(function, "Arn")),
                    ("DeadLetterConfig", Obj(("Arn", Match.AnyValue()))),
                    ("RetryPolicy", Match.AnyValue())))))));
            stage.Template.ResourceCountIs("Custom::S3BucketNotifications", 0);
        }
    }

    [Fact]
    public void OtherBuckets_DoNotNotify()
    {
        foreach (var id in new[] { "Raw", "Quarantine", "Enriched", "Logs" })
        {
            var bucket = stages.Dev.Json.LogicalIdAt($"/DataLake/{id}/Resource");
            Assert.False(stages.Dev.Json.Resource(bucket).GetProperty("Properties").TryGetProperty("NotificationConfiguration", out _), id);
        }
    }

    [Fact]
    public void SearchIndexer_HasAnHourlySchedule()
    {
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
    public void LogTransformer_IsInvokedByTheLogsAndEnrichedDeliveryStreamsOnly()
    {
        var processed = new[] { "/Firehose/LogsRole/Resource", "/Firehose/EnrichedRole/Resource" }.Select(stages.Dev.Json.LogicalIdAt).Order(StringComparer.Ordinal).ToList();
        var invokers = stages.Dev.Json.IdentityStatements()
            .Where(s => s.Actions.Contains("lambda:InvokeFunction") && s.Resources.Any(r => r.Contains("LogTransformerFunction", StringComparison.Ordinal)))
            .Select(s => s.Roles).Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Equal(processed, invokers);
    }
}
