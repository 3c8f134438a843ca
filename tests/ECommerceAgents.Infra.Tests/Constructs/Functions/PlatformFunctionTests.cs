using System.Text.Json;
using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Tests.Constructs.Functions;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class PlatformFunctionTests(SynthesizedStages stages)
{
    public static TheoryData<string, int, int> Sizes => new()
    {
        { "StreamProcessor", 1769, 120 }, // one full vCPU (issue 19)
        { "LogTransformer", 1024, 120 },
        { "CatalogImport", 1024, 900 },
        { "BatchLoader", 3008, 900 },
        { "SearchIndexer", 512, 300 },
        { "Api", 1024, 29 },
        { "ApiStream", 512, 305 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Function_IsNativeAotOnProvidedAl2023WithItsOwnSize(string name, int memory, int timeout)
    {
        var properties = stages.Dev.Json.Resource(name + "Function").GetProperty("Properties");

        Assert.Equal("provided.al2023", properties.GetProperty("Runtime").GetString());
        Assert.Equal("bootstrap", properties.GetProperty("Handler").GetString());
        Assert.Equal("x86_64", properties.GetProperty("Architectures")[0].GetString());
        Assert.Equal(memory, properties.GetProperty("MemorySize").GetInt32());
        Assert.Equal(timeout, properties.GetProperty("Timeout").GetInt32());
        Assert.Equal("Active", properties.GetProperty("TracingConfig").GetProperty("Mode").GetString());
    }

    [Theory]
    [InlineData("StreamProcessor", true)]
    [InlineData("BatchLoader", false)] // the Redshift Data API is an AWS API: no Redshift connection from the VPC
    [InlineData("SearchIndexer", true)]
    [InlineData("Api", true)]
    [InlineData("ApiStream", true)]
    [InlineData("LogTransformer", false)]
    [InlineData("CatalogImport", false)]
    public void Function_ThatReachesRedisOrSearch_RunsInTheVpc(string name, bool inVpc)
    {
        var properties = stages.Dev.Json.Resource(name + "Function").GetProperty("Properties");

        Assert.Equal(inVpc, properties.TryGetProperty("VpcConfig", out _));
    }

    [Fact]
    public void Api_RunsBehindTheWebAdapterLayer()
    {
        stages.Dev.Template.HasResourceProperties("AWS::Lambda::Function", Obj(
            ("Handler", "bootstrap"),
            ("Layers", Match.ArrayWith(Arr(Obj(("Fn::Sub", "arn:${AWS::Partition}:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:27"))))),
            ("Environment", Obj(("Variables", Match.ObjectLike(Obj(("AWS_LWA_PORT", "8080"), ("AWS_LWA_READINESS_CHECK_PATH", "/healthz"))))))));
    }

    [Fact]
    public void ApiStream_StreamsThroughTheRestApiOnly_WithCappedConcurrency()
    {
        var environment = stages.Dev.Json.FunctionEnvironment("ApiStreamFunction");
        Assert.Equal("response_stream", environment["AWS_LWA_INVOKE_MODE"]);
        Assert.Equal("stream", environment[SettingNames.ApiMode]);

        // No function URL: it would bypass the WAF.
        foreach (var stage in stages.All) stage.Template.ResourceCountIs("AWS::Lambda::Url", 0);
        Assert.DoesNotContain(stages.Dev.Json.Resources("AWS::Lambda::Permission"), p => p.Resource.GetProperty("Properties").GetProperty("Principal").GetRawText() == "\"*\"");
        stages.Dev.Template.HasResourceProperties("AWS::Lambda::Function", Obj(("Description", Match.StringLikeRegexp("Recommendations push")), ("ReservedConcurrentExecutions", 10), ("Timeout", 305)));
        stages.Prod.Template.HasResourceProperties("AWS::Lambda::Function", Obj(("Description", Match.StringLikeRegexp("Recommendations push")), ("ReservedConcurrentExecutions", 100)));
    }

    [Fact]
    public void SecretsExtension_IsOnTheFunctionsThatReadParameters()
    {
        static bool HasExtension(JsonElement function) =>
            function.GetProperty("Properties").TryGetProperty("Layers", out var layers) &&
            layers.GetRawText().Contains("Paramsandsecrets", StringComparison.OrdinalIgnoreCase);

        var json = stages.Dev.Json;
        Assert.True(HasExtension(json.Resource("StreamProcessorFunction")));
        Assert.True(HasExtension(json.Resource("ApiFunction")));
        Assert.False(HasExtension(json.Resource("LogTransformerFunction")));
    }

    [Fact]
    public void LogGroups_FollowTheStageRetention()
    {
        stages.Dev.Template.HasResourceProperties("AWS::Logs::LogGroup", Obj(("RetentionInDays", 14)));
        stages.Prod.Template.HasResourceProperties("AWS::Logs::LogGroup", Obj(("RetentionInDays", 180)));
        Assert.DoesNotContain(stages.Prod.Json.Resources("AWS::Logs::LogGroup"),
            g => g.Resource.GetProperty("Properties").TryGetProperty("RetentionInDays", out var days) && days.GetInt32() < 180);
    }
}
