using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class WarehouseClusterTests(SynthesizedStages stages)
{
    [Fact]
    public void Namespace_AdminPasswordComesFromTheStacksOwnSecret_ByDynamicReference()
    {
        var secret = stages.Dev.Json.LogicalIdAt("/Warehouse/AdminSecret/Resource");
        stages.Dev.Template.HasResourceProperties("AWS::RedshiftServerless::Namespace", Obj(
            ("NamespaceName", "eca-dev"),
            ("DbName", Resources.Warehouse.Database),
            ("AdminUsername", "eca_admin"),
            ("ManageAdminPassword", Match.Absent()),
            ("AdminUserPassword", Obj(("Fn::Join", Arr("", Arr("{{resolve:secretsmanager:", Ref(secret), ":SecretString:password::}}"))))),
            ("DefaultIamRoleArn", GetAtt(stages.Dev.Json.LogicalIdAt("/Warehouse/CopyRole/Resource"), "Arn"))));
        stages.Dev.Template.HasResourceProperties("AWS::SecretsManager::Secret", Obj(
            ("GenerateSecretString", Obj(
                ("SecretStringTemplate", "{\"username\":\"eca_admin\"}"),
                ("GenerateStringKey", "password"),
                ("PasswordLength", 32),
                ("ExcludeCharacters", "'\"\\/@ "),
                ("RequireEachIncludedType", true)))));
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
    public void AdminSecret_NeedsNoLookupHelper()
    {
        // The secret's ARN is a plain Ref: no AwsCustomResource (a Node.js helper function) reads it from the namespace.
        foreach (var stage in stages.All) stage.Template.ResourceCountIs("Custom::AWS", 0);
        var secret = stages.Dev.Json.LogicalIdAt("/Warehouse/AdminSecret/Resource");
        Assert.Equal($$"""{"Ref":"{{secret}}"}""", stages.Dev.Json.FunctionEnvironment("BatchLoaderFunction")[SettingNames.RedshiftSecretArn]);
    }

    [Fact]
    public void BatchLoader_RunsDataApiStatementsOnTheWorkgroupWithTheAdminSecret()
    {
        var workgroup = stages.Dev.Json.LogicalIdAt("/Warehouse/Workgroup");
        var statements = stages.Dev.Json.IdentityStatements().Where(s => s.Roles.StartsWith("BatchLoaderHandler", StringComparison.Ordinal)).ToList();

        Assert.Contains(statements, s => s.Actions.Contains("redshift-data:ExecuteStatement") && s.Resources.All(r => r.Contains(workgroup, StringComparison.Ordinal)));
        var secret = stages.Dev.Json.LogicalIdAt("/Warehouse/AdminSecret/Resource");
        Assert.Contains(statements, s => s.Actions.Contains("secretsmanager:GetSecretValue") && s.Resources.All(r => r.Contains(secret, StringComparison.Ordinal)));
    }
}
