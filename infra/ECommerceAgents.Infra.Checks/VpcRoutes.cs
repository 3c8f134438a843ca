namespace ECommerceAgents.Infra.Checks;

/// <summary>A call a function in the isolated subnets makes that nothing in the VPC carries to its service.</summary>
public sealed record UnroutedCall(string Function, string Action, string Why);

/// <summary>
/// The isolated subnets have no NAT and no internet gateway route: a function attached to them reaches an AWS API only
/// through a gateway endpoint (S3, DynamoDB) or an interface endpoint with private DNS, and a VPC domain only inside the
/// VPC. This check reads each VPC-attached function's required and declared actions (<c>infra/iam-required.json</c>,
/// <c>infra/iam-implied.json</c>) and reports every service the template gives it no route to. IAM allowing a call is
/// not enough: without a route the SDK call times out in AWS, and LocalStack, which has no VPC, never shows it.
/// </summary>
public static class VpcRoutes
{
    /// <summary>Actions AWS makes for the function, outside its network interfaces: these need no route from the VPC.</summary>
    private static readonly (string Prefix, string Why)[] MadeByAws =
    [
        ("logs:", "Lambda ships the function's logs"),
        ("xray:", "Lambda's X-Ray daemon sends the segments"),
        ("ec2:", "Lambda creates the network interfaces"),
        ("kinesis:GetRecords", "the event source mapping reads the stream"),
        ("kinesis:GetShardIterator", "the event source mapping reads the stream"),
        ("kinesis:DescribeStream", "the event source mapping reads the stream"),
        ("kinesis:ListShards", "the event source mapping reads the stream"),
        ("secretsmanager:GetSecretValue", "the Redshift Data API reads the secret it is passed"),
    ];

    /// <summary>IAM service prefixes whose interface endpoint has another name.</summary>
    private static readonly Dictionary<string, string> EndpointNames = new(StringComparer.Ordinal)
    {
        ["kinesis"] = "kinesis-streams",
        ["firehose"] = "kinesis-firehose",
    };

    private static readonly string[] GatewayServices = ["s3", "dynamodb"];

    /// <summary>Services that live in the VPC (a domain with VPC options): reached through its security group, not an endpoint.</summary>
    private static readonly string[] InVpcServices = ["es"];

    public static IReadOnlyList<UnroutedCall> Check(CfnTemplate template, IReadOnlyList<RequiredAction> required, IReadOnlyList<ImpliedCall> implied)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(required);
        ArgumentNullException.ThrowIfNull(implied);

        var endpoints = template.OfType("AWS::EC2::VPCEndpoint")
            .Select(e => (Type: e.Resource.GetProperty("Properties").TryGetProperty("VpcEndpointType", out var t) ? t.GetString() : "Gateway",
                Service: template.Render(e.Resource.GetProperty("Properties").GetProperty("ServiceName")).Split('.')[^1],
                PrivateDns: e.Resource.GetProperty("Properties").TryGetProperty("PrivateDnsEnabled", out var dns) && dns.GetBoolean()))
            .ToList();
        var problems = new List<UnroutedCall>();
        foreach (var function in IamReplay.Functions)
        {
            var id = function + "Function";
            if (template.TypeOf(id) != "AWS::Lambda::Function" || !template.Properties(id).TryGetProperty("VpcConfig", out _)) continue;

            var actions = required.Where(r => r.Function == function && IamDeclarations.Holds(r.When, template, id)).Select(r => r.Action)
                .Concat(implied.Where(c => (c.Function == function || c.Function == "*") && IamDeclarations.Holds(c.When, template, id)).SelectMany(c => c.Actions))
                .Distinct(StringComparer.Ordinal);
            foreach (var action in actions.Where(a => !MadeByAws.Any(m => a.StartsWith(m.Prefix, StringComparison.Ordinal))))
            {
                var service = action.Split(':')[0];
                if (InVpcServices.Contains(service)) continue;
                var name = EndpointNames.GetValueOrDefault(service, service);
                if (GatewayServices.Contains(name))
                {
                    if (!endpoints.Any(e => e.Type == "Gateway" && e.Service == name)) problems.Add(new(function, action, $"no {name} gateway endpoint"));
                }
                else if (!endpoints.Any(e => e.Type == "Interface" && e.Service == name && e.PrivateDns))
                {
                    problems.Add(new(function, action, $"no {name} interface endpoint with private DNS"));
                }
            }
        }

        return problems;
    }
}
