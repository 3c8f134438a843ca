using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using ECommerceAgents.Resources;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

/// <summary>
/// small and prod provision their hot tables (those written for every event) with target-tracking auto scaling on reads
/// and writes, each at its own bounds; every other table, and every table of dev and local, stays on demand.
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class ProvisionedCapacityTests(SynthesizedStages stages)
{
    private SynthesizedStage Stage(StageName name) => name == StageName.Small ? stages.Small : stages.Prod;

    [Theory]
    [InlineData(StageName.Small)]
    [InlineData(StageName.Prod)]
    public void HotTablesProvisioned_AtTheirMinimum_TheRestOnDemand(StageName stage)
    {
        var capacity = StageConfig.For(stage).ProvisionedTables!;
        Assert.Equal([Tables.Dedup.Id, Tables.Sessions.Id, Tables.Profiles.Id, Tables.ProductStats.Id, Tables.Watermarks.Id, Tables.Consent.Id, Tables.SubjectKeys.Id, Tables.Identities.Id, Tables.Orders.Id], capacity.Tables.Select(t => t.TableId));

        foreach (var definition in Tables.All)
        {
            var properties = Table(Stage(stage), definition).GetProperty("Properties");
            if (capacity.For(definition.Id) is { } c)
            {
                // CloudFormation's default billing mode is PROVISIONED, which CDK leaves out.
                Assert.Equal("PROVISIONED", properties.TryGetProperty("BillingMode", out var mode) ? mode.GetString() : "PROVISIONED");
                Assert.Equal(c.MinRead, properties.GetProperty("ProvisionedThroughput").GetProperty("ReadCapacityUnits").GetInt32());
                Assert.Equal(c.MinWrite, properties.GetProperty("ProvisionedThroughput").GetProperty("WriteCapacityUnits").GetInt32());
            }
            else
            {
                Assert.Equal("PAY_PER_REQUEST", properties.GetProperty("BillingMode").GetString());
                Assert.False(properties.TryGetProperty("ProvisionedThroughput", out _), definition.Id);
            }
        }
    }

    [Theory]
    [InlineData(StageName.Small, "dedup")]
    [InlineData(StageName.Small, "sessions")]
    [InlineData(StageName.Small, "profiles")]
    [InlineData(StageName.Small, "product-stats")]
    [InlineData(StageName.Small, "watermarks")]
    [InlineData(StageName.Small, "consent")]
    [InlineData(StageName.Small, "subject-keys")]
    [InlineData(StageName.Small, "identities")]
    [InlineData(StageName.Small, "orders")]
    [InlineData(StageName.Prod, "dedup")]
    [InlineData(StageName.Prod, "sessions")]
    [InlineData(StageName.Prod, "profiles")]
    [InlineData(StageName.Prod, "product-stats")]
    [InlineData(StageName.Prod, "watermarks")]
    [InlineData(StageName.Prod, "consent")]
    [InlineData(StageName.Prod, "subject-keys")]
    [InlineData(StageName.Prod, "identities")]
    [InlineData(StageName.Prod, "orders")]
    public void HotTable_ScalesReadsAndWritesBetweenItsBounds_At70Percent(StageName stage, string id)
    {
        var c = StageConfig.For(stage).ProvisionedTables!.For(id)!;
        var synthesized = Stage(stage);
        var tableId = synthesized.Json.LogicalIdAt($"/Tables/{Naming.Pascal(id)}/Resource");
        foreach (var (dimension, min, max, metric) in new[]
                 {
                     ("dynamodb:table:ReadCapacityUnits", c.MinRead, c.MaxRead, "DynamoDBReadCapacityUtilization"),
                     ("dynamodb:table:WriteCapacityUnits", c.MinWrite, c.MaxWrite, "DynamoDBWriteCapacityUtilization"),
                 })
        {
            var resourceId = Obj(("Fn::Join", Arr("", Arr("table/", Ref(tableId)))));
            var properties = Obj(("ScalableDimension", dimension), ("ServiceNamespace", "dynamodb"), ("MinCapacity", min), ("MaxCapacity", max), ("ResourceId", resourceId));
            var targets = synthesized.Template.FindResources("AWS::ApplicationAutoScaling::ScalableTarget", Obj(("Properties", properties)));
            var target = Assert.Single(targets).Key;
            synthesized.Template.HasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Obj(
                ("PolicyType", "TargetTrackingScaling"),
                ("ScalingTargetId", Ref(target)),
                ("TargetTrackingScalingPolicyConfiguration", Obj(
                    ("PredefinedMetricSpecification", Obj(("PredefinedMetricType", metric))),
                    ("TargetValue", 70)))));
        }
    }

    [Theory]
    [InlineData(StageName.Small)]
    [InlineData(StageName.Prod)]
    public void ProvisionedTable_ItsIndexesProvisionedAndScaled_AtTheTablesBounds(StageName stage)
    {
        var synthesized = Stage(stage);
        var indexed = Tables.All.Where(t => t.GlobalIndexes.Count > 0 && StageConfig.For(stage).ProvisionedTables!.For(t.Id) is not null).ToList();
        Assert.Equal([Tables.Identities.Id, Tables.Orders.Id], indexed.Select(t => t.Id).Order(StringComparer.Ordinal));
        foreach (var definition in indexed)
        {
            var c = StageConfig.For(stage).ProvisionedTables!.For(definition.Id)!;
            var tableId = synthesized.Json.LogicalIdAt($"/Tables/{Naming.Pascal(definition.Id)}/Resource");
            var gsis = Table(synthesized, definition).GetProperty("Properties").GetProperty("GlobalSecondaryIndexes").EnumerateArray().ToList();
            Assert.Equal(definition.GlobalIndexes.Count, gsis.Count);
            foreach (var gsi in gsis)
            {
                var name = gsi.GetProperty("IndexName").GetString()!;
                Assert.Equal((c.MinRead, c.MinWrite), (gsi.GetProperty("ProvisionedThroughput").GetProperty("ReadCapacityUnits").GetInt32(), gsi.GetProperty("ProvisionedThroughput").GetProperty("WriteCapacityUnits").GetInt32()));
                foreach (var (dimension, min, max) in new[] { ("dynamodb:index:ReadCapacityUnits", c.MinRead, c.MaxRead), ("dynamodb:index:WriteCapacityUnits", c.MinWrite, c.MaxWrite) })
                {
                    var resourceId = Obj(("Fn::Join", Arr("", Arr("table/", Ref(tableId), "/index/" + name))));
                    var properties = Obj(("ScalableDimension", dimension), ("ServiceNamespace", "dynamodb"), ("MinCapacity", min), ("MaxCapacity", max), ("ResourceId", resourceId));
                    Assert.Single(synthesized.Template.FindResources("AWS::ApplicationAutoScaling::ScalableTarget", Obj(("Properties", properties))));
                }
            }
        }
    }

    [Fact]
    public void DevAndLocal_EveryTableOnDemand_NoScaling()
    {
        foreach (var stage in new[] { stages.Dev, stages.Local })
        {
            Assert.All(stage.Json.Resources("AWS::DynamoDB::Table"), t => Assert.Equal("PAY_PER_REQUEST", t.Resource.GetProperty("Properties").GetProperty("BillingMode").GetString()));
            stage.Template.ResourceCountIs("AWS::ApplicationAutoScaling::ScalableTarget", 0);
        }
    }

    private static System.Text.Json.JsonElement Table(SynthesizedStage stage, TableDefinition definition) =>
        stage.Json.Resource(stage.Json.LogicalIdAt($"/Tables/{Naming.Pascal(definition.Id)}/Resource"));
}
