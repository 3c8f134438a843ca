using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.QuickSight;
using Constructs;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs;

public sealed class QuickSightAnalyticsProps
{
    public required InfraSettings Settings { get; init; }

    public required Network Network { get; init; }

    public required WarehouseCluster Warehouse { get; init; }
}

/// <summary>
/// QuickSight over the warehouse models: a VPC connection to the private workgroup, a Redshift data source using the
/// admin secret, and one direct-query data set per model. Opt-in (<c>-c quicksight=true</c>): QuickSight needs an
/// account subscription, and the data sets can only be created once the batch layer has created the tables.
/// </summary>
public sealed class QuickSightAnalytics : Construct
{
    private static readonly string[] DataSourceActions =
    [
        "quicksight:DescribeDataSource", "quicksight:DescribeDataSourcePermissions", "quicksight:PassDataSource",
        "quicksight:UpdateDataSource", "quicksight:DeleteDataSource", "quicksight:UpdateDataSourcePermissions",
    ];

    private static readonly string[] DataSetActions =
    [
        "quicksight:DescribeDataSet", "quicksight:DescribeDataSetPermissions", "quicksight:PassDataSet",
        "quicksight:DescribeIngestion", "quicksight:ListIngestions", "quicksight:UpdateDataSet",
        "quicksight:DeleteDataSet", "quicksight:CreateIngestion", "quicksight:CancelIngestion",
        "quicksight:UpdateDataSetPermissions",
    ];

    public QuickSightAnalytics(Construct scope, string id, QuickSightAnalyticsProps props) : base(scope, id)
    {
        var account = Stack.Of(this).Account;
        var prefix = props.Settings.ResourcePrefix;

        // QuickSight's network interfaces: their security group rules are not stateful, hence the explicit return path.
        var securityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Network.Vpc,
            Description = "QuickSight VPC connection to Redshift",
            AllowAllOutbound = false,
        });
        securityGroup.AddEgressRule(props.Warehouse.SecurityGroup, Port.Tcp(WarehouseCluster.Port), "QuickSight to Redshift");
        securityGroup.AddIngressRule(props.Warehouse.SecurityGroup, Port.AllTcp(), "Redshift replies (QuickSight ENI rules are stateless)");
        props.Warehouse.SecurityGroup.AddIngressRule(securityGroup, Port.Tcp(WarehouseCluster.Port), "Redshift from QuickSight");

        var role = new Role(this, "VpcConnectionRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("quicksight.amazonaws.com"),
            Description = "QuickSight VPC connection: manage its network interfaces",
        });
        // EC2 network-interface actions take no resource-level scoping at creation time (listed in the IAM test).
        role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions =
            [
                "ec2:CreateNetworkInterface", "ec2:ModifyNetworkInterfaceAttribute", "ec2:DeleteNetworkInterface",
                "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
            ],
            Resources = ["*"],
        }));

        var connection = new CfnVPCConnection(this, "VpcConnection", new CfnVPCConnectionProps
        {
            AwsAccountId = account,
            VpcConnectionId = prefix + "-warehouse",
            Name = prefix + " warehouse",
            RoleArn = role.RoleArn,
            SecurityGroupIds = [securityGroup.SecurityGroupId],
            SubnetIds = props.Network.Vpc.SelectSubnets(props.Network.Isolated).SubnetIds,
        });
        RolePolicies.DependOnPolicies(connection, role);

        var owner = props.Settings.QuickSightPrincipalArn;
        DataSource = new CfnDataSource(this, "Warehouse", new CfnDataSourceProps
        {
            AwsAccountId = account,
            DataSourceId = prefix + "-warehouse",
            Name = $"ECommerceAgents warehouse ({props.Settings.StageText})",
            Type = "REDSHIFT",
            DataSourceParameters = new CfnDataSource.DataSourceParametersProperty
            {
                RedshiftParameters = new CfnDataSource.RedshiftParametersProperty
                {
                    Host = props.Warehouse.Workgroup.AttrWorkgroupEndpointAddress,
                    Port = WarehouseCluster.Port,
                    Database = Resources.Warehouse.Database,
                },
            },
            Credentials = new CfnDataSource.DataSourceCredentialsProperty { SecretArn = props.Warehouse.AdminSecretArn },
            VpcConnectionProperties = new CfnDataSource.VpcConnectionPropertiesProperty { VpcConnectionArn = connection.AttrArn },
            SslProperties = new CfnDataSource.SslPropertiesProperty { DisableSsl = false },
            Permissions = owner is null ? null : new object[] { new CfnDataSource.ResourcePermissionProperty { Principal = owner, Actions = DataSourceActions } },
        });

        DataSets = [.. WarehouseModels.All.Select(model => new CfnDataSet(this, Naming.Pascal(model.Table.Replace('_', '-')), new CfnDataSetProps
        {
            AwsAccountId = account,
            DataSetId = $"{prefix}-{model.Table.Replace('_', '-')}",
            Name = model.Title,
            ImportMode = "DIRECT_QUERY",
            PhysicalTableMap = new Dictionary<string, object>
            {
                // Map keys allow only [0-9a-zA-Z-].
                [model.Table.Replace('_', '-')] = new CfnDataSet.PhysicalTableProperty
                {
                    RelationalTable = new CfnDataSet.RelationalTableProperty
                    {
                        DataSourceArn = DataSource.AttrArn,
                        Schema = Resources.Warehouse.Schema,
                        Name = model.Table,
                        InputColumns = model.Columns.Select(c => (object)new CfnDataSet.InputColumnProperty { Name = c.Name, Type = c.Type.ToQuickSight() }).ToArray(),
                    },
                },
            },
            Permissions = owner is null ? null : new object[] { new CfnDataSet.ResourcePermissionProperty { Principal = owner, Actions = DataSetActions } },
        }))];
    }

    public CfnDataSource DataSource { get; }

    public IReadOnlyList<CfnDataSet> DataSets { get; }
}
