using ECommerceAgents.Infra.Constructs.Functions;
using ECommerceAgents.Infra.Tests.Fixtures;

namespace ECommerceAgents.Infra.Tests.Stacks;

/// <summary>
/// Every identity policy in every stage: no <c>*</c> or <c>service:*</c> action, and a <c>*</c> resource only for actions
/// whose service offers no resource-level permission. CDK's own prefix wildcards (<c>s3:GetObject*</c>) are allowed.
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class LeastPrivilegeTests(SynthesizedStages stages)
{
    /// <summary>Actions that AWS only authorises on <c>*</c>, each with the reason it is needed.</summary>
    private static readonly Dictionary<string, string> StarResourceExceptions = new(StringComparer.Ordinal)
    {
        ["xray:PutTraceSegments"] = "X-Ray active tracing; no resource-level permissions",
        ["xray:PutTelemetryRecords"] = "X-Ray active tracing; no resource-level permissions",
        ["cloudwatch:PutMetricData"] = "no resource-level permissions (scoped by namespace condition when used)",
        ["ec2:CreateNetworkInterface"] = "Lambda VPC attachment / QuickSight VPC connection",
        ["ec2:DescribeNetworkInterfaces"] = "Lambda VPC attachment; Describe* takes no resource",
        ["ec2:DeleteNetworkInterface"] = "Lambda VPC attachment / QuickSight VPC connection",
        ["ec2:AssignPrivateIpAddresses"] = "Lambda VPC attachment",
        ["ec2:UnassignPrivateIpAddresses"] = "Lambda VPC attachment",
        ["ec2:ModifyNetworkInterfaceAttribute"] = "QuickSight VPC connection",
        ["ec2:DescribeSubnets"] = "QuickSight VPC connection; Describe* takes no resource",
        ["ec2:DescribeSecurityGroups"] = "QuickSight VPC connection; Describe* takes no resource",
        ["redshift-data:DescribeStatement"] = "statement ids are owned by the caller; no resource-level permissions",
        ["redshift-data:GetStatementResult"] = "statement ids are owned by the caller; no resource-level permissions",
        ["redshift-data:CancelStatement"] = "statement ids are owned by the caller; no resource-level permissions",
        ["redshift-data:ListStatements"] = "no resource-level permissions",
        ["ecr:GetAuthorizationToken"] = "ECS pulls the Api container image (task execution role); the registry token takes no resource",
    };

    [Fact]
    public void NoStatement_AllowsEveryActionOfAService()
    {
        foreach (var stage in stages.All)
        {
            foreach (var statement in stage.Json.IdentityStatements())
            {
                foreach (var action in statement.Actions)
                {
                    Assert.False(action == "*" || action.EndsWith(":*", StringComparison.Ordinal), $"{stage.Stack.StackName}: {statement.PolicyId} allows {action}");
                }
            }
        }
    }

    [Fact]
    public void StarResource_OnlyForActionsWithoutResourceLevelPermissions()
    {
        foreach (var stage in stages.All)
        {
            foreach (var statement in stage.Json.IdentityStatements().Where(s => s.Resources.Contains("*")))
            {
                foreach (var action in statement.Actions)
                {
                    Assert.True(StarResourceExceptions.ContainsKey(action), $"{stage.Stack.StackName}: {statement.PolicyId} allows {action} on *");
                }
            }
        }
    }

    [Fact]
    public void NoRole_MayRewriteBucketNotifications()
    {
        // Buckets notify EventBridge natively; no CDK helper function needs s3:PutBucketNotification any more.
        foreach (var stage in stages.All)
        {
            Assert.DoesNotContain(stage.Json.IdentityStatements(), s => s.Actions.Contains("s3:PutBucketNotification"));
        }
    }

    [Fact]
    public void NetworkInterfaceActions_OnlyForVpcFunctionsAndQuickSight()
    {
        var vpcFunctions = new[] { "StreamProcessor", "BatchLoader", "SearchIndexer", "Api", "ApiStream" };
        foreach (var stage in new[] { stages.Dev, stages.Prod })
        {
            var holders = stage.Json.IdentityStatements()
                .Where(s => s.Actions.Contains(PlatformFunction.VpcNetworkInterfaceActions[0]))
                .Select(s => s.Roles).Distinct().ToList();

            Assert.All(holders, r => Assert.True(
                vpcFunctions.Any(f => r.StartsWith(f + "HandlerRole", StringComparison.Ordinal)) || r.StartsWith("QuickSightVpcConnectionRole", StringComparison.Ordinal), r));
        }

        Assert.DoesNotContain(stages.Local.Json.IdentityStatements(), s => s.Actions.Contains("ec2:CreateNetworkInterface"));
    }

    [Fact]
    public void FunctionRoles_CarryNoManagedPolicies()
    {
        foreach (var stage in stages.All)
        {
            foreach (var (id, role) in stage.Json.Resources("AWS::IAM::Role").Where(r => r.LogicalId.Contains("HandlerRole", StringComparison.Ordinal)))
            {
                Assert.False(role.GetProperty("Properties").TryGetProperty("ManagedPolicyArns", out _), id);
            }
        }
    }

    [Fact]
    public void FunctionLogs_GoToTheFunctionsOwnLogGroup()
    {
        foreach (var statement in stages.Dev.Json.IdentityStatements().Where(s => s.Actions.Contains("logs:PutLogEvents") && s.Roles.Contains("HandlerRole", StringComparison.Ordinal)))
        {
            Assert.All(statement.Resources, r => Assert.Contains("HandlerLogs", r, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void LogTransformer_CanOnlyPutBackIntoTheLogsStream()
    {
        var statements = stages.Dev.Json.IdentityStatements().Where(s => s.Roles.StartsWith("LogTransformerHandlerRole", StringComparison.Ordinal)).ToList();
        var firehose = statements.Where(s => s.Actions.Any(a => a.StartsWith("firehose:", StringComparison.Ordinal))).ToList();

        Assert.Equal(["firehose:PutRecord", "firehose:PutRecordBatch"], firehose.SelectMany(s => s.Actions).Order().ToArray());
        Assert.All(firehose.SelectMany(s => s.Resources), r => Assert.EndsWith(":deliverystream/eca-dev-logs\"]]}", r, StringComparison.Ordinal));
        Assert.DoesNotContain(statements, s => s.Actions.Any(a => a.StartsWith("s3:", StringComparison.Ordinal) || a.StartsWith("dynamodb:", StringComparison.Ordinal)));
    }

    [Fact]
    public void Api_AuditIsAppendOnly_AndProfilesOnlyDeletable()
    {
        var statements = stages.Dev.Json.IdentityStatements().Where(s => s.Roles.StartsWith("ApiHandlerRole", StringComparison.Ordinal)).ToList();
        var audit = stages.Dev.Json.LogicalIdAt("/Tables/Audit/Resource");
        var profiles = stages.Dev.Json.LogicalIdAt("/Tables/Profiles/Resource");

        // The export reads the subject's audit entries back; nothing may change or remove one.
        var onAudit = statements.Where(s => s.Resources.Any(r => r.Contains(audit, StringComparison.Ordinal))).SelectMany(s => s.Actions).ToList();
        Assert.Contains("dynamodb:Query", onAudit);
        Assert.Contains("dynamodb:PutItem", onAudit);
        Assert.DoesNotContain("dynamodb:UpdateItem", onAudit);
        Assert.DoesNotContain("dynamodb:DeleteItem", onAudit);
        Assert.DoesNotContain("dynamodb:BatchWriteItem", onAudit);

        var onProfiles = statements.Where(s => s.Resources.Any(r => r.Contains(profiles, StringComparison.Ordinal))).SelectMany(s => s.Actions).ToList();
        Assert.Contains("dynamodb:DeleteItem", onProfiles);
        Assert.DoesNotContain("dynamodb:PutItem", onProfiles);
        Assert.DoesNotContain("dynamodb:UpdateItem", onProfiles);
    }

    [Fact]
    public void BucketPolicies_NeverAllowAnonymousAccess()
    {
        foreach (var stage in stages.All)
        {
            foreach (var (id, policy) in stage.Json.Resources("AWS::S3::BucketPolicy"))
            {
                foreach (var statement in policy.GetProperty("Properties").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray())
                {
                    var principal = statement.GetProperty("Principal").GetRawText();
                    Assert.False(statement.GetProperty("Effect").GetString() == "Allow" && principal.Contains("\"*\"", StringComparison.Ordinal), id);
                }
            }
        }
    }
}
