using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class SearchDomainTests(SynthesizedStages stages)
{
    [Fact]
    public void Domain_IsHttpsOnlyTls12EncryptedWithFineGrainedAccessForAnIamRole()
    {
        foreach (var stage in new[] { stages.Dev, stages.Prod })
        {
            var adminRole = GetAtt(stage.Json.LogicalIdAt("/Search/AdminRole/Resource"), "Arn");
            stage.Template.HasResourceProperties("AWS::OpenSearchService::Domain", Obj(
                ("DomainEndpointOptions", Obj(("EnforceHTTPS", true), ("TLSSecurityPolicy", "Policy-Min-TLS-1-2-2019-07"))),
                ("NodeToNodeEncryptionOptions", Obj(("Enabled", true))),
                ("EncryptionAtRestOptions", Obj(("Enabled", true))),
                ("AdvancedSecurityOptions", Obj(
                    ("Enabled", true),
                    ("InternalUserDatabaseEnabled", false),
                    ("MasterUserOptions", Obj(("MasterUserARN", adminRole))))),
                ("VPCOptions", Match.ObjectLike(Obj(("SubnetIds", Match.AnyValue()))))));
        }
    }

    [Fact]
    public void Domain_SizeGrowsInProd()
    {
        stages.Dev.Template.HasResourceProperties("AWS::OpenSearchService::Domain", Obj(
            ("ClusterConfig", Match.ObjectLike(Obj(("InstanceCount", 1), ("InstanceType", "t3.small.search"), ("ZoneAwarenessEnabled", false))))));
        stages.Prod.Template.HasResourceProperties("AWS::OpenSearchService::Domain", Obj(
            ("ClusterConfig", Match.ObjectLike(Obj(
                ("InstanceCount", 2), ("InstanceType", "r6g.large.search"), ("ZoneAwarenessEnabled", true),
                ("DedicatedMasterEnabled", true), ("DedicatedMasterCount", 3))))));
        stages.Prod.Template.HasResource("AWS::OpenSearchService::Domain", Obj(("DeletionPolicy", "Retain")));
    }

    [Fact]
    public void Indexer_GetsGetPutPost_Api_GetsGetPost_OnTheDomainOnly()
    {
        var domain = stages.Dev.Json.LogicalIdAt("/Search/Domain/Resource");
        var es = stages.Dev.Json.IdentityStatements().Where(s => s.Actions.Any(a => a.StartsWith("es:", StringComparison.Ordinal))).ToList();

        Assert.All(es, s => Assert.All(s.Resources, r => Assert.Contains(domain, r, StringComparison.Ordinal)));
        Assert.Equal(["es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut"], es.Where(s => s.Roles.StartsWith("SearchIndexer", StringComparison.Ordinal)).SelectMany(s => s.Actions).Order().ToArray());
        Assert.Equal(["es:ESHttpGet", "es:ESHttpPost"], es.Where(s => s.Roles.StartsWith("ApiHandler", StringComparison.Ordinal)).SelectMany(s => s.Actions).Order().ToArray());
    }
}
