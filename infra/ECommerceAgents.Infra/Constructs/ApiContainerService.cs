using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ElasticLoadBalancingV2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.WAFv2;
using Constructs;
using ECommerceAgents.Infra.Constructs.Functions;
using ECommerceAgents.Resources;
using EcsSecret = Amazon.CDK.AWS.ECS.Secret;
using HealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;
using Protocol = Amazon.CDK.AWS.ElasticLoadBalancingV2.Protocol;

namespace ECommerceAgents.Infra.Constructs;

public sealed class ApiContainerServiceProps
{
    public required StageConfig Stage { get; init; }

    public required ContainerService Size { get; init; }

    public required Network Network { get; init; }

    /// <summary>The Api function: the container runs its app with its variables, its security group and its role's policy.</summary>
    public required PlatformFunction Api { get; init; }

    /// <summary>The REST API's web ACL, associated with the load balancer too.</summary>
    public required CfnWebACL WebAcl { get; init; }

    public required FunctionAssets Assets { get; init; }

    /// <summary>The data lake's access-log bucket (SSE-S3, 90-day expiry): the ALB writes its access logs under <see cref="ApiContainerService.AccessLogsPrefix"/>.</summary>
    public required IBucket AccessLogs { get; init; }
}

/// <summary>
/// The second front door for steady high rates: the Api's Kestrel app as a container on ECS Fargate behind an
/// internet-facing ALB (HTTPS only, with a certificate given at deploy time), beside API Gateway. The same WAF web ACL
/// guards it. The task role carries the Api function's own policy (attached, not copied), the tasks use the Api
/// function's security group (so the cache, search and warehouse admit them as they admit the function), secrets come
/// from the same SSM parameters as container secrets, and the service scales on average CPU. Every request through the
/// ALB is recorded in its access log in S3 (the data lake's access-log bucket), not in CloudWatch Logs.
/// </summary>
public sealed class ApiContainerService : Construct
{
    public const int ContainerPort = 8080;

    /// <summary>Where the ALB's access logs go in the access-log bucket (ELB appends <c>AWSLogs/&lt;account&gt;/…</c>).</summary>
    public const string AccessLogsPrefix = "alb";

