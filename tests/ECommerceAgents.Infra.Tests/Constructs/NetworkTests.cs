using Amazon.CDK.Assertions;
using ECommerceAgents.Infra.Tests.Fixtures;
using static ECommerceAgents.Infra.Tests.Fixtures.Json;

namespace ECommerceAgents.Infra.Tests.Constructs;

[Collection(SynthesizedStagesCollection.Name)]
public sealed class NetworkTests(SynthesizedStages stages)
{
    [Fact]
    public void Vpc_IsIsolated_NoNatNoInternetGateway()
    {
        var template = stages.Dev.Template;
        template.ResourceCountIs("AWS::EC2::VPC", 1);
        template.ResourceCountIs("AWS::EC2::NatGateway", 0);
        template.ResourceCountIs("AWS::EC2::InternetGateway", 0);
        // Two isolated subnets for functions and services, one more in a third AZ because Redshift Serverless needs three.
        template.ResourceCountIs("AWS::EC2::Subnet", 3);
        template.AllResourcesProperties("AWS::EC2::Subnet", Obj(("MapPublicIpOnLaunch", false)));
    }

    [Fact]
    public void Vpc_RejectedTrafficFlowsToCloudWatchLogs_WithTheStageRetention()
    {
        foreach (var (stage, days, deletion) in new[] { (stages.Dev, 14, "Delete"), (stages.Prod, 180, "Retain") })
        {
            var vpc = stage.Json.LogicalIdAt("/Network/Vpc/Resource");
            var group = stage.Json.LogicalIdAt("/Network/FlowLogs/Resource");

            stage.Template.HasResourceProperties("AWS::EC2::FlowLog", Obj(
                ("ResourceType", "VPC"),
                ("ResourceId", Ref(vpc)),
                ("TrafficType", "REJECT"),
                ("LogDestinationType", "cloud-watch-logs"),
                ("LogGroupName", Ref(group))));
            Assert.Equal(days, stage.Json.Resource(group).GetProperty("Properties").GetProperty("RetentionInDays").GetInt32());
            Assert.Equal(deletion, stage.Json.Resource(group).GetProperty("DeletionPolicy").GetString());
        }

        stages.Local.Template.ResourceCountIs("AWS::EC2::FlowLog", 0);
    }

    [Fact]
    public void FlowLogRole_WritesOnlyItsLogGroup()
    {
        var group = stages.Dev.Json.LogicalIdAt("/Network/FlowLogs/Resource");
        var statements = stages.Dev.Json.IdentityStatements().Where(s => s.Roles.StartsWith("NetworkVpcFlowLogIAMRole", StringComparison.Ordinal)).ToList();
        var logs = statements.Where(s => s.Actions.Any(a => a.StartsWith("logs:", StringComparison.Ordinal))).ToList();

        Assert.NotEmpty(logs);
        Assert.All(logs.SelectMany(s => s.Resources), r => Assert.Contains(group, r, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("s3")]
    [InlineData("dynamodb")]
    public void GatewayEndpoint_RoutesEveryIsolatedSubnet(string service)
    {
        stages.Dev.Template.HasResourceProperties("AWS::EC2::VPCEndpoint", Obj(
            ("ServiceName", Obj(("Fn::Join", Arr("", Arr("com.amazonaws.", Ref("AWS::Region"), "." + service))))),
            ("VpcEndpointType", "Gateway"),
            ("RouteTableIds", Match.Exact(Arr(Match.AnyValue(), Match.AnyValue(), Match.AnyValue())))));
    }

    [Theory]
    [InlineData("kinesis-streams")]
    [InlineData("kinesis-firehose")]
    [InlineData("ssm")]
    [InlineData("kms")] // the subject keys: the Api seals with them, StreamProcessor opens with them
    public void InterfaceEndpoint_WithPrivateDns(string service)
    {
        stages.Dev.Template.HasResourceProperties("AWS::EC2::VPCEndpoint", Obj(
            ("ServiceName", Obj(("Fn::Join", Arr("", Arr("com.amazonaws.", Ref("AWS::Region"), "." + service))))),
            ("VpcEndpointType", "Interface"),
            ("PrivateDnsEnabled", true)));
    }

    [Fact]
    public void Cache_IsServerlessValkeyInTheIsolatedSubnets()
    {
        stages.Dev.Template.HasResourceProperties("AWS::ElastiCache::ServerlessCache", Obj(
            ("Engine", "valkey"),
            ("ServerlessCacheName", "eca-dev-cache"),
            ("SubnetIds", Match.Exact(Arr(Match.AnyValue(), Match.AnyValue()))),
            ("SecurityGroupIds", Arr(GetAtt(stages.Dev.Json.LogicalIdAt("/Cache/SecurityGroup/Resource"), "GroupId")))));
    }

    [Fact]
    public void Cache_AcceptsOnlyTheFunctionsThatUseRedis()
    {
        var cacheGroup = stages.Dev.Json.LogicalIdAt("/Cache/SecurityGroup/Resource");
        var sources = Ingress(cacheGroup).ToList();

        Assert.Equal(["Api", "ApiStream", "StreamProcessor"], sources.Select(s => s.Source).Order().ToArray());
        Assert.All(sources, s => Assert.Equal((6379, 6380), (s.From, s.To)));
    }

    [Fact]
    public void Search_AcceptsHttpsOnlyFromApiAndIndexer()
    {
        var searchGroup = stages.Dev.Json.LogicalIdAt("/Search/SecurityGroup/Resource");
        var sources = Ingress(searchGroup).ToList();

        Assert.Equal(["Api", "SearchIndexer"], sources.Select(s => s.Source).Order().ToArray());
        Assert.All(sources, s => Assert.Equal((443, 443), (s.From, s.To)));
    }

    [Fact]
    public void ServiceSecurityGroups_AllowNoIngressFromAnywhere()
    {
        foreach (var (_, group) in stages.Dev.Json.Resources("AWS::EC2::SecurityGroup"))
        {
            if (group.GetProperty("Properties").TryGetProperty("SecurityGroupIngress", out var rules))
            {
                Assert.DoesNotContain(rules.EnumerateArray(), r => r.TryGetProperty("CidrIp", out var cidr) && cidr.ValueKind == System.Text.Json.JsonValueKind.String && cidr.GetString() == "0.0.0.0/0");
            }
        }
    }

    private IEnumerable<(string Source, int From, int To)> Ingress(string groupLogicalId)
    {
        foreach (var (_, rule) in stages.Dev.Json.Resources("AWS::EC2::SecurityGroupIngress"))
        {
            var p = rule.GetProperty("Properties");
            if (!p.GetProperty("GroupId").GetRawText().Contains(groupLogicalId, StringComparison.Ordinal))
            {
                continue;
            }

            var source = p.GetProperty("SourceSecurityGroupId").GetRawText();
            var function = new[] { "ApiStream", "Api", "StreamProcessor", "SearchIndexer", "BatchLoader" }
                .First(f => source.Contains($"\"{f}Handler", StringComparison.Ordinal));
            yield return (function, p.GetProperty("FromPort").GetInt32(), p.GetProperty("ToPort").GetInt32());
        }
    }
}
