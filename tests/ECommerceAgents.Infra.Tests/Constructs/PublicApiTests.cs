using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class PublicApiTests(SynthesizedStages stages)
{
    [Fact]
    public void Routes_RequireApiKeys_ExceptHealthz()
    {
        var methods = stages.Dev.Json.Resources("AWS::ApiGateway::Method").Select(m => m.Resource.GetProperty("Properties")).ToList();

        Assert.Equal(3, methods.Count);
        Assert.Equal(2, methods.Count(m => m.GetProperty("HttpMethod").GetString() == "ANY" && m.GetProperty("ApiKeyRequired").GetBoolean()));
        Assert.Single(methods, m => m.GetProperty("HttpMethod").GetString() == "GET" && !m.GetProperty("ApiKeyRequired").GetBoolean());
        Assert.All(methods, m => Assert.Equal("AWS_PROXY", m.GetProperty("Integration").GetProperty("Type").GetString()));
    }

    [Fact]
    public void UsagePlan_ThrottlesAndCapsEachKey()
    {
        stages.Dev.Template.HasResourceProperties("AWS::ApiGateway::UsagePlan", Obj(
            ("Throttle", Obj(("RateLimit", 50), ("BurstLimit", 100))),
            ("Quota", Obj(("Limit", 100_000), ("Period", "DAY"))),
            ("ApiStages", Arr(Match.ObjectLike(Obj(("Stage", Match.AnyValue())))))));
        stages.Dev.Template.ResourceCountIs("AWS::ApiGateway::UsagePlanKey", 1);
        stages.Prod.Template.HasResourceProperties("AWS::ApiGateway::UsagePlan", Obj(("Throttle", Obj(("RateLimit", 2_000), ("BurstLimit", 4_000)))));
    }

    [Fact]
    public void Stage_LogsAccessAndTraces()
    {
        stages.Dev.Template.HasResourceProperties("AWS::ApiGateway::Stage", Obj(
            ("StageName", "dev"),
            ("TracingEnabled", true),
            ("AccessLogSetting", Match.ObjectLike(Obj(("DestinationArn", Match.AnyValue()))))));
    }

    [Fact]
    public void WebAcl_HasAPerIpRateRuleAndIsAssociatedWithTheStage()
    {
        stages.Dev.Template.HasResourceProperties("AWS::WAFv2::WebACL", Obj(
            ("Scope", "REGIONAL"),
            ("DefaultAction", Obj(("Allow", Obj()))),
            ("Rules", Match.ArrayWith(Arr(Match.ObjectLike(Obj(
                ("Name", "rate-limit-per-ip"),
                ("Action", Obj(("Block", Obj()))),
                ("Statement", Obj(("RateBasedStatement", Obj(("Limit", 2_000), ("AggregateKeyType", "IP"))))))))))));

        var stage = stages.Dev.Json.LogicalIdAt("/PublicApi/RestApi/DeploymentStage.dev/Resource");
        var association = stages.Dev.Json.Resources("AWS::WAFv2::WebACLAssociation").Single().Resource.GetProperty("Properties");
        Assert.Contains(stage, association.GetProperty("ResourceArn").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void WebAcl_ManagedRulesLetLargeBatchesThrough()
    {
        stages.Dev.Template.HasResourceProperties("AWS::WAFv2::WebACL", Obj(
            ("Rules", Match.ArrayWith(Arr(Match.ObjectLike(Obj(
                ("Statement", Obj(("ManagedRuleGroupStatement", Obj(
                    ("VendorName", "AWS"), ("Name", "AWSManagedRulesCommonRuleSet"),
                    ("RuleActionOverrides", Arr(Obj(("Name", "SizeRestrictions_BODY"), ("ActionToUse", Obj(("Count", Obj())))))))))))))))));
    }
}
