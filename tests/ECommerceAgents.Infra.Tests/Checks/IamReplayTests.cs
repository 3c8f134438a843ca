using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Infra.Checks;
using ECommerceAgents.Infra.Tests.Fixtures;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Tests.Checks;

/// <summary>
/// The replay against the synthesized dev stage with calls written out here: allowed ones pass, and calls the roles do
/// not allow are denied — the evaluator is proven on known denials, including the two the first replay found (erasure
/// updating orders and export reading the audit trail, before the Api role was fixed).
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class IamReplayTests(SynthesizedStages stages)
{
    private static readonly string[] Variables =
        [Tables.Orders.EnvironmentVariable, Tables.Audit.EnvironmentVariable, Tables.Profiles.EnvironmentVariable, Buckets.Quarantine.EnvironmentVariable, Buckets.Raw.EnvironmentVariable, Streams.Events.EnvironmentVariable, DeliveryStreams.Enriched.EnvironmentVariable, Buckets.Enriched.EnvironmentVariable];

    private static ILookup<string, string> Names() =>
        Variables.Select(v => (Name: "t-" + v[4..].ToLowerInvariant().Replace('_', '-'), Variable: v)).ToLookup(x => x.Name, x => x.Variable, StringComparer.Ordinal);

    private IamReplayReport Replay(params RecordedCall[] calls) =>
        IamReplay.Run(CfnTemplate.Load(stages.Dev.TemplateFile), calls, Names(), [], []);

    [Fact]
    public void CallsTheRolesAllow_AreAllowed()
    {
        var report = Replay(
            new RecordedCall("Api", "dynamodb", "UpdateItem", "t-table-orders", null),
            new RecordedCall("Api", "dynamodb", "Query", "t-table-audit", null),
            new RecordedCall("StreamProcessor", "s3", "PutObject", "t-bucket-quarantine/quarantine/dt=2026-12-02/x.json", null),
            new RecordedCall("StreamProcessor", "firehose", "PutRecordBatch", "t-firehose-enriched", null));

        Assert.Empty(report.Denied);
        Assert.Empty(report.Unresolved);
        // The quarantine is KMS-encrypted: the write implies kms:GenerateDataKey on the platform key, which is granted.
        Assert.Equal(5, report.CallsChecked);
    }

    [Fact]
    public void AuditChain_CallsOfTheApiAndTheStreamFunction_AreAllowed_NoneMayDelete()
    {
        // Appending (conditional puts of the entry and the head), finding the end, the export's read by subject, and the
        // push's audit of each stream opened.
        var report = Replay(
            new RecordedCall("Api", "dynamodb", "PutItem", "t-table-audit", null),
            new RecordedCall("Api", "dynamodb", "Query", "t-table-audit", null),
            new RecordedCall("Api", "dynamodb", "GetItem", "t-table-audit", null),
            new RecordedCall("Api", "dynamodb", "Query", "t-table-audit/index/bySubject", null),
            new RecordedCall("ApiStream", "dynamodb", "PutItem", "t-table-audit", null),
            new RecordedCall("ApiStream", "dynamodb", "Query", "t-table-audit", null),
            new RecordedCall("ApiStream", "dynamodb", "DeleteItem", "t-table-audit", null));

        Assert.Equal(["ApiStream dynamodb:DeleteItem"], report.Denied.Select(d => $"{d.Request.Function} {d.Request.Action}"));
        Assert.Empty(report.Unresolved);
    }

    [Fact]
    public void CallsTheRolesDoNotAllow_AreDenied()
    {
        var report = Replay(
            new RecordedCall("Api", "dynamodb", "DeleteItem", "t-table-audit", null),
            new RecordedCall("ApiStream", "dynamodb", "PutItem", "t-table-profiles", null),
            new RecordedCall("StreamProcessor", "s3", "PutObject", "t-bucket-quarantine/not-a-prefix-of-ours/x.json", null),
            new RecordedCall("StreamProcessor", "s3", "GetObject", "t-bucket-raw/raw/x.json", null));

        Assert.Equal(
            ["Api dynamodb:DeleteItem", "ApiStream dynamodb:PutItem", "StreamProcessor s3:PutObject"],
            report.Denied.Select(d => $"{d.Request.Function} {d.Request.Action}").Order(StringComparer.Ordinal));
        // StreamProcessor is not even given the raw bucket's name: the call cannot be made in AWS.
        Assert.Single(report.Unresolved, u => u.Contains("t-bucket-raw", StringComparison.Ordinal));
    }

    [Fact]
    public void RequiredPairs_WithoutEvidence_AreReported()
    {
        var report = IamReplay.Run(CfnTemplate.Load(stages.Dev.TemplateFile), [new RecordedCall("Api", "dynamodb", "Query", "t-table-audit", null)], Names(), [],
            [new RequiredAction("Api", "dynamodb:Query", ""), new RequiredAction("Api", "dynamodb:UpdateItem", ""), new RequiredAction("Api", "dynamodb:Query", "resource:/No/Such/Thing")]);

        Assert.Equal([new RequiredAction("Api", "dynamodb:UpdateItem", "")], report.RequiredMissing);
    }

    [Fact]
    public void Declarations_RenderAgainstEveryStage()
    {
        var implied = IamDeclarations.LoadImplied(Path.Combine(stages.RepositoryRoot, "infra", IamDeclarations.ImpliedFile));
        var required = IamDeclarations.LoadRequired(Path.Combine(stages.RepositoryRoot, "infra", IamDeclarations.RequiredFile));
        foreach (var stage in stages.All)
        {
            var report = IamReplay.Run(CfnTemplate.Load(stage.TemplateFile), [], new List<(string, string)>().ToLookup(x => x.Item1, x => x.Item2), implied, required);

            // Every declared call the stage's roles must allow is allowed.
            Assert.True(report.Denied.Count == 0, $"{stage.Stack.StackName}: {string.Join("; ", report.Denied.Select(d => $"{d.Request.Function} {d.Request.Action} {d.Request.Resource}"))}");
        }
    }
}
