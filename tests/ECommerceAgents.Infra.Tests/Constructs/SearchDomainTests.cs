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

    [Theory]
    [InlineData("SEARCH_SLOW_LOGS", "SlowSearchLogs")]
    [InlineData("INDEX_SLOW_LOGS", "SlowIndexLogs")]
    [InlineData("ES_APPLICATION_LOGS", "AppLogs")]
    [InlineData("AUDIT_LOGS", "AuditLogs")]
    public void Domain_PublishesItsLogsToALogGroupWithTheStageRetention(string logType, string construct)
    {
        foreach (var (stage, days) in new[] { (stages.Dev, 14), (stages.Prod, 180) })
        {
            var group = stage.Json.LogicalIdAt($"/Search/{construct}/Resource");

            stage.Template.HasResourceProperties("AWS::OpenSearchService::Domain", Obj(
                ("LogPublishingOptions", Match.ObjectLike(Obj(
                    (logType, Obj(("Enabled", true), ("CloudWatchLogsLogGroupArn", GetAtt(group, "Arn")))))))));
            Assert.Equal(days, stage.Json.Resource(group).GetProperty("Properties").GetProperty("RetentionInDays").GetInt32());
        }
    }

    [Fact]
    public void LogGroups_OpenToOpenSearchByAPlainResourcePolicy_NoCustomResource()
    {
        var groups = new[] { "SlowSearchLogs", "SlowIndexLogs", "AppLogs", "AuditLogs" }.Select(g => stages.Dev.Json.LogicalIdAt($"/Search/{g}/Resource")).ToList();
        var (policyId, policy) = Assert.Single(stages.Dev.Json.Resources("AWS::Logs::ResourcePolicy"));
        var document = policy.GetProperty("Properties").GetProperty("PolicyDocument").GetRawText();

        Assert.Contains("es.amazonaws.com", document, StringComparison.Ordinal);
        Assert.Contains("aws:SourceAccount", document, StringComparison.Ordinal);
        Assert.Contains("aws:SourceArn", document, StringComparison.Ordinal);
        Assert.All(groups, g => Assert.Contains($"\"{g}\"", document, StringComparison.Ordinal));
        // The domain waits for the policy: OpenSearch checks it may write to the groups when it creates the domain.
        stages.Dev.Template.HasResource("AWS::OpenSearchService::Domain", Obj(("DependsOn", Match.ArrayWith(Arr(policyId)))));
        // CDK's own log-group policy is an AwsCustomResource (a Node.js helper function); it must not come back.
        stages.Dev.Template.ResourceCountIs("Custom::CloudwatchLogResourcePolicy", 0);
        Assert.DoesNotContain(stages.Dev.Json.Resources("AWS::Lambda::Function"), f => f.LogicalId.StartsWith("AWS679f53fac002430cb0da5b7982bd228", StringComparison.Ordinal));
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
    public void Indexer_GetsHeadGetPutPost_Api_GetsGetPost_OnTheDomainOnly()
    {
        var domain = stages.Dev.Json.LogicalIdAt("/Search/Domain/Resource");
        var es = stages.Dev.Json.IdentityStatements().Where(s => s.Actions.Any(a => a.StartsWith("es:", StringComparison.Ordinal))).ToList();

        Assert.All(es, s => Assert.All(s.Resources, r => Assert.Contains(domain, r, StringComparison.Ordinal)));
        // HEAD: the indexer checks whether an index exists before creating it (found by the IAM replay).
        Assert.Equal(["es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut"], es.Where(s => s.Roles.StartsWith("SearchIndexer", StringComparison.Ordinal)).SelectMany(s => s.Actions).Order().ToArray());
        Assert.Equal(["es:ESHttpGet", "es:ESHttpPost"], es.Where(s => s.Roles.StartsWith("ApiHandler", StringComparison.Ordinal)).SelectMany(s => s.Actions).Order().ToArray());
    }
}
