using Amazon.CDK;
using ECommerceAgents.Infra.Tests.Fixtures;

namespace ECommerceAgents.Infra.Tests;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class FunctionAssetsTests(SynthesizedStages stages)
{
    [Fact]
    public void PublishedAssetMissing_StopsTheSynth_StubsOnlyWhenAskedFor()
    {
        InfraSettings Settings(AssetMode mode) => new()
        {
            Stage = StageName.Dev,
            Assets = mode,
            RepositoryRoot = stages.RepositoryRoot,
            ResourcePrefix = "eca-test",
        };
        var stack = new Stack(new App(), "AssetsProbe");

        // A deploy must never ship the stub, which exits 1 on every invocation.
        var refused = Assert.Throws<InvalidOperationException>(() => new FunctionAssets(Settings(AssetMode.Published)).CodeFor(stack, "NoSuchFunction"));
        Assert.Contains("NoSuchFunction", refused.Message, StringComparison.Ordinal);
        Assert.Contains("-c assets=stub", refused.Message, StringComparison.Ordinal);

        _ = new FunctionAssets(Settings(AssetMode.Stub)).CodeFor(stack, "NoSuchFunction");
        Assert.True(File.Exists(Path.Combine(stages.RepositoryRoot, "artifacts", "stub-functions", "NoSuchFunction", "bootstrap")));
    }

    [Fact]
    public void PublishScript_CoversEveryFunctionAsset()
    {
        var script = File.ReadAllText(Path.Combine(stages.RepositoryRoot, "infra", "publish-functions.sh"));

        Assert.All(FunctionAssets.Names, name => Assert.Contains(name, script, StringComparison.Ordinal));
        Assert.Contains("-r linux-x64", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_UnknownStage_FailsWithTheChoices()
    {
        var app = new App(new AppProps { Context = new Dictionary<string, object> { ["stage"] = "staging" } });

        var error = Assert.Throws<ArgumentException>(() => InfraSettings.FromContext(app.Node, stages.RepositoryRoot));
        Assert.Contains("stage=dev", error.Message, StringComparison.Ordinal);
    }
}
