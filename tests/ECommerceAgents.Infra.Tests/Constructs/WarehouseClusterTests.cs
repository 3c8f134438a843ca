using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class WarehouseClusterTests(SynthesizedStages stages)
{
    [Fact]
    public void Namespace_AdminPasswordIsManagedBySecretsManager()
    {
        stages.Dev.Template.HasResourceProperties("AWS::RedshiftServerless::Namespace", Obj(
            ("NamespaceName", "eca-dev"),
            ("DbName", Resources.Warehouse.Database),
            ("ManageAdminPassword", true),
            ("AdminUserPassword", Match.Absent()),
            ("DefaultIamRoleArn", GetAtt(stages.Dev.Json.LogicalIdAt("/Warehouse/CopyRole/Resource"), "Arn"))));
    }

    [Fact]
    public void CopyRole_ReadsTheProcessedEventsAndOrderLines_Only()
    {
        var copyRole = stages.Dev.Json.LogicalIdAt("/Warehouse/CopyRole/Resource");
        var reads = stages.Dev.Json.IdentityStatements()
            .Where(s => s.Roles == copyRole && s.Actions.Any(a => a.StartsWith("s3:GetObject", StringComparison.Ordinal)))
            .SelectMany(s => s.Resources).ToList();

        // Object ARNs are Fn::Join of the bucket ARN and a key pattern; the bucket ARN itself is there for listing.
        var objects = reads.Where(r => r.Contains("Fn::Join", StringComparison.Ordinal)).ToList();
        Assert.Contains(objects, r => r.Contains("\"/events/*\"", StringComparison.Ordinal));
        Assert.Contains(objects, r => r.Contains("\"/order-lines/*\"", StringComparison.Ordinal));
        Assert.Equal(2, objects.Count);
    }

    [Fact]
    public void Workgroup_IsPrivateInThreeSubnetsWithTls()
    {
        stages.Dev.Template.HasResourceProperties("AWS::RedshiftServerless::Workgroup", Obj(
            ("NamespaceName", "eca-dev"),
            ("BaseCapacity", 8),
            ("PubliclyAccessible", false),
            ("EnhancedVpcRouting", true),
            ("SubnetIds", Match.Exact(Arr(Match.AnyValue(), Match.AnyValue(), Match.AnyValue()))),
            ("ConfigParameters", Arr(Obj(("ParameterKey", "require_ssl"), ("ParameterValue", "true"))))));
        stages.Prod.Template.HasResourceProperties("AWS::RedshiftServerless::Workgroup", Obj(("BaseCapacity", 32)));
    }

    [Fact]
    public void AdminSecretArn_IsReadWithAScopedGetNamespaceCall()
    {
        var namespaceId = stages.Dev.Json.LogicalIdAt("/Warehouse/Namespace");
        stages.Dev.Template.HasResourceProperties("AWS::IAM::Policy", Obj(
            ("PolicyDocument", Obj(("Statement", Arr(Obj(
                ("Action", "redshift-serverless:GetNamespace"),
                ("Effect", "Allow"),
                ("Resource", GetAtt(namespaceId, "Namespace.NamespaceArn")))))))));
        var secretArn = stages.Dev.Json.FunctionEnvironment("BatchLoaderFunction")["ECA_REDSHIFT_SECRET_ARN"];
        Assert.Contains("AdminSecretLookup", secretArn, StringComparison.Ordinal);
        Assert.Contains("namespace.adminPasswordSecretArn", secretArn, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchLoader_RunsDataApiStatementsOnTheWorkgroupWithTheAdminSecret()
    {
        var workgroup = stages.Dev.Json.LogicalIdAt("/Warehouse/Workgroup");
        var statements = stages.Dev.Json.IdentityStatements().Where(s => s.Roles.StartsWith("BatchLoaderHandler", StringComparison.Ordinal)).ToList();

        Assert.Contains(statements, s => s.Actions.Contains("redshift-data:ExecuteStatement") && s.Resources.All(r => r.Contains(workgroup, StringComparison.Ordinal)));
        Assert.Contains(statements, s => s.Actions.Contains("secretsmanager:GetSecretValue") && s.Resources.All(r => r.Contains("AdminSecretLookup", StringComparison.Ordinal)));
    }
}