    public ApiContainerService(Construct scope, string id, ApiContainerServiceProps props) : base(scope, id)
    {
        var network = props.Network;
        var api = props.Api;
        var size = props.Size;
        var securityGroup = api.SecurityGroup ?? throw new InvalidOperationException("The Api function must run in the VPC for the container to share its access.");

        // Tasks in the isolated subnets pull from ECR (API, Docker registry; layers come from S3 through its gateway
        // endpoint) and ship their logs through endpoints of their own. SSM, Kinesis and the rest are already there.
        foreach (var (name, service) in new (string, InterfaceVpcEndpointAwsService)[]
                 {
                     ("EcrApi", InterfaceVpcEndpointAwsService.ECR),
                     ("EcrDocker", InterfaceVpcEndpointAwsService.ECR_DOCKER),
                     ("Logs", InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS),
                 })
        {
            network.AddEndpoint(name, service);
        }

        Cluster = new Cluster(this, "Cluster", new ClusterProps { Vpc = network.Vpc, ContainerInsights = true });

        TaskRole = new Role(this, "TaskRole", new RoleProps
        {
            AssumedBy = new ServicePrincipal("ecs-tasks.amazonaws.com"),
            Description = "Api container: the Api function's permissions (its policy is attached to this role too)",
        });
        // Reuse, not a copy: the function role's policy document, with every grant made to the function, names this role too.
        var policy = api.Role.Node.TryFindChild("DefaultPolicy") as Policy
            ?? throw new InvalidOperationException("The Api role has no default policy to share.");
        policy.AttachToRole(TaskRole);

        LogGroup = new LogGroup(this, "Logs", new LogGroupProps { Retention = props.Stage.LogRetention, RemovalPolicy = props.Stage.RemovalPolicy });
        TaskDefinition = new FargateTaskDefinition(this, "Task", new FargateTaskDefinitionProps
        {
            Cpu = size.Cpu,
            MemoryLimitMiB = size.MemoryMiB,
            TaskRole = TaskRole,
            RuntimePlatform = new RuntimePlatform { CpuArchitecture = CpuArchitecture.X86_64, OperatingSystemFamily = OperatingSystemFamily.LINUX },
        });
        Container = TaskDefinition.AddContainer("Api", new ContainerDefinitionOptions
        {
            Image = ContainerImage.FromAsset(props.Assets.ContainerContext("Api"), new AssetImageProps { Platform = Amazon.CDK.AWS.Ecr.Assets.Platform_.LINUX_AMD64 }),
            Environment = ContainerEnvironment(api),
            Secrets = ContainerSecrets(api.Platform),
            PortMappings = [new PortMapping { ContainerPort = ContainerPort, Protocol = Amazon.CDK.AWS.ECS.Protocol.TCP }],
            Logging = LogDrivers.AwsLogs(new AwsLogDriverProps { LogGroup = LogGroup, StreamPrefix = "api" }),
            Essential = true,
        });

        Service = new FargateService(this, "Service", new FargateServiceProps
        {
            Cluster = Cluster,
            TaskDefinition = TaskDefinition,
            DesiredCount = size.MinTasks,
            MinHealthyPercent = 100,
            VpcSubnets = network.Isolated,
            SecurityGroups = [securityGroup],
            AssignPublicIp = false,
            CircuitBreaker = new DeploymentCircuitBreaker { Rollback = true },
        });
        Service.AutoScaleTaskCount(new Amazon.CDK.AWS.ApplicationAutoScaling.EnableScalingProps { MinCapacity = size.MinTasks, MaxCapacity = size.MaxTasks })
            .ScaleOnCpuUtilization("Cpu", new CpuUtilizationScalingProps { TargetUtilizationPercent = size.CpuTargetPercent });

        // The certificate is the deployer's (a domain of theirs, validated in ACM): a parameter, so synth stays offline.
        CertificateArn = new CfnParameter(Stack.Of(this), "AlbCertificateArn", new CfnParameterProps
        {
            Type = "String",
            AllowedPattern = "arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/.+",
            Description = "ACM certificate (same region) for the ALB front door's HTTPS listener; the domain's CNAME points at the AlbDnsName output",
        });
        LoadBalancer = new ApplicationLoadBalancer(this, "Alb", new ApplicationLoadBalancerProps
        {
            Vpc = network.Vpc,
            InternetFacing = true,
            VpcSubnets = new SubnetSelection { SubnetType = SubnetType.PUBLIC },
            DropInvalidHeaderFields = true,
            DeletionProtection = props.Stage.RemovalPolicy == RemovalPolicy.RETAIN,
        });
        var listener = LoadBalancer.AddListener("Https", new BaseApplicationListenerProps
        {
            Port = 443,
            Protocol = ApplicationProtocol.HTTPS,
            Certificates = [ListenerCertificate.FromArn(CertificateArn.ValueAsString)],
            SslPolicy = SslPolicy.RECOMMENDED_TLS,
            Open = true,
        });
        TargetGroup = listener.AddTargets("Api", new AddApplicationTargetsProps
        {
            Port = ContainerPort,
            Protocol = ApplicationProtocol.HTTP,
            Targets = [Service],
            DeregistrationDelay = Duration.Seconds(30),
            HealthCheck = new HealthCheck
            {
                Path = ApiConstruct.ReadinessPath,
                Protocol = Protocol.HTTP,
                HealthyHttpCodes = "200",
                Interval = Duration.Seconds(15),
                HealthyThresholdCount = 2,
                UnhealthyThresholdCount = 3,
            },
        });

        _ = new CfnWebACLAssociation(this, "WebAclAssociation", new CfnWebACLAssociationProps
        {
            ResourceArn = LoadBalancer.LoadBalancerArn,
            WebAclArn = props.WebAcl.AttrArn,
        });

        LogAccessToS3(props.AccessLogs);
    }

