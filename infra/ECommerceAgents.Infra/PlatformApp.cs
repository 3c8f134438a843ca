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
            TerminationProtection = settings.Stage == StageName.Prod,
            // No Env: environment-agnostic, so `cdk synth` needs no credentials and the account/region come from the deploy.
        });
    }
}
