using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.RedshiftServerless;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Amazon.CDK.CustomResources;
using Constructs;
using ECommerceAgents.Infra.Constructs.Functions;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs;

public sealed class WarehouseClusterProps
{
    public required StageConfig Stage { get; init; }

    public required Network Network { get; init; }

    /// <summary>The processed zone, which COPY reads Parquet from.</summary>
    public required IBucket Processed { get; init; }

    public required string Name { get; init; }
}

/// <summary>
/// Redshift Serverless namespace and workgroup in the VPC. The admin password is generated and kept by Secrets Manager
/// (<c>ManageAdminPassword</c>); CloudFormation does not return that secret's ARN, so a scoped SDK call (GetNamespace) reads it.
/// </summary>
public sealed class WarehouseCluster : Construct
{
    public const int Port = 5439;
    public const string AdminUser = "eca_admin";

    public WarehouseCluster(Construct scope, string id, WarehouseClusterProps props) : base(scope, id)
    {
        CopyRole = new Role(this, "CopyRole", new RoleProps
        {
            AssumedBy = new CompositePrincipal(new ServicePrincipal("redshift.amazonaws.com"), new ServicePrincipal("redshift-serverless.amazonaws.com")),
            Description = "Redshift COPY from the processed zone (Parquet)",
        });
        props.Processed.GrantRead(CopyRole, Prefixes.ProcessedEvents + "*");
        props.Processed.GrantRead(CopyRole, Prefixes.ProcessedOrderLines + "*");

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Network.Vpc,
            Description = "Redshift Serverless: port 5439 only from the batch layer and QuickSight",
            AllowAllOutbound = true,
        });

        Namespace = new CfnNamespace(this, "Namespace", new CfnNamespaceProps
        {
            NamespaceName = props.Name,
            DbName = Resources.Warehouse.Database,
            AdminUsername = AdminUser,
            ManageAdminPassword = true,
            IamRoles = [CopyRole.RoleArn],
            DefaultIamRoleArn = CopyRole.RoleArn,
            LogExports = ["userlog", "connectionlog", "useractivitylog"],
        });
        Namespace.ApplyRemovalPolicy(props.Stage.RemovalPolicy);

        Workgroup = new CfnWorkgroup(this, "Workgroup", new CfnWorkgroupProps
        {
            WorkgroupName = props.Name,
            NamespaceName = props.Name,
            BaseCapacity = props.Stage.RedshiftBaseRpu,
            MaxCapacity = props.Stage.RedshiftMaxRpu,
            SubnetIds = [.. props.Network.WarehouseSubnetIds],
            SecurityGroupIds = [SecurityGroup.SecurityGroupId],
            PubliclyAccessible = false,
            EnhancedVpcRouting = true,
            ConfigParameters = new object[] { new CfnWorkgroup.ConfigParameterProperty { ParameterKey = "require_ssl", ParameterValue = "true" } },
        });
        Workgroup.AddDependency(Namespace);
        Workgroup.ApplyRemovalPolicy(props.Stage.RemovalPolicy);

        var getNamespace = new AwsSdkCall
        {
            Service = "RedshiftServerless",
            Action = "getNamespace",
            Parameters = new Dictionary<string, object> { ["namespaceName"] = props.Name },
            PhysicalResourceId = PhysicalResourceId.Of(props.Name + "-admin-secret"),
            OutputPaths = ["namespace.adminPasswordSecretArn"],
        };
        var lookup = new AwsCustomResource(this, "AdminSecretLookup", new AwsCustomResourceProps
        {
            OnCreate = getNamespace,
            OnUpdate = getNamespace,
            Policy = AwsCustomResourcePolicy.FromSdkCalls(new SdkCallsPolicyOptions { Resources = [Namespace.AttrNamespaceNamespaceArn] }),
            InstallLatestAwsSdk = false,
        });
        lookup.Node.AddDependency(Namespace);
        AdminSecretArn = lookup.GetResponseField("namespace.adminPasswordSecretArn");
        AdminSecret = Secret.FromSecretCompleteArn(this, "AdminSecret", AdminSecretArn);
    }

    public CfnNamespace Namespace { get; }

    public CfnWorkgroup Workgroup { get; }

    public Role CopyRole { get; }

    public SecurityGroup SecurityGroup { get; }

    public string AdminSecretArn { get; }

    public ISecret AdminSecret { get; }

    public string WorkgroupArn => Workgroup.AttrWorkgroupWorkgroupArn;

    /// <summary>
    /// Redshift Data API on this workgroup with the admin secret, plus port 5439 for a direct Npgsql connection. Statement ids
    /// are owned by the caller, so DescribeStatement and friends take no resource (the IAM test lists them).
    /// </summary>
    public void Connect(PlatformFunction function)
    {
        function.Environment("ECA_REDSHIFT_WORKGROUP", Workgroup.WorkgroupName);
        function.Environment("ECA_REDSHIFT_DATABASE", Resources.Warehouse.Database);
        function.Environment("ECA_REDSHIFT_SECRET_ARN", AdminSecretArn);
        function.Environment("ECA_REDSHIFT_COPY_ROLE_ARN", CopyRole.RoleArn);

        Grant.AddToPrincipal(new GrantOnPrincipalOptions
        {
            Grantee = function.Function,
            Actions = ["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
            ResourceArns = [WorkgroupArn],
        });
        Grant.AddToPrincipal(new GrantOnPrincipalOptions
        {
            Grantee = function.Function,
            Actions = ["redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:CancelStatement", "redshift-data:ListStatements"],
            ResourceArns = ["*"],
        });
        AdminSecret.GrantRead(function.Function);

        if (function.SecurityGroup is { } peer)
        {
            SecurityGroup.AddIngressRule(peer, Amazon.CDK.AWS.EC2.Port.Tcp(Port), $"Redshift from {function.Name}");
        }
    }
}