    public Cluster Cluster { get; }

    public Role TaskRole { get; }

    public LogGroup LogGroup { get; }

    public FargateTaskDefinition TaskDefinition { get; }

    public ContainerDefinition Container { get; }

    public FargateService Service { get; }

    public CfnParameter CertificateArn { get; }

    public ApplicationLoadBalancer LoadBalancer { get; }

    public ApplicationTargetGroup TargetGroup { get; }

    /// <summary>
    /// One access-log line per request, delivered by ELB to S3 every 5 minutes per node at no charge but the storage
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html). CDK's
    /// <c>LogAccessLogs</c> needs a concrete region to name the region's ELB account; this stack is environment-agnostic,
    /// so the bucket policy names every commercial region's ELB account (CDK's region facts) and the log-delivery service
    /// principal that regions opened since August 2022 use. Each of them can write only under this account's prefix.
    /// </summary>
    private void LogAccessToS3(IBucket bucket)
    {
        var principals = new List<IPrincipal> { new ServicePrincipal("logdelivery.elasticloadbalancing.amazonaws.com") };
        foreach (var (region, account) in Amazon.CDK.RegionInfo.RegionInfo.RegionMap(Amazon.CDK.RegionInfo.FactName.ELBV2_ACCOUNT).OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            if (region.StartsWith("cn-", StringComparison.Ordinal) || region.StartsWith("us-gov-", StringComparison.Ordinal) || region.StartsWith("us-iso", StringComparison.Ordinal)) continue;
            principals.Add(new AccountPrincipal(account));
        }

        bucket.AddToResourcePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Sid = "AlbAccessLogDelivery",
            Actions = ["s3:PutObject"],
            Principals = [.. principals],
            Resources = [bucket.ArnForObjects($"{AccessLogsPrefix}/AWSLogs/{Aws.ACCOUNT_ID}/*")],
        }));
        LoadBalancer.SetAttribute("access_logs.s3.enabled", "true");
        LoadBalancer.SetAttribute("access_logs.s3.bucket", bucket.BucketName);
        LoadBalancer.SetAttribute("access_logs.s3.prefix", AccessLogsPrefix);
        if (bucket.Policy?.Node.DefaultChild is CfnResource policy) LoadBalancer.Node.AddDependency(policy);
    }

    /// <summary>
    /// The Api function's variables, without what only Lambda uses (the Web Adapter's, and parameter names the Lambda
    /// extension resolves: the container receives those values as secrets instead).
    /// </summary>
    private static Dictionary<string, string> ContainerEnvironment(PlatformFunction api)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SettingNames.ListenAddress] = "0.0.0.0",
            ["PORT"] = ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AWS_REGION"] = Aws.REGION,
        };
        foreach (var (name, value) in api.Variables)
        {
            if (name.StartsWith("AWS_LWA_", StringComparison.Ordinal) || name.EndsWith(SettingNames.ParameterSuffix, StringComparison.Ordinal)) continue;
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>The SecureStrings the function reads through the extension, injected by ECS at task start (the app reads <c>NAME</c> before <c>NAME_PARAMETER</c>).</summary>
    private static Dictionary<string, EcsSecret> ContainerSecrets(FunctionPlatform platform)
    {
        var secrets = new Dictionary<string, EcsSecret>(StringComparer.Ordinal);
        if (platform.WebhookSecrets is { } webhooks) secrets[SettingNames.WebhookSecrets] = EcsSecret.FromSsmParameter(webhooks);
        if (platform.BootstrapAdminKey is { } admin) secrets[SettingNames.BootstrapAdminKey] = EcsSecret.FromSsmParameter(admin);
        return secrets;
    }
}
