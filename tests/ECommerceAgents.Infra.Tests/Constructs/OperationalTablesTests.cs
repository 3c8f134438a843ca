using System.Text.Json;
using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using ECommerceAgents.Resources;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class OperationalTablesTests(SynthesizedStages stages)
{
    public static TheoryData<string> TableIds => [.. Tables.All.Select(t => t.Id)];

    [Fact]
    public void Tables_OnePerDefinition_InEveryStage()
    {
        foreach (var stage in stages.All)
        {
            stage.Template.ResourceCountIs("AWS::DynamoDB::Table", Tables.All.Count);
        }
    }

    [Theory]
    [MemberData(nameof(TableIds))]
    public void Table_MatchesItsDefinition(string id)
    {
        var definition = Tables.All.Single(t => t.Id == id);
        var properties = stages.Dev.Json.Resource(stages.Dev.Json.LogicalIdAt($"/Tables/{Naming.Pascal(id)}/Resource")).GetProperty("Properties");

        Assert.Equal("PAY_PER_REQUEST", properties.GetProperty("BillingMode").GetString());
        var pitr = properties.TryGetProperty("PointInTimeRecoverySpecification", out var recovery) && recovery.GetProperty("PointInTimeRecoveryEnabled").GetBoolean();
        Assert.Equal(definition.PointInTimeRecovery, pitr);
        Assert.True(properties.GetProperty("SSESpecification").GetProperty("SSEEnabled").GetBoolean());

        var keys = properties.GetProperty("KeySchema").EnumerateArray().Select(k => (k.GetProperty("AttributeName").GetString(), k.GetProperty("KeyType").GetString())).ToList();
        Assert.Equal((definition.PartitionKey.Name, "HASH"), keys[0]);
        if (definition.SortKey is { } sort)
        {
            Assert.Equal((sort.Name, "RANGE"), keys[1]);
        }
        else
        {
            Assert.Single(keys);
        }

        var attributes = properties.GetProperty("AttributeDefinitions").EnumerateArray()
            .ToDictionary(a => a.GetProperty("AttributeName").GetString()!, a => a.GetProperty("AttributeType").GetString());
        Assert.Equal(definition.PartitionKey.Type.ToString(), attributes[definition.PartitionKey.Name]);

        var indexes = properties.TryGetProperty("GlobalSecondaryIndexes", out var gsis)
            ? gsis.EnumerateArray().Select(i => i.GetProperty("IndexName").GetString()).Order().ToList()
            : [];
        Assert.Equal([.. definition.GlobalIndexes.Select(i => i.Name).Order()], indexes);

        if (definition.TtlAttribute is { } ttl)
        {
            var spec = properties.GetProperty("TimeToLiveSpecification");
            Assert.Equal(ttl, spec.GetProperty("AttributeName").GetString());
            Assert.True(spec.GetProperty("Enabled").GetBoolean());
        }
        else
        {
            Assert.False(properties.TryGetProperty("TimeToLiveSpecification", out _));
        }
    }

    [Fact]
    public void Dedup_ExpiresThroughTtl()
    {
        stages.Dev.Template.HasResourceProperties("AWS::DynamoDB::Table", Obj(
            ("KeySchema", Arr(Obj(("AttributeName", "pk"), ("KeyType", "HASH")))),
            ("TimeToLiveSpecification", Obj(("AttributeName", Tables.Dedup.TtlAttribute!), ("Enabled", true)))));
    }

    [Fact]
    public void Tables_Prod_AreRetainedAndDeletionProtected()
    {
        stages.Prod.Template.AllResources("AWS::DynamoDB::Table", Obj(("DeletionPolicy", "Retain"), ("UpdateReplacePolicy", "Retain")));
        stages.Prod.Template.AllResourcesProperties("AWS::DynamoDB::Table", Obj(("DeletionProtectionEnabled", true)));
        stages.Dev.Template.AllResources("AWS::DynamoDB::Table", Obj(("DeletionPolicy", "Delete")));
    }

    [Fact]
    public void Orders_ByUserIndex_ServesTheExportRoute()
    {
        var orders = stages.Dev.Json.Resource(stages.Dev.Json.LogicalIdAt("/Tables/Orders/Resource"));
        var byUser = orders.GetProperty("Properties").GetProperty("GlobalSecondaryIndexes").EnumerateArray()
            .Single(i => i.GetProperty("IndexName").GetString() == "byUser");

        Assert.Equal("ALL", byUser.GetProperty("Projection").GetProperty("ProjectionType").GetString());
        Assert.Equal(JsonValueKind.Array, byUser.GetProperty("KeySchema").ValueKind);
    }

    /// <summary>Crypto-shredding: a deleted data key must not come back from a point-in-time backup.</summary>
    [Fact]
    public void SubjectKeys_HaveNoPointInTimeRecovery_EveryOtherTableHasIt()
    {
        Assert.False(Tables.SubjectKeys.PointInTimeRecovery);
        Assert.All(Tables.All.Where(t => t != Tables.SubjectKeys), t => Assert.True(t.PointInTimeRecovery, t.Id));
        var properties = stages.Dev.Json.Resource(stages.Dev.Json.LogicalIdAt("/Tables/SubjectKeys/Resource")).GetProperty("Properties");
        Assert.False(properties.TryGetProperty("PointInTimeRecoverySpecification", out var spec) && spec.GetProperty("PointInTimeRecoveryEnabled").GetBoolean());
    }
}
