using System.Text;
using System.Text.Json;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Infra.Checks;
using ECommerceAgents.Local.Cost;

namespace ECommerceAgents.Local.Deploy;

/// <summary>What the rehearsal found for one stage.</summary>
public sealed record StageCheck(
    DeployStage Stage,
    string Template,
    CfnLintResult Lint,
    IReadOnlyList<string> RuntimeProblems,
    IamReplayReport Iam,
    SortedDictionary<string, int> Resources,
    double? FixedMonthlyUsd,
    double? MonthlyAt10RpsUsd)
{
    /// <summary>Calls a function in the isolated subnets makes with no endpoint to carry them (<see cref="VpcRoutes"/>).</summary>
    public IReadOnlyList<UnroutedCall> Unrouted { get; init; } = [];

    /// <summary>A deploy of this stage would go through: no lint error or unlisted warning, no runtime problem, no denied or unrouted call, nothing required uncovered.</summary>
    public bool Passed => Lint.Errors.Count == 0 && Lint.Warnings.Count == 0 && RuntimeProblems.Count == 0
                          && Iam.Denied.Count == 0 && Iam.Unresolved.Count == 0 && Iam.RequiredMissing.Count == 0 && Unrouted.Count == 0;
}

/// <summary>
/// <c>eca deploy-check</c>: a deploy rehearsal without an AWS account. For each stage it synthesizes the template with stub
/// assets, runs cfn-lint (with <c>infra/cfn-lint-allowed.json</c>) and the runtime look-ahead, replays the recorded AWS
/// calls of the functions against their roles (<see cref="IamReplay"/>), checks that every call from the isolated
/// subnets has an endpoint (<see cref="VpcRoutes"/>), and prices the stage.
/// </summary>
public static class DeployCheck
{
    public static async Task<IReadOnlyList<StageCheck>> RunAsync(string repositoryRoot, IReadOnlyList<DeployStage> stages, IReadOnlyList<string> recordings, string workDirectory, TextWriter progress, CancellationToken ct)
    {
        var (calls, names) = AwsCallLog.Read(recordings);
        var implied = IamDeclarations.LoadImplied(Path.Combine(repositoryRoot, "infra", IamDeclarations.ImpliedFile));
        var required = IamDeclarations.LoadRequired(Path.Combine(repositoryRoot, "infra", IamDeclarations.RequiredFile));
        var allowList = CfnLintAllowList.ForRepository(repositoryRoot);
        var lifecycle = RuntimeLifecycle.FromInstalledCfnLint();
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var results = new List<StageCheck>();
        foreach (var stage in stages)
        {
            progress.WriteLine($"{stage.Name}: synthesizing");
            var template = await TemplateSynth.SynthesizeAsync(repositoryRoot, stage, Path.Combine(workDirectory, stage.Name), ct);
            progress.WriteLine($"{stage.Name}: cfn-lint, runtimes, IAM replay of {calls.Count} recorded calls");
            var lint = await CfnLint.RunAsync(template, allowList, ct);
            var cfn = CfnTemplate.Load(template);
            var runtimes = lifecycle.Problems(cfn.Root, today);
            var iam = IamReplay.Run(cfn, calls, names, implied, required);
            double? fixedCost = null, at10 = null;
            if (stage.Stage != "local")
            {
                var costStage = CostStage.Parse(stage.Stage);
                fixedCost = Math.Round(CostModel.Default.Monthly(new Workload(0, 10), costStage).FixedUsd, 2);
                at10 = Math.Round(CostModel.Default.Monthly(new Workload(10, 10), costStage).TotalUsd, 2);
            }

            results.Add(new StageCheck(stage, template, lint, runtimes, iam, TemplateSynth.ResourceCounts(template), fixedCost, at10)
            {
                Unrouted = VpcRoutes.Check(cfn, required, implied),
            });
        }

        return results;
    }

    public static string ToJson(IReadOnlyList<StageCheck> checks, int recordedCalls)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteBoolean("passed", checks.All(c => c.Passed));
            w.WriteNumber("recordedCalls", recordedCalls);
            w.WriteNumber("cfnLintErrors", checks.Sum(c => c.Lint.Errors.Count));
            w.WriteNumber("cfnLintWarnings", checks.Sum(c => c.Lint.Warnings.Count));
            w.WriteNumber("iamDenied", checks.Sum(c => c.Iam.Denied.Count + c.Iam.Unresolved.Count));
            w.WriteNumber("iamRequiredPairsMissing", checks.Sum(c => c.Iam.RequiredMissing.Count));
            w.WriteNumber("unroutedCalls", checks.Sum(c => c.Unrouted.Count));
            w.WriteStartArray("stages");
            foreach (var c in checks)
            {
                w.WriteStartObject();
                w.WriteString("stage", c.Stage.Name);
                w.WriteBoolean("passed", c.Passed);
                w.WriteString("template", c.Template);
                w.WriteNumber("cfnLintErrors", c.Lint.Errors.Count);
                w.WriteNumber("cfnLintWarnings", c.Lint.Warnings.Count);
                w.WriteNumber("cfnLintWarningsAllowed", c.Lint.Allowed.Count);
                w.WriteStartArray("cfnLintFindings");
                foreach (var f in c.Lint.Errors.Concat(c.Lint.Warnings)) w.WriteStringValue(f.ToString());
                w.WriteEndArray();
                w.WriteStartArray("runtimeProblems");
                foreach (var p in c.RuntimeProblems) w.WriteStringValue(p);
                w.WriteEndArray();
                IamReplay.WriteJson(w, c.Iam);
                w.WriteStartArray("unroutedCalls");
                foreach (var u in c.Unrouted) w.WriteStringValue($"{u.Function}: {u.Action} ({u.Why})");
                w.WriteEndArray();
                w.WriteNumber("resourceCount", c.Resources.Values.Sum());
                w.WriteStartObject("resources");
                foreach (var (type, n) in c.Resources) w.WriteNumber(type, n);
                w.WriteEndObject();
                if (c.FixedMonthlyUsd is { } fixedCost) w.WriteNumber("fixedMonthlyUsd", fixedCost);
                if (c.MonthlyAt10RpsUsd is { } at10) w.WriteNumber("monthlyAt10RequestsPerSecondUsd", at10);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
