using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
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
/// inside OpenSearch their roles still need a role mapping (see the README). Slow, application and audit logs go to
/// CloudWatch Logs.
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

        // Publishing starts at once for the application logs. Slow logs are written only for indices whose slow-log
        // thresholds are set (index settings, off by default), and audit logs only once audit logging is switched on in
        // the security plugin (infra/README.md). PII rule: keep index.indexing.slowlog.source at 0 on indices that hold user
        // data, and the audit configuration's request-body logging off, so neither copies documents into the logs.
        Logs = new Dictionary<string, LogGroup>(StringComparer.Ordinal)
        {
            ["SEARCH_SLOW_LOGS"] = NewLogGroup("SlowSearchLogs", props.Stage),
            ["INDEX_SLOW_LOGS"] = NewLogGroup("SlowIndexLogs", props.Stage),
            ["ES_APPLICATION_LOGS"] = NewLogGroup("AppLogs", props.Stage),
            // Audit logs need fine-grained access control, which this domain has.
            ["AUDIT_LOGS"] = NewLogGroup("AuditLogs", props.Stage),
        };

        // OpenSearch writes to the log groups as es.amazonaws.com, which a CloudWatch Logs resource policy must allow.
        // CDK 2.160 writes that policy through a custom resource (a Node.js helper function); this plain
        // AWS::Logs::ResourcePolicy does the same natively. Limits: these four log groups, from this account's domains.
        // (CloudWatch Logs allows 10 resource policies per account and region.)
        var stack = Stack.Of(this);
        var logsPolicy = new CfnResourcePolicy(this, "LogsResourcePolicy", new CfnResourcePolicyProps
        {
            PolicyName = $"{stack.StackName}-opensearch-logs",
            PolicyDocument = stack.ToJsonString(new PolicyDocument(new PolicyDocumentProps
            {
                Statements =
                [
                    new PolicyStatement(new PolicyStatementProps
                    {
                        Principals = [new ServicePrincipal("es.amazonaws.com")],
                        Actions = ["logs:PutLogEvents", "logs:CreateLogStream"],
                        Resources = [.. Logs.Values.Select(g => g.LogGroupArn)],
                        Conditions = new Dictionary<string, object>
                        {
                            ["StringEquals"] = new Dictionary<string, object> { ["aws:SourceAccount"] = stack.Account },
                            // The domain's own ARN would make a cycle (the domain waits for this policy); its name is generated.
                            ["ArnLike"] = new Dictionary<string, object> { ["aws:SourceArn"] = stack.FormatArn(new ArnComponents { Service = "es", Resource = "domain", ResourceName = "*" }) },
                        },
                    }),
                ],
            })),
        });

        var zoneAware = size.DataNodes > 1;
        var subnets = props.Network.Vpc.SelectSubnets(props.Network.Isolated).Subnets;
        Domain = new Amazon.CDK.AWS.OpenSearchService.Domain(this, "Domain", new DomainProps
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
            Logging = new LoggingOptions
            {
                SlowSearchLogEnabled = true,
                SlowSearchLogGroup = Logs["SEARCH_SLOW_LOGS"],
                SlowIndexLogEnabled = true,
                SlowIndexLogGroup = Logs["INDEX_SLOW_LOGS"],
                AppLogEnabled = true,
                AppLogGroup = Logs["ES_APPLICATION_LOGS"],
                AuditLogEnabled = true,
                AuditLogGroup = Logs["AUDIT_LOGS"],
            },
            SuppressLogsResourcePolicy = true,
            RemovalPolicy = props.Stage.RemovalPolicy,
        });
        // OpenSearch checks at create and update time that it may write to the log groups.
        Domain.Node.AddDependency(logsPolicy);
    }

    /// <summary>The domain's CloudWatch log groups, by log type (SEARCH_SLOW_LOGS, INDEX_SLOW_LOGS, ES_APPLICATION_LOGS, AUDIT_LOGS).</summary>
    public IReadOnlyDictionary<string, LogGroup> Logs { get; }

    public Amazon.CDK.AWS.OpenSearchService.Domain Domain { get; }

    public Role AdminRole { get; }

    public SecurityGroup SecurityGroup { get; }

    public string Endpoint => "https://" + Domain.DomainEndpoint;

    private LogGroup NewLogGroup(string id, StageConfig stage) => new(this, id, new LogGroupProps
    {
        Retention = stage.LogRetention,
        RemovalPolicy = stage.RemovalPolicy,
    });

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
