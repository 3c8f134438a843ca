using ECommerceAgents.Infra.Checks;
using ECommerceAgents.Infra.Tests.Fixtures;

namespace ECommerceAgents.Infra.Tests.Stacks;

/// <summary>
/// Every stage the app synthesizes passes CloudFormation's own linter: zero errors, and no warning outside
/// <c>infra/cfn-lint-allowed.json</c>. And no function runs on a runtime whose creation AWS blocks within six months.
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class CloudFormationLintTests(SynthesizedStages stages)
{
    public static TheoryData<string> Stages => SynthesizedStages.Names;

    [Theory]
    [MemberData(nameof(Stages))]
    public async Task CfnLint_NoErrors_OnlyAllowListedWarnings(string name)
    {
        RequireCfnLint();
        var stage = stages.Named(name);

        var result = await CfnLint.RunAsync(stage.TemplateFile, CfnLintAllowList.ForRepository(stages.RepositoryRoot), CancellationToken.None);

        Assert.True(result.Errors.Count == 0, $"{name}: {string.Join("\n", result.Errors)}");
        Assert.True(result.Warnings.Count == 0, $"{name}: {string.Join("\n", result.Warnings)}");
    }

    [Fact]
    public void AllowList_AcceptsOnlyWhatItNames()
    {
        var allow = CfnLintAllowList.ForRepository(stages.RepositoryRoot);
        var function = new CfnLintFinding("W3005", "Warning", "Resources/StreamProcessorFunction/DependsOn/0",
            "'StreamProcessorHandlerRole45874111' dependency already enforced by a 'GetAtt' at 'Resources/StreamProcessorFunction/Properties/Role'");
        var stream = new CfnLintFinding("W3005", "Warning", "Resources/FirehoseRawD0B8C4ED/DependsOn/0",
            "'FirehoseRawRole4D8DD944' dependency already enforced by a 'GetAtt' at 'Resources/FirehoseRawD0B8C4ED/Properties/ExtendedS3DestinationConfiguration/RoleARN'");
        var error = new CfnLintFinding("E3031", "Error", "Resources/X/Properties/Description", "'→' does not match");

        var result = CfnLint.Split("t.json", [function, stream, error], allow);

        Assert.Single(result.Allowed, a => a.Finding == function);
        Assert.Equal([stream], result.Warnings);
        Assert.Equal([error], result.Errors);
    }

    [Theory]
    [MemberData(nameof(Stages))]
    public void Runtimes_NoneBlockedForCreationWithinSixMonths(string name)
    {
        RequireCfnLint();
        var lifecycle = RuntimeLifecycle.FromInstalledCfnLint();

        var problems = lifecycle.Problems(stages.Named(name).Json.Root, DateOnly.FromDateTime(DateTime.UtcNow));

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void RuntimeCheck_LooksAheadOfCfnLint()
    {
        RequireCfnLint();
        var lifecycle = RuntimeLifecycle.FromInstalledCfnLint();
        using var doc = System.Text.Json.JsonDocument.Parse("""
            {"Mappings":{"NodeMap":{"us-east-1":{"value":"nodejs22.x"},"eu-west-1":{"value":"nodejs24.x"}}},
             "Resources":{"A":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":{"Fn::FindInMap":["NodeMap",{"Ref":"AWS::Region"},"value"]}}},
                          "B":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":"python3.12"}}}}
            """);

        // nodejs22.x is still creatable on 2026-12-02 but not on 2027-06-01, inside the six-month horizon.
        var problems = lifecycle.Problems(doc.RootElement, new DateOnly(2026, 12, 2));

        Assert.Equal(["A: nodejs22.x cannot be created from 2027-06-01, within 183 days of 2026-12-02"], problems);
        Assert.Empty(lifecycle.Problems(doc.RootElement, new DateOnly(2026, 1, 1)));
    }

    private static void RequireCfnLint() =>
        Assert.SkipWhen(CfnLint.Executable() is null, "cfn-lint is not installed on this machine (it is part of this project's machine image: pip install cfn-lint==1.51.0)");
}
