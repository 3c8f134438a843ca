using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs.Functions;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class StreamProcessorConstructTests(SynthesizedStages stages)
{
    [Fact]
    public void EventSourceMapping_Kinesis_HasPartialBatchBisectBoundedRetriesAndMaxAge()
    {
        stages.Dev.Template.HasResourceProperties("AWS::Lambda::EventSourceMapping", Obj(
            ("FunctionName", Ref("StreamProcessorFunction")),
            ("EventSourceArn", GetAtt(stages.Dev.Json.LogicalIdAt("/Events/Stream/Resource"), "Arn")),
            ("StartingPosition", "TRIM_HORIZON"),
            ("BatchSize", 500),
            ("MaximumBatchingWindowInSeconds", 1),
            ("FunctionResponseTypes", Arr("ReportBatchItemFailures")),
            ("BisectBatchOnFunctionError", true),
            ("MaximumRetryAttempts", 10),
            ("MaximumRecordAgeInSeconds", 86_400),
            ("ParallelizationFactor", 1)));
    }

    [Fact]
    public void EventSourceMapping_OnFailure_IsTheQuarantineBucket()
    {
        foreach (var stage in stages.All)
        {
            var destination = new Capture();
            stage.Template.HasResourceProperties("AWS::Lambda::EventSourceMapping", Obj(
                ("DestinationConfig", Obj(("OnFailure", Obj(("Destination", destination)))))));

            var quarantine = stage.Json.LogicalIdAt("/DataLake/Quarantine/Resource");
            Assert.Equal(Arr(quarantine, "Arn"), ((IDictionary<string, object>)destination.AsObject())["Fn::GetAtt"]);
        }
    }

    [Fact]
    public void Role_OnFailureDestination_CanPutAndListTheQuarantineOnly()
    {
        var json = stages.Dev.Json;
        var quarantine = json.LogicalIdAt("/DataLake/Quarantine/Resource");
        var statements = json.IdentityStatements().Where(s => s.Roles.Contains("StreamProcessorHandlerRole", StringComparison.Ordinal)).ToList();

        Assert.Contains(statements, s => s.Actions.Contains("s3:ListBucket") && s.Resources.Single().Contains(quarantine, StringComparison.Ordinal));
        Assert.Contains(statements, s => s.Actions.Contains("s3:PutObject") && s.Resources.Any(r => r.Contains(quarantine, StringComparison.Ordinal) && r.Contains("/aws/lambda/*", StringComparison.Ordinal)));
        // The quarantine is encrypted with the platform key, so the failed batch can only be written with it.
        Assert.Contains(statements, s => s.Actions.Contains("kms:GenerateDataKey*"));
    }

    [Fact]
    public void Role_RealtimeJournal_ReadsWritesAndDeletesOnlyItsPrefix()
    {
        var json = stages.Dev.Json;
        var quarantine = json.LogicalIdAt("/DataLake/Quarantine/Resource");
        var statements = json.IdentityStatements().Where(s => s.Roles.Contains("StreamProcessorHandlerRole", StringComparison.Ordinal)).ToList();

        var journal = Assert.Single(statements, s => s.Actions.Contains("s3:DeleteObject*"));
        Assert.Contains("s3:GetObject*", journal.Actions);
        Assert.Contains("s3:PutObject", journal.Actions);
        Assert.Contains(journal.Resources, r => r.Contains(quarantine, StringComparison.Ordinal) && r.Contains("\"/realtime-pending/*\"", StringComparison.Ordinal));
        // Objects only under the journal's prefix (the other resource is the bucket itself, for ListBucket).
        Assert.All(journal.Resources.Where(r => r.Contains("/*", StringComparison.Ordinal)), r => Assert.Contains("\"/realtime-pending/*\"", r, StringComparison.Ordinal));
    }

    [Fact]
    public void EventSourceMapping_CreatedAfterTheRolePolicy()
    {
        var json = stages.Dev.Json;
        var (_, mapping) = json.Resources("AWS::Lambda::EventSourceMapping").Single();
        var dependsOn = mapping.GetProperty("DependsOn").EnumerateArray().Select(d => d.GetString()).ToList();

        Assert.Contains(dependsOn, d => d!.StartsWith("StreamProcessorHandlerRoleDefaultPolicy", StringComparison.Ordinal));
    }
}
