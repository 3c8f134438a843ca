using ECommerceAgents.Infra.Tests.Fixtures;

namespace ECommerceAgents.Infra.Tests;

/// <summary>samconfig.toml points SAM's local commands at what `cdk synth` writes: the files and function ids must exist.</summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class SamConfigTests(SynthesizedStages stages)
{
    private const string LocalInvoke = ".local_invoke.parameters";

    private IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> Config { get; } =
        TomlReader.Parse(File.ReadAllText(Path.Combine(stages.RepositoryRoot, "samconfig.toml")));

    [Fact]
    public void TemplateFiles_ExistAfterSynth()
    {
        var templates = Config.Values.Where(t => t.ContainsKey("template_file")).Select(t => (string)t["template_file"]).Distinct().ToList();

        Assert.NotEmpty(templates);
        foreach (var template in templates)
        {
            Assert.StartsWith("cdk.out/", template, StringComparison.Ordinal);
            // The fixture synthesized into its own cdk.out; the file name is what `cdk synth` writes at the repo root.
            Assert.True(File.Exists(Path.Combine(stages.Dev.Outdir, template["cdk.out/".Length..])), template);
        }
    }

    [Fact]
    public void FunctionEnvironments_NameFunctionsInTheTemplate()
    {
        var functions = Config.Keys.Where(k => k.EndsWith(LocalInvoke, StringComparison.Ordinal) && !k.StartsWith("default.", StringComparison.Ordinal))
            .Select(k => k[..^LocalInvoke.Length]).ToList();

        Assert.Equal(6, functions.Count);
        foreach (var function in functions)
        {
            var resource = stages.Dev.Json.Resource(function);
            Assert.Equal("AWS::Lambda::Function", resource.GetProperty("Type").GetString());
            // SAM finds the code through the asset metadata the CDK CLI writes.
            Assert.True(resource.GetProperty("Metadata").TryGetProperty("aws:asset:path", out _), function);
        }
    }

    [Fact]
    public void Events_ExistInTheEventsFolder()
    {
        foreach (var table in Config.Values.Where(t => t.ContainsKey("event")))
        {
            var path = (string)table["event"];
            Assert.True(File.Exists(Path.Combine(stages.RepositoryRoot, path)), path);
        }
    }

    [Fact]
    public void StackName_IsTheDevStack()
    {
        Assert.Equal(stages.Dev.Stack.StackName, Config["default.global.parameters"]["stack_name"]);
    }
}
