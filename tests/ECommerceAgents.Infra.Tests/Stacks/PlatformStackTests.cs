using Amazon.CDK;
using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Stacks;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class PlatformStackTests(SynthesizedStages stages)
{
    [Fact]
    public void Stacks_AreEnvironmentAgnostic()
    {
        foreach (var stage in stages.All)
        {
            Assert.True(Token.IsUnresolved(stage.Stack.Region));
            Assert.True(Token.IsUnresolved(stage.Stack.Account));
        }
    }

    [Fact]
    public void Stacks_AreNamedPerStage_ProdIsTerminationProtected()
    {
        Assert.Equal(["ECommerceAgents-dev", "ECommerceAgents-small", "ECommerceAgents-prod", "ECommerceAgents-prod", "ECommerceAgents-local"], stages.All.Select(s => s.Stack.StackName).ToArray());
        Assert.True(stages.Prod.Stack.TerminationProtection);
        Assert.True(stages.Small.Stack.TerminationProtection);
        Assert.False(stages.Dev.Stack.TerminationProtection);
    }

    [Fact]
    public void Local_LeavesOutWhatLocalStacksFreeTierLacks()
    {
        var local = stages.Local.Template;
        foreach (var type in new[]
                 {
                     "AWS::EC2::VPC", "AWS::EC2::VPCEndpoint", "AWS::ElastiCache::ServerlessCache", "AWS::OpenSearchService::Domain",
                     "AWS::RedshiftServerless::Namespace", "AWS::RedshiftServerless::Workgroup", "AWS::Glue::Database", "AWS::Glue::Crawler",
                     "AWS::WAFv2::WebACL", "AWS::ApiGateway::RestApi", "AWS::Lambda::Url", "AWS::QuickSight::DataSource",
                 })
        {
            local.ResourceCountIs(type, 0);
        }

        // No Lambda layers either: they are a paid LocalStack feature, and the public AWS layers cannot be pulled.
        Assert.All(stages.Local.Json.Resources("AWS::Lambda::Function"), f => Assert.False(f.Resource.GetProperty("Properties").TryGetProperty("Layers", out _)));
    }

    [Fact]
    public void Local_KeepsThePipelineCore()
    {
        var local = stages.Local;
        local.Template.ResourceCountIs("AWS::Kinesis::Stream", 1);
        local.Template.ResourceCountIs("AWS::KinesisFirehose::DeliveryStream", 3);
        local.Template.ResourceCountIs("AWS::Lambda::EventSourceMapping", 1);
        foreach (var function in new[] { "StreamProcessor", "LogTransformer", "CatalogImport", "BatchLoader", "SearchIndexer" })
        {
            Assert.True(local.Json.Has(function + "Function"), function);
        }

        Assert.False(local.Json.Has("ApiFunction"));
        Assert.All(local.Json.Resources("AWS::Lambda::Function"), f => Assert.False(f.Resource.GetProperty("Properties").TryGetProperty("VpcConfig", out _)));
    }

    [Fact]
    public void Outputs_NameTheEntryPoints()
    {
        stages.Dev.Template.HasOutput("ApiUrl", Obj(("Value", Match.AnyValue())));
        stages.Dev.Template.HasOutput("RecommendationsStreamUrl", Obj(("Value", Match.AnyValue())));
        stages.Dev.Template.HasOutput("LandingBucketName", Obj(("Value", Match.AnyValue())));
        stages.Dev.Template.HasOutput("OpenSearchAdminRoleArn", Obj(("Value", Match.AnyValue())));
    }

    [Fact]
    public void Assets_AreStubs_SoTestsNeverWaitOnPublishing()
    {
        var stub = Path.Combine(stages.RepositoryRoot, "artifacts", "stub-functions", "StreamProcessor", "bootstrap");
        Assert.StartsWith("#!/bin/sh", File.ReadAllText(stub), StringComparison.Ordinal);
    }
}
