using ECommerceAgents.Infra.Tests.Fixtures;

namespace ECommerceAgents.Infra.Tests.Stacks;

/// <summary>
/// cdk-nag's AwsSolutions rules over every stage the app synthesizes: each finding is fixed in the constructs or accepted,
/// with a reason, in <c>infra/nag/suppressions.json</c>, and every entry there still accepts something. One Node.js
/// process checks the five templates (<c>infra/nag/check.js</c>); see <c>infra/nag/README.md</c>.
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class CdkNagTests(SynthesizedStages stages)
{
    private static readonly object Gate = new();
    private static Task<NagReport>? _report;

    public static TheoryData<string> Stages => SynthesizedStages.Names;

    [Theory]
    [MemberData(nameof(Stages))]
    public async Task AwsSolutions_EveryFindingFixedOrSuppressedWithAReason(string name)
    {
        var stage = stages.Named(name);

        var report = await Report();

        Assert.Contains(stage.TemplateFile, report.CheckedTemplates);
        var findings = report.Findings.Where(f => f.Template == stage.TemplateFile).ToList();
        Assert.True(findings.Count == 0,
            $"{name}: {findings.Count} unsuppressed cdk-nag finding(s). Fix them in the constructs, or accept them in infra/nag/suppressions.json " +
            $"with a reason a security reviewer would sign (node infra/nag/check.js <template> --suppressions infra/nag/suppressions.json):\n" +
            string.Join("\n", findings));
    }

    [Fact]
    public async Task Suppressions_EachEntryAndItemStillMatchesAFindingInSomeStage()
    {
        var report = await Report();

        Assert.True(report.UnusedSuppressions.Count == 0,
            "infra/nag/suppressions.json accepts findings no stage has any more; remove these entries (or the named logicalId/path/appliesTo items):\n" +
            string.Join("\n", report.UnusedSuppressions));
    }

    /// <summary>The five synthesized stages in one check.js run, shared by this class's tests (the fixture synthesizes them once per run).</summary>
    private Task<NagReport> Report()
    {
        lock (Gate)
        {
            return _report ??= Run();
        }

        async Task<NagReport> Run()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
            return await CdkNag.RunAsync(stages.RepositoryRoot, [.. stages.All.Select(s => s.TemplateFile)], timeout.Token);
        }
    }
}
