using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Infra;
using ECommerceAgents.Infra.Checks;
using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.IntegrationTests.Iam;

/// <summary>Runs after every parallel test class of the assembly, alone: the record of the run is complete by then.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IamReplayCollection
{
    public const string Name = "IAM replay of this run";
}

/// <summary>
/// The IAM replay of this test run: every AWS call the functions made in the integration tests (each through its own
/// clients, under its own name) is evaluated against that function's role in each stage's synthesized template, with
/// the declared calls the local stack cannot see. Any call a role does not allow fails the test, with the evidence.
/// </summary>
[Collection(IamReplayCollection.Name)]
public sealed class IamReplayOfThisRunTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string?> Stages => new()
    {
        { "dev", "dev", null },
        { "prod", "prod", null },
        { "small", "small", null },
        { "prod with QuickSight", "prod", "arn:aws:quicksight:us-east-1:123456789012:group/default/analysts" },
        { "local", "local", null },
    };

    private static readonly Lock Synth = new();

    [Theory]
    [MemberData(nameof(Stages))]
    public void RecordedCalls_AreAllowedByEveryRole(string name, string stage, string? quickSightPrincipal)
    {
        var root = LocalStackOptions.FindRepositoryRoot();
        var (calls, names) = AwsCallLog.Read([CallRecording.Path]);
        // The record is this run's: the other classes ran before this collection, so their calls are in it.
        Assert.True(calls.Select(c => c.Caller).Distinct().Count() >= 5,
            $"only {calls.Count} calls from [{string.Join(", ", calls.Select(c => c.Caller).Distinct())}] were recorded: the replay reads what this run's other test classes recorded, so run the whole assembly (a filtered run cannot feed it), or the call log is broken");

        string template;
        lock (Synth)
        {
            var context = new Dictionary<string, object> { ["stage"] = stage, ["assets"] = "stub" };
            if (quickSightPrincipal is not null)
            {
                context["quicksight"] = "true";
                context["quicksightPrincipalArn"] = quickSightPrincipal;
            }

            template = PlatformApp.SynthesizeTemplate(root, context, Path.Combine(Path.GetTempPath(), $"eca-iam-synth-{Environment.ProcessId}", name.Replace(' ', '-')));
        }

        var report = IamReplay.Run(CfnTemplate.Load(template), calls, names,
            IamDeclarations.LoadImplied(Path.Combine(root, "infra", IamDeclarations.ImpliedFile)), []);
        output.WriteLine($"{name}: {report.RecordedCallsChecked} recorded and {report.CallsChecked - report.RecordedCallsChecked} declared requests from {string.Join(", ", report.FunctionsCovered)}; {report.UnusedGrants.Count} granted actions unused");

        Assert.True(report.Denied.Count == 0, string.Join("\n", report.Denied.Select(d => $"{d.Request.Function}: {d.Request.Action} on {d.Request.Resource} ({d.Decision}; {d.Request.Evidence})")));
        Assert.True(report.Unresolved.Count == 0, string.Join("\n", report.Unresolved));
    }
}
