using System.Text.Json.Nodes;
using ECommerceAgents.Infra.Checks;
using ECommerceAgents.Infra.Tests.Fixtures;

namespace ECommerceAgents.Infra.Tests.Checks;

/// <summary>
/// Every AWS call a function in the isolated subnets makes has a route there (VpcRoutes). The check found that Api,
/// its container and StreamProcessor sealed and opened personal fields with KMS from subnets that had no KMS endpoint:
/// IAM allowed the calls, LocalStack (no VPC) answered them, and in AWS they would have timed out.
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class VpcRoutesTests(SynthesizedStages stages)
{
    private IReadOnlyList<RequiredAction> Required => IamDeclarations.LoadRequired(Path.Combine(stages.RepositoryRoot, "infra", IamDeclarations.RequiredFile));

    private IReadOnlyList<ImpliedCall> Implied => IamDeclarations.LoadImplied(Path.Combine(stages.RepositoryRoot, "infra", IamDeclarations.ImpliedFile));

    [Fact]
    public void EveryStage_EveryCallFromTheIsolatedSubnets_HasARoute()
    {
        foreach (var stage in stages.All)
        {
            var unrouted = VpcRoutes.Check(CfnTemplate.Load(stage.TemplateFile), Required, Implied);

            Assert.True(unrouted.Count == 0, $"{stage.Stack.StackName}: {string.Join("; ", unrouted.Select(u => $"{u.Function} {u.Action}: {u.Why}"))}");
        }
    }

    [Fact]
    public void WithoutTheKmsEndpoint_TheSealingCallsHaveNoRoute()
    {
        var template = JsonNode.Parse(File.ReadAllText(stages.Dev.TemplateFile))!;
        var resources = template["Resources"]!.AsObject();
        var kms = resources.Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::EC2::VPCEndpoint" && r.Value!["Properties"]!["ServiceName"]!.ToJsonString().Contains(".kms", StringComparison.Ordinal)).Key;
        resources.Remove(kms);

        var unrouted = VpcRoutes.Check(CfnTemplate.Parse(template.ToJsonString()), Required, Implied);

        Assert.Equal(
            ["Api kms:GenerateDataKey", "StreamProcessor kms:Decrypt", "StreamProcessor kms:GenerateDataKey"],
            unrouted.Select(u => $"{u.Function} {u.Action}").Order(StringComparer.Ordinal));
        Assert.All(unrouted, u => Assert.Equal("no kms interface endpoint with private DNS", u.Why));
    }

    [Fact]
    public void AnUndeclaredService_IsReported_AServiceAwsCallsForTheFunctionIsNot()
    {
        var required = Required.Concat([new RequiredAction("Api", "sqs:SendMessage", ""), new RequiredAction("Api", "logs:PutLogEvents", "")]).ToList();

        var unrouted = VpcRoutes.Check(CfnTemplate.Load(stages.Dev.TemplateFile), required, Implied);

        var single = Assert.Single(unrouted);
        Assert.Equal(("Api", "sqs:SendMessage"), (single.Function, single.Action));
    }

    [Fact]
    public void BatchLoader_RunsOutsideTheVpc_SoItsWarehouseLambdaAndGlueCallsNeedNoEndpoint()
    {
        foreach (var stage in new[] { stages.Dev, stages.Small, stages.Prod })
        {
            var template = CfnTemplate.Load(stage.TemplateFile);
            Assert.False(template.Properties("BatchLoaderFunction").TryGetProperty("VpcConfig", out _), stage.Stack.StackName);
            var services = template.OfType("AWS::EC2::VPCEndpoint").Select(e => template.Render(e.Resource.GetProperty("Properties").GetProperty("ServiceName")).Split('.')[^1]).ToList();
            Assert.DoesNotContain("redshift-data", services);
            Assert.DoesNotContain("lambda", services);
            Assert.DoesNotContain("glue", services);
            Assert.Contains("kms", services);
        }
    }
}
