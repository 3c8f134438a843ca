using Amazon.CDK;
using Amazon.CDK.AWS.APIGateway;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.WAFv2;
using Amazon.CDK.AWS.XRay;
using Constructs;
using static Amazon.CDK.AWS.WAFv2.CfnWebACL;

namespace ECommerceAgents.Infra.Constructs;

public sealed class PublicApiProps
{
    public required InfraSettings Settings { get; init; }

    public required StageConfig Stage { get; init; }

    public required IFunction Handler { get; init; }

    /// <summary>The recommendations push (Server-Sent Events), reached through a response-streaming route.</summary>
    public IFunction? StreamHandler { get; init; }
}

/// <summary>
/// REST API proxying every route to the Api function. The gateway requires no API key of its own: the app checks the
/// key on every route (hashed keys in DynamoDB, created and revoked through <c>/v1/admin/keys</c>), because gateway keys
/// exist only where they are registered, arrive only as <c>x-api-key</c> (Segment's SDKs send HTTP Basic, browsers'
/// <c>sendBeacon</c> no header at all) and are not meant for authorisation. A WAF web ACL guards the stage with rate
/// rules per client IP and per key header, and AWS managed rules. The recommendations push is one route in API
/// Gateway's response-streaming mode on its own function, behind the same WAF and key check.
/// <para>
/// Browser keys and the tracker: the Segment routes, <c>GET /sdk/v1/eca.js</c> and the CORS preflights (OPTIONS) reach
/// the function through the proxy resource like every route, with no gateway key and no authorizer (a preflight
/// carries no credentials at all); the app answers CORS itself. The per-IP rule counts only requests that may come
/// from a browser: those with an <c>Origin</c> header (browsers send it on every POST, <c>sendBeacon</c> included) or
/// with no key header at all (a browser's <c>text/plain</c> post carries its write key in the body). A keyed request
/// without an <c>Origin</c> (a server SDK, which sends every visitor's events from one address) is exempt: the
/// per-key rules limit it, and the app refuses a server key that comes with an <c>Origin</c>. A client that adds a
/// made-up key header to escape the per-IP rule gets 401s from the app, within the stage's throttling.
/// </para>
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
            // Every request body reaches the function base64-encoded and the Web Adapter decodes it, so a gzip body
            // (Segment's and RudderStack's SDKs compress, as Content-Type application/json with Content-Encoding gzip)
            // arrives byte for byte; without a match API Gateway hands the function the body as UTF-8 text, which
            // mangles compressed bytes. Responses: only a body the function marks base64 (the adapter does so for
            // binary types and any Content-Encoding) is decoded; JSON and JavaScript pass as text.
            BinaryMediaTypes = ["*/*"],
            // AWS::ApiGateway::Account is one per account and region: only the stage that owns it creates it.
            CloudWatchRole = props.Settings.ApiGatewayCloudWatchRole,
            CloudWatchRoleRemovalPolicy = props.Settings.ApiGatewayCloudWatchRole ? RemovalPolicy.RETAIN : null,
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
        RestApi.Root.AddResource("healthz").AddMethod("GET", integration);
        if (props.StreamHandler is { } stream)
        {
            StreamMethod = AddStreamingRoute(stream);
        }

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
                        RateBasedStatement = new RateBasedStatementProperty
                        {
                            Limit = limits.WafRequestsPer5MinPerIp,
                            AggregateKeyType = "IP",
                            ScopeDownStatement = PerIpScope(),
                        },
                    },
                    VisibilityConfig = Visibility("rate-limit-per-ip"),
                },
                // Per API key, wherever a client sends it; a request without that header is not counted by the rule.
                RateLimitPerHeader("rate-limit-per-key", 1, ApiKeyHeader, limits.WafRequestsPer5MinPerKey),
                RateLimitPerHeader("rate-limit-per-basic-key", 2, "authorization", limits.WafRequestsPer5MinPerKey),
                ManagedRules("aws-common", 3, "AWSManagedRulesCommonRuleSet",
                    // Batches of up to 500 events reach 1 MB; the API enforces its own size limit (413).
                    new RuleActionOverrideProperty { Name = "SizeRestrictions_BODY", ActionToUse = new RuleActionProperty { Count = new CountActionProperty() } }),
                ManagedRules("aws-known-bad-inputs", 4, "AWSManagedRulesKnownBadInputsRuleSet"),
            },
        });

        _ = new CfnWebACLAssociation(this, "WebAclAssociation", new CfnWebACLAssociationProps
        {
            ResourceArn = RestApi.DeploymentStage.StageArn,
            WebAclArn = WebAcl.AttrArn,
        });

        if (props.Stage.Sampling is { } sampling)
        {
            var ruleName = props.Settings.ResourcePrefix + "-api";
            SamplingRule = new CfnSamplingRule(this, "SamplingRule", new CfnSamplingRuleProps
            {
                SamplingRule = new CfnSamplingRule.SamplingRuleProperty
                {
                    // Up to 32 characters; API Gateway names its segments "<api name>/<stage>".
                    RuleName = ruleName[..Math.Min(ruleName.Length, 32)],
                    Priority = 100,
                    FixedRate = sampling.FixedRate,
                    ReservoirSize = sampling.ReservoirPerSecond,
                    ServiceName = $"{props.Settings.ResourcePrefix}-api/{props.Settings.StageText}",
                    ServiceType = "AWS::ApiGateway::Stage",
                    Host = "*",
                    HttpMethod = "*",
                    UrlPath = "*",
                    ResourceArn = "*",
                    Version = 1,
                },
            });
        }
    }

    /// <summary>The stage's fixed-rate X-Ray sampling rule for the REST API (null: X-Ray's default rule).</summary>
    public CfnSamplingRule? SamplingRule { get; }

    /// <summary>The header the app reads API keys from (Segment-style clients send HTTP Basic instead).</summary>
    public const string ApiKeyHeader = "x-api-key";

    /// <summary>The Server-Sent Events route, served in response-streaming mode by the ApiStream function.</summary>
    public const string StreamPath = "v1/users/{id}/recommendations/stream";

    /// <summary>An open stream ends after this long (API Gateway streams for up to 15 minutes; EventSource reconnects).</summary>
    public const int StreamTimeoutMillis = 300_000;

    public RestApi RestApi { get; }

    public Method? StreamMethod { get; }

    /// <summary>
    /// GET on the push route through Lambda's InvokeWithResponseStream (response transfer mode STREAM, November 2025).
    /// CDK 2.160 predates it, so the L1 integration gets the streaming URI and mode.
    /// </summary>
    private Method AddStreamingRoute(IFunction stream)
    {
        var method = RestApi.Root.ResourceForPath(StreamPath).AddMethod("GET", new LambdaIntegration(stream, new LambdaIntegrationOptions { Proxy = true }));
        var cfn = (CfnMethod)method.Node.DefaultChild!;
        cfn.AddPropertyOverride("Integration.ResponseTransferMode", "STREAM");
        cfn.AddPropertyOverride("Integration.TimeoutInMillis", StreamTimeoutMillis);
        cfn.AddPropertyOverride("Integration.Uri", Fn.Join("", [
            "arn:", Aws.PARTITION, ":apigateway:", Aws.REGION, ":lambda:path/2021-11-15/functions/", stream.FunctionArn, "/response-streaming-invocations",
        ]));
        return method;
    }

    /// <summary>Requests the per-IP rule counts: an <c>Origin</c> header, or neither key header (see the class comment).</summary>
    private static StatementProperty PerIpScope() => new()
    {
        OrStatement = new OrStatementProperty
        {
            Statements = new object[]
            {
                HeaderPresent("origin"),
                new StatementProperty
                {
                    AndStatement = new AndStatementProperty
                    {
                        Statements = new object[]
                        {
                            new StatementProperty { NotStatement = new NotStatementProperty { Statement = HeaderPresent(ApiKeyHeader) } },
                            new StatementProperty { NotStatement = new NotStatementProperty { Statement = HeaderPresent("authorization") } },
                        },
                    },
                },
            },
        },
    };

    /// <summary>The header is present and not empty (a size constraint on a missing header does not match).</summary>
    private static StatementProperty HeaderPresent(string header) => new()
    {
        SizeConstraintStatement = new SizeConstraintStatementProperty
        {
            FieldToMatch = new FieldToMatchProperty { SingleHeader = new Dictionary<string, object> { ["Name"] = header } },
            ComparisonOperator = "GT",
            Size = 0,
            TextTransformations = new object[] { new TextTransformationProperty { Priority = 0, Type = "NONE" } },
        },
    };

    private static RuleProperty RateLimitPerHeader(string name, int priority, string header, int limit) => new()
    {
        Name = name,
        Priority = priority,
        Action = new RuleActionProperty { Block = new BlockActionProperty() },
        Statement = new StatementProperty
        {
            RateBasedStatement = new RateBasedStatementProperty
            {
                Limit = limit,
                AggregateKeyType = "CUSTOM_KEYS",
                CustomKeys = new object[]
                {
                    new RateBasedStatementCustomKeyProperty
                    {
                        Header = new RateLimitHeaderProperty
                        {
                            Name = header,
                            TextTransformations = new object[] { new TextTransformationProperty { Priority = 0, Type = "NONE" } },
                        },
                    },
                },
            },
        },
        VisibilityConfig = Visibility(name),
    };

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
