using Amazon.CDK;
using ECommerceAgents.Infra.Stacks;

namespace ECommerceAgents.Infra;

/// <summary>Builds the stage's stack into an app. Program.cs and the tests share it.</summary>
public static class PlatformApp
{
    public static PlatformStack Build(App app, string? repositoryRoot = null)
    {
        var settings = InfraSettings.FromContext(app.Node, repositoryRoot);
        return new PlatformStack(app, settings.StackName, new PlatformStackProps
        {
            Settings = settings,
            StackName = settings.StackName,
            Description = $"ECommerceAgents serverless e-commerce data platform ({settings.StageText})",
            TerminationProtection = StageConfig.For(settings.Stage).IsProduction,
            // No Env: environment-agnostic, so `cdk synth` needs no credentials and the account/region come from the deploy.
        });
    }

    /// <summary>
    /// Synthesizes one stage in process, as the CDK CLI would run the app: cdk.json's context, the given keys on top
    /// (stage, assets, …), construct paths in the metadata. Returns the template file. Used by tests that need a
    /// template without the CLI; jsii is not thread-safe, so callers synthesize one at a time.
    /// </summary>
    public static string SynthesizeTemplate(string repositoryRoot, IReadOnlyDictionary<string, object> context, string outdir)
    {
        var all = new Dictionary<string, object>(StringComparer.Ordinal);
        using (var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(repositoryRoot, "cdk.json"))))
        {
            foreach (var p in doc.RootElement.GetProperty("context").EnumerateObject())
            {
                all[p.Name] = p.Value.ValueKind switch
                {
                    System.Text.Json.JsonValueKind.True => true,
                    System.Text.Json.JsonValueKind.False => false,
                    System.Text.Json.JsonValueKind.Array => p.Value.EnumerateArray().Select(e => e.ToString()).ToArray(),
                    _ => p.Value.ToString(),
                };
            }
        }

        all["aws:cdk:enable-path-metadata"] = true;
        foreach (var (k, v) in context) all[k] = v;
        var app = new App(new AppProps { Outdir = outdir, Context = all });
        var stack = Build(app, repositoryRoot);
        app.Synth();
        return Path.Combine(outdir, stack.TemplateFile);
    }
}
