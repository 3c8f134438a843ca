using System.Text;
using System.Text.Json;

namespace ECommerceAgents.Infra.Checks;

/// <summary>
/// A synthesized template, read as JSON, with CloudFormation's intrinsics rendered into one comparable text form: a
/// resource's <c>Ref</c> becomes <c>&lt;LogicalId&gt;</c>, its ARN the service's ARN format around that name, and the
/// pseudo parameters fixed values. Policy resources and recorded calls, both rendered this way, can then be matched.
/// </summary>
public sealed class CfnTemplate
{
    public const string Region = "us-east-1";
    public const string Account = "000000000000";

    private readonly Dictionary<string, JsonElement> _resources = new(StringComparer.Ordinal);

    private CfnTemplate(JsonElement root)
    {
        Root = root;
        foreach (var r in root.GetProperty(nameof(Resources)).EnumerateObject()) _resources[r.Name] = r.Value;
    }

    public JsonElement Root { get; }

    public IReadOnlyDictionary<string, JsonElement> Resources => _resources;

    public static CfnTemplate Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return new CfnTemplate(doc.RootElement.Clone());
    }

    public static CfnTemplate Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return new CfnTemplate(doc.RootElement.Clone());
    }

    public string? TypeOf(string logicalId) => _resources.TryGetValue(logicalId, out var r) ? r.GetProperty("Type").GetString() : null;

    public IEnumerable<(string LogicalId, JsonElement Resource)> OfType(string type) =>
        _resources.Where(r => r.Value.GetProperty("Type").GetString() == type).Select(r => (r.Key, r.Value));

    /// <summary>The logical id of the resource whose CDK construct path ends with <paramref name="pathSuffix"/>, if any.</summary>
    public string? LogicalIdAt(string pathSuffix) =>
        _resources.FirstOrDefault(r => r.Value.TryGetProperty("Metadata", out var m) && m.TryGetProperty("aws:cdk:path", out var p) &&
                                       p.GetString()!.EndsWith(pathSuffix, StringComparison.Ordinal)).Key;

    public JsonElement Properties(string logicalId) =>
        _resources[logicalId].TryGetProperty("Properties", out var p) ? p : default;

    /// <summary>Renders an intrinsic-laden value to text (see the class summary).</summary>
    public string Render(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString()!;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                return value.GetRawText();
            case JsonValueKind.Object:
                var p = value.EnumerateObject().First();
                return p.Name switch
                {
                    "Ref" => Ref(p.Value.GetString()!),
                    "Fn::GetAtt" => GetAtt(p.Value[0].GetString()!, p.Value[1].GetString()!),
                    "Fn::Join" => string.Join(p.Value[0].GetString(), p.Value[1].EnumerateArray().Select(Render)),
                    "Fn::Select" => RenderList(p.Value[1]) is var list && int.TryParse(Render(p.Value[0]), out var i) && i < list.Count ? list[i] : "(?)",
                    "Fn::Sub" => Sub(p.Value.ValueKind == JsonValueKind.Array ? p.Value[0].GetString()! : p.Value.GetString()!),
                    _ => "(" + p.Name + ")",
                };
            default:
                return "(?)";
        }
    }

    public string Ref(string name) => name switch
    {
        "AWS::Region" => Region,
        "AWS::AccountId" => Account,
        "AWS::Partition" => "aws",
        "AWS::URLSuffix" => "amazonaws.com",
        "AWS::StackName" => "stack",
        _ => "<" + name + ">",
    };

    /// <summary>The attribute of a resource, in the form its service's ARNs take.</summary>
    public string GetAtt(string logicalId, string attribute)
    {
        var id = "<" + logicalId + ">";
        if (attribute is "Arn" or "Workgroup.WorkgroupArn" or "Namespace.NamespaceArn" or "DomainArn")
        {
            return TypeOf(logicalId) switch
            {
                "AWS::DynamoDB::Table" => $"arn:aws:dynamodb:{Region}:{Account}:table/{id}",
                "AWS::S3::Bucket" => $"arn:aws:s3:::{id}",
                "AWS::Kinesis::Stream" => $"arn:aws:kinesis:{Region}:{Account}:stream/{id}",
                "AWS::KinesisFirehose::DeliveryStream" => $"arn:aws:firehose:{Region}:{Account}:deliverystream/{id}",
                "AWS::Lambda::Function" => $"arn:aws:lambda:{Region}:{Account}:function:{id}",
                "AWS::KMS::Key" => $"arn:aws:kms:{Region}:{Account}:key/{id}",
                "AWS::Logs::LogGroup" => $"arn:aws:logs:{Region}:{Account}:log-group:{id}:*",
                "AWS::SQS::Queue" => $"arn:aws:sqs:{Region}:{Account}:{id}",
                "AWS::SNS::Topic" => id,
                "AWS::SecretsManager::Secret" => id,
                "AWS::OpenSearchService::Domain" => $"arn:aws:es:{Region}:{Account}:domain/{id}",
                "AWS::RedshiftServerless::Workgroup" => $"arn:aws:redshift-serverless:{Region}:{Account}:workgroup/{id}",
                "AWS::RedshiftServerless::Namespace" => $"arn:aws:redshift-serverless:{Region}:{Account}:namespace/{id}",
                "AWS::IAM::Role" => $"arn:aws:iam::{Account}:role/{id}",
                var type => $"arn:({type}):{id}",
            };
        }

        return TypeOf(logicalId) == "AWS::OpenSearchService::Domain" && attribute == "DomainEndpoint" ? id + ".es" : $"<{logicalId}.{attribute}>";
    }

    private List<string> RenderList(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(Render)] : [Render(value)];

    private string Sub(string text)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{' && text.IndexOf('}', i) is var end and > 0)
            {
                var name = text[(i + 2)..end];
                var dot = name.IndexOf('.', StringComparison.Ordinal);
                sb.Append(name.StartsWith("AWS::", StringComparison.Ordinal) || dot < 0 ? Ref(name) : GetAtt(name[..dot], name[(dot + 1)..]));
                i = end;
            }
            else
            {
                sb.Append(text[i]);
            }
        }

        return sb.ToString();
    }
}
