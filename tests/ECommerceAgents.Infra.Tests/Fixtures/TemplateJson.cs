using System.Text.Json;

namespace ECommerceAgents.Infra.Tests.Fixtures;

/// <summary>A synthesized template read as plain JSON, for checks that walk every resource (IAM, environment variables).</summary>
public sealed class TemplateJson
{
    private TemplateJson(JsonElement root) => Root = root;

    public JsonElement Root { get; }

    public static TemplateJson Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return new TemplateJson(doc.RootElement.Clone());
    }

    public IEnumerable<(string LogicalId, JsonElement Resource)> Resources(string? type = null)
    {
        foreach (var resource in Root.GetProperty("Resources").EnumerateObject())
        {
            if (type is null || resource.Value.GetProperty("Type").GetString() == type)
            {
                yield return (resource.Name, resource.Value);
            }
        }
    }

    public JsonElement Resource(string logicalId) => Root.GetProperty("Resources").GetProperty(logicalId);

    public bool Has(string logicalId) => Root.GetProperty("Resources").TryGetProperty(logicalId, out _);

    public int Count(string type) => Resources(type).Count();

    /// <summary>The logical id of the resource created by the construct at <paramref name="pathSuffix"/> (aws:cdk:path metadata).</summary>
    public string LogicalIdAt(string pathSuffix) =>
        Resources().Single(r => r.Resource.TryGetProperty("Metadata", out var m) && m.TryGetProperty("aws:cdk:path", out var p) &&
                                p.GetString()!.EndsWith(pathSuffix, StringComparison.Ordinal)).LogicalId;

    public IReadOnlyDictionary<string, string> FunctionEnvironment(string logicalId)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Resource(logicalId).GetProperty("Properties").TryGetProperty("Environment", out var env))
        {
            foreach (var variable in env.GetProperty("Variables").EnumerateObject())
            {
                result[variable.Name] = Render(variable.Value);
            }
        }

        return result;
    }

    /// <summary>Every Allow statement of every identity-based policy (AWS::IAM::Policy, inline role policies, managed policies).</summary>
    public IEnumerable<PolicyStatementJson> IdentityStatements()
    {
        foreach (var (id, resource) in Resources())
        {
            var type = resource.GetProperty("Type").GetString();
            var props = resource.TryGetProperty("Properties", out var p) ? p : default;
            var documents = new List<(string Owner, JsonElement Document)>();
            if (type is "AWS::IAM::Policy" or "AWS::IAM::ManagedPolicy")
            {
                var owner = type == "AWS::IAM::Policy" && props.TryGetProperty("Roles", out var roles)
                    ? string.Join(",", roles.EnumerateArray().Select(r => r.TryGetProperty("Ref", out var rf) ? rf.GetString() : r.GetRawText()))
                    : id;
                documents.Add((owner, props.GetProperty("PolicyDocument")));
            }
            else if (type == "AWS::IAM::Role" && props.TryGetProperty("Policies", out var inline))
            {
                documents.AddRange(inline.EnumerateArray().Select(i => (id, i.GetProperty("PolicyDocument"))));
            }

            foreach (var (owner, document) in documents)
            {
                foreach (var statement in document.GetProperty("Statement").EnumerateArray())
                {
                    if (statement.GetProperty("Effect").GetString() == "Allow")
                    {
                        yield return new PolicyStatementJson(id, owner, Strings(statement, "Action"), Resources(statement));
                    }
                }
            }
        }
    }

    private static IReadOnlyList<string> Strings(JsonElement statement, string name) =>
        !statement.TryGetProperty(name, out var value) ? []
        : value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(v => v.GetString()!)]
        : [value.GetString()!];

    private static IReadOnlyList<string> Resources(JsonElement statement) =>
        !statement.TryGetProperty("Resource", out var value) ? []
        : value.ValueKind == JsonValueKind.Array ? [.. value.EnumerateArray().Select(Render)]
        : [Render(value)];

    /// <summary>A string as is; an intrinsic function as compact JSON.</summary>
    public static string Render(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : JsonSerializer.Serialize(value);
}

/// <summary>One Allow statement: the policy's logical id, the role(s) it is attached to, its actions and rendered resources.</summary>
public sealed record PolicyStatementJson(string PolicyId, string Roles, IReadOnlyList<string> Actions, IReadOnlyList<string> Resources);
