using Amazon.CDK.Assertions;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Infra.Tests.Fixtures;
using ECommerceAgents.Resources;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Stacks;

/// <summary>
/// The <c>small</c> stage (about 10 requests a second): every capability dev and prod deploy, with a right-sized search
/// domain, the smallest Redshift Serverless base, fixed-rate X-Ray sampling and no hourly crawlers (BatchLoader registers
/// its partitions in Glue).
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class SmallStageTests(SynthesizedStages stages)
{
    [Fact]
    public void Small_DeploysEveryResourceTypeDevDeploys()
    {
        var small = stages.Small.Json.Resources().Select(r => r.Resource.GetProperty("Type").GetString()).ToHashSet();
        // Only dev empties its buckets on deletion (CDK's auto-delete custom resource); small retains them as prod does.
        var missing = stages.Dev.Json.Resources().Select(r => r.Resource.GetProperty("Type").GetString()).Distinct()
            .Where(t => !small.Contains(t) && t != "Custom::S3AutoDeleteObjects").ToList();

        Assert.Empty(missing);
        foreach (var type in new[] { "AWS::ApiGateway::RestApi", "AWS::WAFv2::WebACL", "AWS::Kinesis::Stream", "AWS::KinesisFirehose::DeliveryStream", "AWS::ElastiCache::ServerlessCache", "AWS::OpenSearchService::Domain", "AWS::RedshiftServerless::Workgroup", "AWS::Glue::Crawler", "AWS::Glue::Table" })
        {
            Assert.Contains(type, small);
        }
    }

    [Fact]
    public void Search_TwoSmallDataNodesInTwoAzs_NoDedicatedMasters()
    {
        stages.Small.Template.HasResourceProperties("AWS::OpenSearchService::Domain", Obj(
            ("ClusterConfig", Obj(
                ("InstanceCount", 2), ("InstanceType", "t3.small.search"), ("DedicatedMasterEnabled", false),
                ("ZoneAwarenessEnabled", true), ("ZoneAwarenessConfig", Obj(("AvailabilityZoneCount", 2))),
                ("MultiAZWithStandbyEnabled", false))),
            ("EncryptionAtRestOptions", Obj(("Enabled", true))),
            ("AdvancedSecurityOptions", Match.ObjectLike(Obj(("Enabled", true))))));
    }

    [Fact]
    public void Warehouse_SmallestBaseCapacity()
    {
        stages.Small.Template.HasResourceProperties("AWS::RedshiftServerless::Workgroup", Obj(("BaseCapacity", 4), ("MaxCapacity", 8)));
        stages.Dev.Template.HasResourceProperties("AWS::RedshiftServerless::Workgroup", Obj(("BaseCapacity", 8)));
        stages.Prod.Template.HasResourceProperties("AWS::RedshiftServerless::Workgroup", Obj(("BaseCapacity", 32)));
    }

    [Fact]
    public void XRay_ApiSampledAtAFixedRate_FunctionsPassThrough()
    {
        stages.Small.Template.HasResourceProperties("AWS::XRay::SamplingRule", Obj(("SamplingRule", Match.ObjectLike(Obj(
            ("RuleName", "eca-small-api"), ("FixedRate", 0.01), ("ReservoirSize", 0),
            ("ServiceName", "eca-small-api/small"), ("ServiceType", "AWS::ApiGateway::Stage"))))));
        stages.Small.Template.HasResourceProperties("AWS::ApiGateway::Stage", Obj(("TracingEnabled", true)));
        Assert.All(stages.Small.Json.Resources("AWS::Lambda::Function").Where(f => IsOurs(f.LogicalId)),
            f => Assert.Equal("PassThrough", f.Resource.GetProperty("Properties").GetProperty("TracingConfig").GetProperty("Mode").GetString()));

        // dev and prod keep X-Ray's defaults: active tracing, no rule of ours.
        foreach (var stage in new[] { stages.Dev, stages.Prod })
        {
            stage.Template.ResourceCountIs("AWS::XRay::SamplingRule", 0);
            Assert.All(stage.Json.Resources("AWS::Lambda::Function").Where(f => IsOurs(f.LogicalId)),
                f => Assert.Equal("Active", f.Resource.GetProperty("Properties").GetProperty("TracingConfig").GetProperty("Mode").GetString()));
        }
    }

    [Fact]
    public void Glue_NoScheduledCrawls_TheWorkflowRunsThemOnDemand()
    {
        stages.Small.Template.ResourceCountIs("AWS::Glue::Crawler", 3);
        stages.Small.Template.ResourceCountIs("AWS::Glue::Trigger", 1);
        stages.Small.Template.HasResourceProperties("AWS::Glue::Trigger", Obj(
            ("Type", "ON_DEMAND"), ("Schedule", Match.Absent()), ("StartOnCreation", Match.Absent()), ("WorkflowName", "eca-small-catalog")));
        stages.Dev.Template.HasResourceProperties("AWS::Glue::Trigger", Obj(("Type", "SCHEDULED"), ("Schedule", "cron(10 * * * ? *)")));
        stages.Prod.Template.HasResourceProperties("AWS::Glue::Trigger", Obj(("Type", "SCHEDULED")));
    }

    [Fact]
    public void BatchLoader_RegistersPartitions_WithGlueReachableAndAllowed()
    {
        var env = stages.Small.Json.FunctionEnvironment("BatchLoaderFunction");
        Assert.Equal("on", env[SettingNames.GlueRegisterPartitions]);
        Assert.Equal("eca_small", env[SettingNames.GlueDatabase]);

        var role = stages.Small.Json.LogicalIdAt("/BatchLoader/Handler/Role/Resource");
        var glue = stages.Small.Json.IdentityStatements().Where(s => s.Actions.Contains("glue:BatchCreatePartition") && s.Roles.Contains(role, StringComparison.Ordinal)).ToList();
        var statement = Assert.Single(glue);
        Assert.Equal(["glue:BatchCreatePartition", "glue:GetTable"], statement.Actions.Order(StringComparer.Ordinal));
        Assert.Contains(statement.Resources, r => r.Contains(":table/eca_small/" + ZoneLayout.CatalogEventsTable, StringComparison.Ordinal));
        Assert.Contains(statement.Resources, r => r.Contains(":table/eca_small/" + ZoneLayout.CatalogOrderLinesTable, StringComparison.Ordinal));
        Assert.DoesNotContain(statement.Resources, r => r.EndsWith("/*\"]]}", StringComparison.Ordinal) || r.EndsWith("/*", StringComparison.Ordinal));

    }

    [Fact]
    public void DevAndProd_KeepTheCrawlers_BatchLoaderRegistersNothing()
    {
        foreach (var stage in new[] { stages.Dev, stages.Prod })
        {
            Assert.False(stage.Json.FunctionEnvironment("BatchLoaderFunction").ContainsKey(SettingNames.GlueRegisterPartitions));
            Assert.DoesNotContain(stage.Json.IdentityStatements(), s => s.Actions.Contains("glue:BatchCreatePartition") && !s.Roles.Contains("Crawler", StringComparison.Ordinal));
            Assert.DoesNotContain(stage.Json.Resources("AWS::EC2::VPCEndpoint"), e => e.Resource.GetProperty("Properties").GetProperty("ServiceName").GetRawText().Contains(".glue", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Small_IsProtectedLikeProd()
    {
        stages.Small.Template.HasResource("AWS::DynamoDB::Table", Obj(("DeletionPolicy", "Retain")));
        stages.Small.Template.HasResourceProperties("AWS::DynamoDB::Table", Obj(("DeletionProtectionEnabled", true), ("BillingMode", "PAY_PER_REQUEST")));
        stages.Small.Template.HasResourceProperties("AWS::CloudWatch::Alarm", Obj(("AlarmName", "eca-small-freshness"), ("TreatMissingData", "breaching")));
    }

    private static bool IsOurs(string logicalId) =>
        new[] { "StreamProcessor", "LogTransformer", "CatalogImport", "BatchLoader", "SearchIndexer", "Api", "ApiStream" }.Any(n => logicalId == n + "Function");
}
