using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.WAFv2;
using Constructs;
using static Amazon.CDK.AWS.WAFv2.CfnWebACL;

namespace ECommerceAgents.Infra.Constructs;

public sealed class PublicApiProps
{
    public required InfraSettings Settings { get; init; }

    public required StageConfig Stage { get; init; }

    public required IFunction Handler { get; init; }
}

/// <summary>
/// REST API proxying every route to the Api function. API keys are required on every route but <c>/healthz</c>;
/// a usage plan throttles and caps each key; a WAF web ACL with a per-IP rate rule and AWS managed rules guards the stage.
/// </summary>
public sealed class PublicApi : Construct
{
    public PublicApi(Construct scope, string id, PublicApiProps props) : base(scope, id)
    {
        var limits = props.Stage.Api;
        var accessLogs = new LogGroup(this, "AccessLogs", new LogGroupProps
        {
            Retention = props.Stage.LogRetention,
            RemovalPolicy = props.Stage.RemovalPolicy,
        });

        RestApi = new RestApi(this, "RestApi", new RestApiProps
        {
            RestApiName = props.Settings.ResourcePrefix + "-api",
            Description = "ECommerceAgents ingest and query API",
            EndpointConfiguration = new EndpointConfiguration { Types = [EndpointType.REGIONAL] },
            ApiKeySourceType = ApiKeySourceType.HEADER,
            DefaultMethodOptions = new MethodOptions { ApiKeyRequired = true },
            CloudWatchRole = true,
            CloudWatchRoleRemovalPolicy = RemovalPolicy.RETAIN,
            DeployOptions = new StageOptions
            {
                StageName = props.Settings.StageText,
                ThrottlingRateLimit = limits.RatePerSecond,
                ThrottlingBurstLimit = limits.Burst,
                MetricsEnabled = true,
                TracingEnabled = true,
                LoggingLevel = MethodLoggingLevel.ERROR,
                DataTraceEnabled = false,
                AccessLogDestination = new LogGroupLogDestination(accessLogs),
                AccessLogFormat = AccessLogFormat.JsonWithStandardFields(new JsonWithStandardFieldProps
                {
                    Caller = false,
                    HttpMethod = true,
                    Ip = true,
                    Protocol = true,
                    RequestTime = true,
                    ResourcePath = true,
                    ResponseLength = true,
                    Status = true,
                    User = false,
                }),
            },
        });

        var integration = new LambdaIntegration(props.Handler, new LambdaIntegrationOptions { Proxy = true });
        RestApi.Root.AddMethod("ANY", integration);
        RestApi.Root.AddProxy(new ProxyResourceOptions { DefaultIntegration = integration, AnyMethod = true });
        RestApi.Root.AddResource("healthz").AddMethod("GET", integration, new MethodOptions { ApiKeyRequired = false });

        UsagePlan = RestApi.AddUsagePlan("UsagePlan", new UsagePlanProps
        {
            Name = props.Settings.ResourcePrefix + "-default",
            Description = "Default per-key throttling and daily quota; create more plans for partners",
            Throttle = new ThrottleSettings { RateLimit = limits.RatePerSecond, BurstLimit = limits.Burst },
            Quota = new QuotaSettings { Limit = limits.QuotaPerDay, Period = Period.DAY },
        });
        UsagePlan.AddApiStage(new UsagePlanPerApiStage { Api = RestApi, Stage = RestApi.DeploymentStage });
        var key = RestApi.AddApiKey("DefaultKey", new ApiKeyOptions { Description = "First key; the admin routes create, rotate and revoke the rest" });
        UsagePlan.AddApiKey(key);

        WebAcl = new CfnWebACL(this, "WebAcl", new CfnWebACLProps
        {
            Scope = "REGIONAL",
            Description = "ECommerceAgents API: per-IP rate limit and AWS managed rules",
            DefaultAction = new DefaultActionProperty { Allow = new AllowActionProperty() },
            VisibilityConfig = Visibility("api"),
            Rules = new object[]
            {
                new RuleProperty
                {
                    Name = "rate-limit-per-ip",
                    Priority = 0,
                    Action = new RuleActionProperty { Block = new BlockActionProperty() },
                    Statement = new StatementProperty
                    {
                        RateBasedStatement = new RateBasedStatementProperty { Limit = limits.WafRequestsPer5MinPerIp, AggregateKeyType = "IP" },
                    },
                    VisibilityConfig = Visibility("rate-limit-per-ip"),
                },
                ManagedRules("aws-common", 1, "AWSManagedRulesCommonRuleSet",
                    // Batches of up to 500 events reach 1 MB; the API enforces its own size limit (413).
                    new RuleActionOverrideProperty { Name = "SizeRestrictions_BODY", ActionToUse = new RuleActionProperty { Count = new CountActionProperty() } }),
                ManagedRules("aws-known-bad-inputs", 2, "AWSManagedRulesKnownBadInputsRuleSet"),
            },
        });

        var association = new CfnWebACLAssociation(this, "WebAclAssociation", new CfnWebACLAssociationProps
        {
            ResourceArn = RestApi.DeploymentStage.StageArn,
            WebAclArn = WebAcl.AttrArn,
        });
        association.Node.AddDependency(RestApi.DeploymentStage);
    }

    public RestApi RestApi { get; }

    public UsagePlan UsagePlan { get; }

    public CfnWebACL WebAcl { get; }

    private static VisibilityConfigProperty Visibility(string metric) => new()
    {
        CloudWatchMetricsEnabled = true,
        SampledRequestsEnabled = true,
        MetricName = metric,
    };

    private static RuleProperty ManagedRules(string name, int priority, string group, params RuleActionOverrideProperty[] overrides) => new()
    {
        Name = name,
        Priority = priority,
        OverrideAction = new OverrideActionProperty { None = new Dictionary<string, object>() },
        Statement = new StatementProperty
        {
            ManagedRuleGroupStatement = new ManagedRuleGroupStatementProperty
            {
                VendorName = "AWS",
                Name = group,
                RuleActionOverrides = overrides.Length > 0 ? overrides.Cast<object>().ToArray() : null,
            },
        },
        VisibilityConfig = Visibility(name),
    };
}
