using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.RedshiftServerless;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.SecretsManager;
using Constructs;
using ECommerceAgents.Infra.Constructs.Functions;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

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
/// Redshift Serverless namespace and workgroup in the VPC. The admin credentials are a Secrets Manager secret this stack
/// owns (username and a generated password), passed to the namespace by dynamic reference: with <c>ManageAdminPassword</c>
/// the secret's ARN is not returned to CloudFormation, and reading it needed a custom-resource helper function.
/// The Redshift Data API and QuickSight read the same secret.
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
        props.Processed.GrantRead(CopyRole, ZoneLayout.ProcessedEvents + "*");
        props.Processed.GrantRead(CopyRole, ZoneLayout.ProcessedOrderLines + "*");

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Network.Vpc,
            Description = "Redshift Serverless: port 5439 only from the batch layer and QuickSight",
            AllowAllOutbound = true,
        });

        AdminSecret = new Secret(this, "AdminSecret", new SecretProps
        {
            Description = "Redshift Serverless admin credentials (username, password) for the batch layer and QuickSight",
            GenerateSecretString = new SecretStringGenerator
            {
                SecretStringTemplate = $$"""{"username":"{{AdminUser}}"}""",
                GenerateStringKey = "password",
                PasswordLength = 32,
                // Redshift refuses ' " \ / @ and spaces in passwords, and wants upper, lower and digits.
                ExcludeCharacters = "'\"\\/@ ",
                RequireEachIncludedType = true,
            },
            RemovalPolicy = props.Stage.RemovalPolicy,
        });

        Namespace = new CfnNamespace(this, "Namespace", new CfnNamespaceProps
        {
            NamespaceName = props.Name,
            DbName = Resources.Warehouse.Database,
            AdminUsername = AdminUser,
            // A {{resolve:secretsmanager:…}} dynamic reference: the password never appears in the template.
            AdminUserPassword = AdminSecret.SecretValueFromJson("password").UnsafeUnwrap(),
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
    }

    public CfnNamespace Namespace { get; }

    public CfnWorkgroup Workgroup { get; }

    public Role CopyRole { get; }

    public SecurityGroup SecurityGroup { get; }

    public string AdminSecretArn => AdminSecret.SecretArn;

    public Secret AdminSecret { get; }

    public string WorkgroupArn => Workgroup.AttrWorkgroupWorkgroupArn;

    /// <summary>
    /// Redshift Data API on this workgroup with the admin secret, plus port 5439 for a direct Npgsql connection. Statement ids
    /// are owned by the caller, so DescribeStatement and friends take no resource (the IAM test lists them).
    /// </summary>
    public void Connect(PlatformFunction function)
    {
        function.Environment(SettingNames.RedshiftWorkgroup, Workgroup.WorkgroupName);
        function.Environment(SettingNames.RedshiftDatabase, Resources.Warehouse.Database);
        function.Environment(SettingNames.RedshiftSecretArn, AdminSecretArn);
        function.Environment(SettingNames.RedshiftCopyRoleArn, CopyRole.RoleArn);

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
