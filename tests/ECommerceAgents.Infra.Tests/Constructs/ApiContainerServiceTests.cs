using System.Text.Json;
using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Constructs;
using ECommerceAgents.Infra.Tests.Fixtures;
using ECommerceAgents.Resources;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

/// <summary>
/// prod's second front door: the Api's Kestrel app on ECS Fargate behind an HTTPS ALB, beside API Gateway, behind the
/// same WAF, with the Api function's policy, variables, secrets and security group; dev, small and local have API
/// Gateway only.
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class ApiContainerServiceTests(SynthesizedStages stages)
{
    private SynthesizedStage Prod => stages.ProdWithoutQuickSight;

    [Fact]
    public void OnlyProd_HasTheAlbFrontDoor_BesideApiGateway()
    {
        foreach (var stage in new[] { stages.Prod, stages.ProdWithoutQuickSight })
        {
            stage.Template.ResourceCountIs("AWS::ApiGateway::RestApi", 1);
            stage.Template.ResourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 1);
            stage.Template.ResourceCountIs("AWS::ECS::Service", 1);
            stage.Template.HasOutput("AlbDnsName", Obj(("Value", Match.AnyValue())));
        }

        foreach (var stage in new[] { stages.Dev, stages.Small, stages.Local })
        {
            stage.Template.ResourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 0);
            stage.Template.ResourceCountIs("AWS::ECS::Service", 0);
            stage.Template.ResourceCountIs("AWS::EC2::InternetGateway", 0);
            Assert.False(stage.Json.Root.TryGetProperty("Parameters", out var p) && p.TryGetProperty("AlbCertificateArn", out _));
        }
    }

    [Fact]
    public void Alb_InternetFacing_HttpsOnlyWithTheDeployersCertificate_HealthCheckOnHealthz()
    {
        Prod.Template.HasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Obj(
            ("Scheme", "internet-facing"), ("Type", "application"),
            ("LoadBalancerAttributes", Match.ArrayWith(Arr(
                Obj(("Key", "deletion_protection.enabled"), ("Value", "true")),
                Obj(("Key", "routing.http.drop_invalid_header_fields.enabled"), ("Value", "true")))))));
        Prod.Template.ResourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 1);
        Prod.Template.HasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", Obj(
            ("Port", 443), ("Protocol", "HTTPS"), ("SslPolicy", Match.StringLikeRegexp("TLS13")),
            ("Certificates", Arr(Obj(("CertificateArn", Ref("AlbCertificateArn")))))));
        Prod.Template.HasParameter("AlbCertificateArn", Obj(("Type", "String")));
        Prod.Template.HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", Obj(
            ("Port", 8080), ("Protocol", "HTTP"), ("TargetType", "ip"),
            ("HealthCheckPath", "/healthz"), ("Matcher", Obj(("HttpCode", "200")))));
        // The load balancer sits in public subnets of its own; the tasks stay in the isolated ones.
        Prod.Template.ResourceCountIs("AWS::EC2::InternetGateway", 1);
        Prod.Template.ResourceCountIs("AWS::EC2::NatGateway", 0);
    }

    [Fact]
    public void Alb_LogsEveryRequestToTheAccessLogBucket_NotToCloudWatch()
    {
        var bucket = Prod.Json.LogicalIdAt("/DataLake/AccessLogs/Resource");
        Prod.Template.HasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", Obj(
            ("LoadBalancerAttributes", Match.ArrayWith(Arr(
                Obj(("Key", "access_logs.s3.enabled"), ("Value", "true")),
                Obj(("Key", "access_logs.s3.bucket"), ("Value", Ref(bucket))),
                Obj(("Key", "access_logs.s3.prefix"), ("Value", ApiContainerService.AccessLogsPrefix)))))));

        // The bucket policy admits ELB's log delivery (us-east-1's ELB account, and the service principal of newer
        // regions) under this account's prefix only; the load balancer waits for the policy.
        var (policyId, policy) = Assert.Single(Prod.Json.Resources("AWS::S3::BucketPolicy"), p => p.Resource.GetProperty("Properties").GetProperty("Bucket").GetRawText().Contains(bucket, StringComparison.Ordinal));
        var statement = Assert.Single(policy.GetProperty("Properties").GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray(), s => s.TryGetProperty("Sid", out var sid) && sid.GetString() == "AlbAccessLogDelivery");
        var text = statement.GetRawText();
        Assert.Contains("127311923021", text, StringComparison.Ordinal);
        Assert.Contains("logdelivery.elasticloadbalancing.amazonaws.com", text, StringComparison.Ordinal);
        Assert.Contains("\"s3:PutObject\"", text, StringComparison.Ordinal);
        Assert.Contains($"/{ApiContainerService.AccessLogsPrefix}/AWSLogs/", TemplateJson.Render(statement.GetProperty("Resource")), StringComparison.Ordinal);
        var (_, alb) = Assert.Single(Prod.Json.Resources("AWS::ElasticLoadBalancingV2::LoadBalancer"));
        Assert.Contains(policyId, alb.GetProperty("DependsOn").GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Waf_GuardsTheAlbWithTheSameWebAcl()
    {
        var acl = GetAtt(Prod.Json.LogicalIdAt("/PublicApi/WebAcl"), "Arn");
        Prod.Template.ResourceCountIs("AWS::WAFv2::WebACL", 1);
        Prod.Template.HasResourceProperties("AWS::WAFv2::WebACLAssociation", Obj(("ResourceArn", Ref(Prod.Json.LogicalIdAt("/ApiContainer/Alb/Resource"))), ("WebACLArn", acl)));
        Prod.Template.HasResourceProperties("AWS::WAFv2::WebACLAssociation", Obj(("WebACLArn", acl), ("ResourceArn", Match.ObjectLike(Obj(("Fn::Join", Match.AnyValue()))))));
    }

    [Fact]
    public void Service_FargateInTheIsolatedSubnets_WithTheApiFunctionsSecurityGroup_ScalesOnCpu()
    {
        var size = StageConfig.For(StageName.Prod).Container!;
        var functionGroup = GetAtt(Prod.Json.LogicalIdAt("/Api/Handler/SecurityGroup/Resource"), "GroupId");
        Prod.Template.HasResourceProperties("AWS::ECS::Service", Obj(
            ("LaunchType", "FARGATE"), ("DesiredCount", size.MinTasks),
            ("NetworkConfiguration", Obj(("AwsvpcConfiguration", Obj(
                ("AssignPublicIp", "DISABLED"), ("SecurityGroups", Arr(functionGroup)), ("Subnets", Match.AnyValue()))))),
            ("DeploymentConfiguration", Match.ObjectLike(Obj(("DeploymentCircuitBreaker", Obj(("Enable", true), ("Rollback", true))))))));
        Prod.Template.HasResourceProperties("AWS::ECS::Cluster", Obj(("ClusterSettings", Arr(Obj(("Name", "containerInsights"), ("Value", "enabled"))))));
        Prod.Template.HasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", Obj(
            ("ServiceNamespace", "ecs"), ("ScalableDimension", "ecs:service:DesiredCount"), ("MinCapacity", size.MinTasks), ("MaxCapacity", size.MaxTasks)));
        Prod.Template.HasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", Obj(
            ("PolicyType", "TargetTrackingScaling"),
            ("TargetTrackingScalingPolicyConfiguration", Obj(
                ("PredefinedMetricSpecification", Obj(("PredefinedMetricType", "ECSServiceAverageCPUUtilization"))),
                ("TargetValue", size.CpuTargetPercent)))));
        // The function's security group admits the ALB on the container port.
        Prod.Template.HasResourceProperties("AWS::EC2::SecurityGroupIngress", Obj(
            ("GroupId", functionGroup), ("FromPort", 8080), ("ToPort", 8080),
            ("SourceSecurityGroupId", GetAtt(Prod.Json.LogicalIdAt("/ApiContainer/Alb/SecurityGroup/Resource"), "GroupId"))));
        // Pulling images and shipping logs from the isolated subnets.
        foreach (var service in new[] { ".ecr.api", ".ecr.dkr", ".logs" })
        {
            Assert.Contains(Prod.Json.Resources("AWS::EC2::VPCEndpoint"), e => e.Resource.GetProperty("Properties").GetProperty("ServiceName").GetRawText().Contains(service, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Task_RunsTheApiImage_WithTheFunctionsVariables_SecretsFromSsm()
    {
        var size = StageConfig.For(StageName.Prod).Container!;
        var (_, task) = Assert.Single(Prod.Json.Resources("AWS::ECS::TaskDefinition"));
        var properties = task.GetProperty("Properties");
        Assert.Equal(size.Cpu.ToString(System.Globalization.CultureInfo.InvariantCulture), properties.GetProperty("Cpu").GetString());
        Assert.Equal(size.MemoryMiB.ToString(System.Globalization.CultureInfo.InvariantCulture), properties.GetProperty("Memory").GetString());
        Assert.Equal("X86_64", properties.GetProperty("RuntimePlatform").GetProperty("CpuArchitecture").GetString());
        var container = Assert.Single(properties.GetProperty("ContainerDefinitions").EnumerateArray());
        Assert.Equal(8080, container.GetProperty("PortMappings")[0].GetProperty("ContainerPort").GetInt32());
        Assert.Contains("container-assets", container.GetProperty("Image").GetRawText(), StringComparison.Ordinal);

        var environment = container.GetProperty("Environment").EnumerateArray().ToDictionary(e => e.GetProperty("Name").GetString()!, e => TemplateJson.Render(e.GetProperty("Value")), StringComparer.Ordinal);
        var function = Prod.Json.FunctionEnvironment("ApiFunction");
        Assert.Equal("0.0.0.0", environment[SettingNames.ListenAddress]);
        foreach (var (name, value) in function.Where(v => v.Key.StartsWith("ECA_", StringComparison.Ordinal) && !v.Key.EndsWith(SettingNames.ParameterSuffix, StringComparison.Ordinal)))
        {
            Assert.True(environment.TryGetValue(name, out var actual), name);
            Assert.Equal(value, actual);
        }

        Assert.DoesNotContain(environment.Keys, k => k.EndsWith(SettingNames.ParameterSuffix, StringComparison.Ordinal) || k.StartsWith("AWS_LWA_", StringComparison.Ordinal));
        var secrets = container.GetProperty("Secrets").EnumerateArray().Select(s => s.GetProperty("Name").GetString()).Order(StringComparer.Ordinal);
        Assert.Equal([SettingNames.BootstrapAdminKey, SettingNames.WebhookSecrets], secrets);
    }

    [Fact]
    public void TaskRole_SharesTheApiFunctionsPolicy_NotACopy()
    {
        var apiRole = Prod.Json.LogicalIdAt("/Api/Handler/Role/Resource");
        var taskRole = Prod.Json.LogicalIdAt("/ApiContainer/TaskRole/Resource");
        var policies = Prod.Json.Resources("AWS::IAM::Policy").Where(p => Roles(p.Resource).Contains(taskRole)).ToList();

        var (_, policy) = Assert.Single(policies);
        Assert.Equal(new[] { apiRole, taskRole }.Order(StringComparer.Ordinal), Roles(policy).Order(StringComparer.Ordinal));
        Assert.Contains("kinesis:PutRecords", policy.GetProperty("Properties").GetProperty("PolicyDocument").GetRawText(), StringComparison.Ordinal);
        var principal = Obj(("Principal", Obj(("Service", "ecs-tasks.amazonaws.com"))));
        var trust = Obj(("Statement", Arr(Match.ObjectLike(principal))));
        Prod.Template.HasResourceProperties("AWS::IAM::Role", Obj(("AssumeRolePolicyDocument", Match.ObjectLike(trust)), ("Description", Match.StringLikeRegexp("Api container"))));
    }

    [Fact]
    public void Synth_NeedsNoDocker_TheImageIsAnAssetBuiltAtDeploy()
    {
        var manifest = Directory.GetFiles(Prod.Outdir, "*.assets.json").Single();
        using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
        var image = Assert.Single(doc.RootElement.GetProperty("dockerImages").EnumerateObject()).Value;
        var directory = Path.Combine(Prod.Outdir, image.GetProperty("source").GetProperty("directory").GetString()!);

        Assert.True(File.Exists(Path.Combine(directory, "Dockerfile")));
        Assert.True(File.Exists(Path.Combine(directory, "bootstrap")));
        Assert.Equal("linux/amd64", image.GetProperty("source").GetProperty("platform").GetString());
        Assert.Equal(File.ReadAllText(Path.Combine(stages.RepositoryRoot, "infra", "containers", "api", "Dockerfile")), File.ReadAllText(Path.Combine(directory, "Dockerfile")));
    }

    private static string[] Roles(JsonElement policy) =>
        [.. policy.GetProperty("Properties").GetProperty("Roles").EnumerateArray().Select(r => r.GetProperty("Ref").GetString()!)];
}
