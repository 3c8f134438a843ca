using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Constructs;

namespace ECommerceAgents.Infra.Constructs;

public sealed class NetworkProps
{
    public required StageConfig Stage { get; init; }

    public string Cidr { get; init; } = "10.40.0.0/16";
}

/// <summary>
/// An isolated VPC over two AZs: no NAT, and no internet gateway unless the stage has the ALB front door (then two
/// public subnets hold the load balancer only). The functions that reach Redis or OpenSearch run in it (Api, ApiStream,
/// StreamProcessor, SearchIndexer) and reach AWS APIs through gateway endpoints (S3, DynamoDB) and interface endpoints:
/// Kinesis (the Api's PutRecords), Firehose (StreamProcessor's enriched records), SSM (SecureStrings) and KMS (the
/// subject keys the Api seals with and StreamProcessor opens with). VpcRoutes checks that every call they make has one.
/// BatchLoader reaches only AWS APIs (the Redshift Data API, S3, DynamoDB, Glue, Lambda, KMS) and runs outside the VPC,
/// so it needs no Redshift Data, Lambda or Glue endpoint. No Secrets Manager endpoint: nothing in the VPC calls it.
/// Redshift Serverless needs subnets in three AZs, so one more isolated subnet in a third AZ serves the warehouse only.
/// Rejected traffic is recorded in a VPC flow log.
/// </summary>
public sealed class Network : Construct
{
    public Network(Construct scope, string id, NetworkProps props) : base(scope, id)
    {
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            IpAddresses = IpAddresses.Cidr(props.Cidr),
            MaxAzs = 2,
            NatGateways = 0,
            RestrictDefaultSecurityGroup = true,
            // The ALB front door needs public subnets (and so an internet gateway); they come after the isolated ones, so
            // the isolated subnets keep their ranges. Nothing but the load balancer runs in them.
            SubnetConfiguration = props.Stage.FrontDoor == FrontDoor.ApiGatewayAndAlb
                ?
                [
                    new SubnetConfiguration { Name = "isolated", SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 22 },
                    new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, CidrMask = 24, MapPublicIpOnLaunch = false },
                ]
                : [new SubnetConfiguration { Name = "isolated", SubnetType = SubnetType.PRIVATE_ISOLATED, CidrMask = 22 }],
        });

        // Rejected flows only. The VPC has no internet gateway or NAT: every accepted flow is a function, OpenSearch,
        // Redshift or ElastiCache talking to a peer its security group admits, or to an AWS endpoint whose API calls
        // CloudTrail already records. A rejected flow is the signal (a missing rule after a change, or something probing
        // from inside), and its volume stays flat, while ALL would bill CloudWatch ingestion for every connection the
        // functions open, growing with traffic. Records carry ENI ids, private IPs and ports, no payload.
        FlowLogGroup = new LogGroup(this, "FlowLogs", new LogGroupProps
        {
            Retention = props.Stage.LogRetention,
            RemovalPolicy = props.Stage.RemovalPolicy,
        });
        Vpc.AddFlowLog("FlowLog", new FlowLogOptions
        {
            Destination = FlowLogDestination.ToCloudWatchLogs(FlowLogGroup),
            TrafficType = FlowLogTrafficType.REJECT,
        });

        // Sits above the range CDK allocates for the two /22 isolated subnets (10.40.0.0/21).
        WarehouseSubnet = new PrivateSubnet(this, "WarehouseSubnet", new PrivateSubnetProps
        {
            VpcId = Vpc.VpcId,
            AvailabilityZone = Fn.Select(2, Fn.GetAzs()),
            CidrBlock = Fn.Select(16, Fn.Cidr(Vpc.VpcCidrBlock, 17, "10")),
            MapPublicIpOnLaunch = false,
        });

        var routed = new SubnetSelection { Subnets = [.. Vpc.IsolatedSubnets, WarehouseSubnet] };
        Vpc.AddGatewayEndpoint("S3", new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.S3, Subnets = [routed] });
        Vpc.AddGatewayEndpoint("DynamoDb", new GatewayVpcEndpointOptions { Service = GatewayVpcEndpointAwsService.DYNAMODB, Subnets = [routed] });

        // Lambda ships logs and EMF metrics itself, so functions need no CloudWatch Logs or monitoring endpoint. Each
        // interface endpoint bills per AZ-hour whether or not traffic flows ($14.60 a month in two AZs): only services called
        // from inside the VPC get one.
        foreach (var (name, service) in new (string, InterfaceVpcEndpointAwsService)[]
                 {
                     ("Kinesis", InterfaceVpcEndpointAwsService.KINESIS_STREAMS),
                     ("Firehose", InterfaceVpcEndpointAwsService.KINESIS_FIREHOSE),
                     ("Ssm", InterfaceVpcEndpointAwsService.SSM),
                     ("Kms", InterfaceVpcEndpointAwsService.KMS),
                 })
        {
            AddEndpoint(name, service);
        }
    }

    /// <summary>An interface endpoint with private DNS in the isolated subnets, for a service only some stages call.</summary>
    public InterfaceVpcEndpoint AddEndpoint(string name, InterfaceVpcEndpointAwsService service) =>
        Vpc.AddInterfaceEndpoint(name, new InterfaceVpcEndpointOptions
        {
            Service = service,
            PrivateDnsEnabled = true,
            Subnets = Isolated,
        });

    public Vpc Vpc { get; }

    /// <summary>The VPC flow log's destination (rejected traffic, the stage's log retention).</summary>
    public LogGroup FlowLogGroup { get; }

    public PrivateSubnet WarehouseSubnet { get; }

    public SubnetSelection Isolated { get; } = new() { SubnetType = SubnetType.PRIVATE_ISOLATED, OnePerAz = true };

    /// <summary>The two isolated subnets plus the warehouse subnet: three AZs, as Redshift Serverless requires.</summary>
    public IReadOnlyList<string> WarehouseSubnetIds => [.. Vpc.IsolatedSubnets.Select(s => s.SubnetId), WarehouseSubnet.SubnetId];
}
