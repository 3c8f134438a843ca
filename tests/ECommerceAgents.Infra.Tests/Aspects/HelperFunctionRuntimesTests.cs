using Amazon.CDK;
using Amazon.CDK.Assertions;
using Amazon.CDK.AWS.S3;
using ECommerceAgents.Infra.Aspects;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Aspects;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class HelperFunctionRuntimesTests(SynthesizedStages stages)
{
    [Fact]
    public void EveryFunction_IsOursOnAl2023_OrACdkHelperOnNode24()
    {
        foreach (var stage in stages.All)
        {
            foreach (var (id, function) in stage.Json.Resources("AWS::Lambda::Function"))
            {
                var runtime = function.GetProperty("Properties").GetProperty("Runtime").GetRawText();
                var ours = id.EndsWith("Function", StringComparison.Ordinal) && !id.StartsWith("Custom", StringComparison.Ordinal);
                Assert.True(runtime == (ours ? "\"provided.al2023\"" : "\"nodejs24.x\""), $"{stage.Stack.StackName}: {id} runs on {runtime}");
            }

            Assert.False(stage.Json.Root.TryGetProperty("Mappings", out var mappings) && mappings.TryGetProperty(HelperFunctionRuntimes.LatestNodeRuntimeMap, out _),
                $"{stage.Stack.StackName} still carries CDK's Node.js runtime map");
        }
    }

    [Fact]
    public void Dev_KeepsItsTwoHelpers_AutoDeleteAndDefaultSecurityGroup()
    {
        // Seven buckets (six zones and the exports) and the access-log bucket; one provider function serves them all.
        stages.Dev.Template.ResourceCountIs("Custom::S3AutoDeleteObjects", 7 + 1);
        stages.Dev.Template.ResourceCountIs("Custom::VpcRestrictDefaultSG", 1);
        stages.Dev.Template.ResourceCountIs("AWS::Lambda::Function", 7 + 2);
    }

    [Fact]
    public void Aspect_PinsAProviderOnAnyStack_AndDropsTheRuntimeMap()
    {
        var app = new App();
        var stack = new Stack(app, "HelperProbe");
        _ = new Bucket(stack, "Bucket", new BucketProps { RemovalPolicy = RemovalPolicy.DESTROY, AutoDeleteObjects = true });
        var before = Template.FromStack(stack).ToJSON();
        Assert.Contains("LatestNodeRuntimeMap", System.Text.Json.JsonSerializer.Serialize(before), StringComparison.Ordinal);

        var pinned = new Stack(new App(), "HelperProbePinned");
        _ = new Bucket(pinned, "Bucket", new BucketProps { RemovalPolicy = RemovalPolicy.DESTROY, AutoDeleteObjects = true });
        Amazon.CDK.Aspects.Of(pinned).Add(new HelperFunctionRuntimes());
        var template = Template.FromStack(pinned);

        template.HasResourceProperties("AWS::Lambda::Function", Obj(("Runtime", HelperFunctionRuntimes.NodeRuntime)));
        Assert.DoesNotContain("LatestNodeRuntimeMap", System.Text.Json.JsonSerializer.Serialize(template.ToJSON()), StringComparison.Ordinal);
    }
}
