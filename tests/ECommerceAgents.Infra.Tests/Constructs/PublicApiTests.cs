using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class PublicApiTests(SynthesizedStages stages)
{
    [Fact]
    public void Routes_NeedNoGatewayKey_TheAppChecksKeysItself()
    {
        // Keys created through /v1/admin/keys live in DynamoDB only; a gateway key requirement would refuse them (and
        // Segment's HTTP Basic or a browser's sendBeacon carry no x-api-key at all).
        foreach (var stage in new[] { stages.Dev, stages.Prod })
        {
            var methods = stage.Json.Resources("AWS::ApiGateway::Method").Select(m => m.Resource.GetProperty("Properties")).ToList();
            Assert.Equal(4, methods.Count);
            Assert.All(methods, m => Assert.False(m.TryGetProperty("ApiKeyRequired", out var required) && required.GetBoolean()));
            Assert.All(methods, m => Assert.Equal("AWS_PROXY", m.GetProperty("Integration").GetProperty("Type").GetString()));
            Assert.DoesNotContain(stage.Json.Resource(stage.Json.Resources("AWS::ApiGateway::RestApi").Single().LogicalId).GetProperty("Properties").EnumerateObject(), p => p.Name == "ApiKeySourceType");
            stage.Template.ResourceCountIs("AWS::ApiGateway::ApiKey", 0);
            stage.Template.ResourceCountIs("AWS::ApiGateway::UsagePlan", 0);
        }
    }

    [Fact]
    public void RestApi_TreatsEveryBodyAsBinary_SoGzipRequestsArriveIntact()
    {
        // A gzip body sent as application/json (Segment's SDKs) would reach the function UTF-8 decoded, and broken,
        // unless its Content-Type matches a binary media type.
        foreach (var stage in new[] { stages.Dev, stages.Prod })
        {
            var api = stage.Json.Resource(stage.Json.Resources("AWS::ApiGateway::RestApi").Single().LogicalId).GetProperty("Properties");
            Assert.Equal(["*/*"], api.GetProperty("BinaryMediaTypes").EnumerateArray().Select(t => t.GetString()));
        }
    }

    [Fact]
    public void Stage_ThrottlesEveryRoute()
    {
        stages.Dev.Template.HasResourceProperties("AWS::ApiGateway::Stage", Obj(
            ("MethodSettings", Match.ArrayWith(Arr(Match.ObjectLike(Obj(("ThrottlingRateLimit", 50), ("ThrottlingBurstLimit", 100))))))));
        stages.Prod.Template.HasResourceProperties("AWS::ApiGateway::Stage", Obj(
            ("MethodSettings", Match.ArrayWith(Arr(Match.ObjectLike(Obj(("ThrottlingRateLimit", 2_000), ("ThrottlingBurstLimit", 4_000))))))));
    }

    [Fact]
    public void StreamRoute_UsesResponseStreamingOnTheStreamFunction()
    {
        var method = stages.Dev.Json.Resources("AWS::ApiGateway::Method")
            .Single(m => m.Resource.GetProperty("Properties").GetProperty("Integration").TryGetProperty("ResponseTransferMode", out _)).Resource.GetProperty("Properties");
        var integration = method.GetProperty("Integration");

        Assert.Equal("GET", method.GetProperty("HttpMethod").GetString());
        Assert.Equal("STREAM", integration.GetProperty("ResponseTransferMode").GetString());
        Assert.Equal(300_000, integration.GetProperty("TimeoutInMillis").GetInt32());
        var uri = integration.GetProperty("Uri").GetRawText();
        Assert.Contains(":lambda:path/2021-11-15/functions/", uri, StringComparison.Ordinal);
        Assert.Contains("/response-streaming-invocations", uri, StringComparison.Ordinal);
        Assert.Contains("ApiStreamFunction", uri, StringComparison.Ordinal);
        var resource = method.GetProperty("ResourceId").GetProperty("Ref").GetString()!;
        Assert.Equal("stream", stages.Dev.Json.Resource(resource).GetProperty("Properties").GetProperty("PathPart").GetString());
        stages.Dev.Template.HasResourceProperties("AWS::Lambda::Permission", Obj(
            ("Action", "lambda:InvokeFunction"), ("FunctionName", GetAtt("ApiStreamFunction", "Arn")), ("Principal", "apigateway.amazonaws.com")));
    }

    [Fact]
    public void CloudWatchRole_IsCreatedOnlyWhenThisStageOwnsTheAccountSetting()
    {
        stages.Dev.Template.ResourceCountIs("AWS::ApiGateway::Account", 1);
        stages.DevExistingAccountRole.Template.ResourceCountIs("AWS::ApiGateway::Account", 0);
        stages.DevExistingAccountRole.Template.ResourceCountIs("AWS::ApiGateway::RestApi", 1);
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
        foreach (var (rule, header) in new[] { ("rate-limit-per-key", "x-api-key"), ("rate-limit-per-basic-key", "authorization") })
        {
            stages.Dev.Template.HasResourceProperties("AWS::WAFv2::WebACL", Obj(
                ("Rules", Match.ArrayWith(Arr(Match.ObjectLike(Obj(
                    ("Name", rule),
                    ("Action", Obj(("Block", Obj()))),
                    ("Statement", Obj(("RateBasedStatement", Obj(
                        ("Limit", 15_000),
                        ("AggregateKeyType", "CUSTOM_KEYS"),
                        ("CustomKeys", Arr(Obj(("Header", Obj(("Name", header), ("TextTransformations", Arr(Obj(("Priority", 0), ("Type", "NONE"))))))))))))))))))));
        }

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
