using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.OpenSearchService;
using Constructs;
using ECommerceAgents.Infra.Constructs.Functions;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs;

public sealed class SearchDomainProps
{
    public required StageConfig Stage { get; init; }

    public required Network Network { get; init; }
}

/// <summary>
/// OpenSearch domain in the VPC: HTTPS only with TLS 1.2, node-to-node encryption, encryption at rest, and fine-grained
/// access control whose master user is an IAM role. Functions get scoped <c>es:ESHttp*</c> actions through <see cref="Connect"/>;
/// inside OpenSearch their roles still need a role mapping (see the README).
/// </summary>
public sealed class SearchDomain : Construct
{
    public SearchDomain(Construct scope, string id, SearchDomainProps props) : base(scope, id)
    {
        var size = props.Stage.Search;
        AdminRole = new Role(this, "AdminRole", new RoleProps
        {
            AssumedBy = new AccountRootPrincipal(),
            Description = "OpenSearch fine-grained access control master user: maps function roles to OpenSearch roles",
        });

        SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
        {
            Vpc = props.Network.Vpc,
            Description = "OpenSearch: HTTPS only from the functions that use search",
            AllowAllOutbound = false,
        });

        var zoneAware = size.DataNodes > 1;
        var subnets = props.Network.Vpc.SelectSubnets(props.Network.Isolated).Subnets;
        Domain = new Domain(this, "Domain", new DomainProps
        {
            Version = EngineVersion.OPENSEARCH_2_15,
            Capacity = new CapacityConfig
            {
                DataNodes = size.DataNodes,
                DataNodeInstanceType = size.DataNodeType,
                MasterNodes = size.MasterNodes > 0 ? size.MasterNodes : null,
                MasterNodeInstanceType = size.MasterNodeType,
                MultiAzWithStandbyEnabled = false,
            },
            Ebs = new EbsOptions { Enabled = true, VolumeSize = size.VolumeGb, VolumeType = EbsDeviceVolumeType.GP3 },
            ZoneAwareness = zoneAware ? new ZoneAwarenessConfig { Enabled = true, AvailabilityZoneCount = 2 } : new ZoneAwarenessConfig { Enabled = false },
            Vpc = props.Network.Vpc,
            VpcSubnets = [zoneAware ? new SubnetSelection { Subnets = subnets } : new SubnetSelection { Subnets = [subnets[0]] }],
            SecurityGroups = [SecurityGroup],
            EnforceHttps = true,
            TlsSecurityPolicy = TLSSecurityPolicy.TLS_1_2,
            NodeToNodeEncryption = true,
            EncryptionAtRest = new EncryptionAtRestOptions { Enabled = true },
            FineGrainedAccessControl = new AdvancedSecurityOptions { MasterUserArn = AdminRole.RoleArn },
            RemovalPolicy = props.Stage.RemovalPolicy,
        });
    }

    public Domain Domain { get; }

    public Role AdminRole { get; }

    public SecurityGroup SecurityGroup { get; }

    public string Endpoint => "https://" + Domain.DomainEndpoint;

    /// <summary>Opens HTTPS from the function, sets OPENSEARCH_ENDPOINT and grants exactly <paramref name="httpActions"/> (e.g. <c>es:ESHttpGet</c>) on the domain's paths.</summary>
    public void Connect(PlatformFunction function, params string[] httpActions)
    {
        var peer = function.SecurityGroup ?? throw new InvalidOperationException($"{function.Name} must run in the VPC to reach OpenSearch.");
        SecurityGroup.AddIngressRule(peer, Port.Tcp(443), $"HTTPS from {function.Name}");
        function.Environment(ServiceEndpoints.OpenSearchVariable, Endpoint);
        Grant.AddToPrincipal(new GrantOnPrincipalOptions
        {
            Grantee = function.Function,
            Actions = httpActions,
            ResourceArns = [Domain.DomainArn, Domain.DomainArn + "/*"],
        });
    }
}
