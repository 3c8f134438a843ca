using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Infra.Checks;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Deploy;

/// <summary>
/// The <c>--env-vars</c> file for <c>sam local invoke</c>. SAM reads the synthesized template, but resolves a
/// <c>Ref</c> in a function's environment to the logical id, not to the resource's name, so without this file every
/// <c>ECA_*</c> variable names something that does not exist. Two ways to fill it: from a deployed stack (the output of
/// <c>aws cloudformation describe-stack-resources</c>: logical id → physical id), or for the local stack, whose servers
/// bind 127.0.0.1 only: SAM's containers reach them with <c>--docker-network host</c> (Linux).
/// </summary>
public static class SamEnvironment
{
    /// <summary>Every function's environment with each <c>Ref</c> replaced by its physical id; anything else unresolvable is reported.</summary>
    public static (JsonObject EnvVars, IReadOnlyList<string> Unresolved) FromDeployedStack(string template, IReadOnlyDictionary<string, string> physicalIds)
    {
        var cfn = CfnTemplate.Load(template);
        var result = new JsonObject();
        var unresolved = new List<string>();
        foreach (var function in IamReplay.Functions.Where(f => cfn.TypeOf(f + "Function") == "AWS::Lambda::Function"))
        {
            var variables = new JsonObject();
            if (cfn.Properties(function + "Function").TryGetProperty("Environment", out var env))
            {
                foreach (var v in env.GetProperty("Variables").EnumerateObject())
                {
                    var value = Resolve(v.Value, physicalIds);
                    if (value is null) unresolved.Add($"{function}Function {v.Name}: {v.Value.GetRawText()}");
                    else variables[v.Name] = value;
                }
            }

            result[function + "Function"] = variables;
        }

        return (result, unresolved);
    }

    /// <summary>The local stack's names and endpoints, for containers on the host's network.</summary>
    public static JsonObject ForLocalStack(string template, ResourceBindings names, ServiceEndpoints endpoints, string pseudonymKey)
    {
        var cfn = CfnTemplate.Load(template);
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in endpoints.ToEnvironment()) shared[k] = v;
        foreach (var (k, v) in names.ToEnvironment()) shared[k] = v;
        shared[SettingNames.PseudonymKey] = pseudonymKey;
        var result = new JsonObject();
        foreach (var function in IamReplay.Functions.Where(f => cfn.TypeOf(f + "Function") == "AWS::Lambda::Function"))
        {
            var variables = new JsonObject();
            if (cfn.Properties(function + "Function").TryGetProperty("Environment", out var env))
            {
                foreach (var v in env.GetProperty("Variables").EnumerateObject())
                {
                    // The local stack has no Parameters and Secrets extension: values come in plain variables.
                    if (v.Name.EndsWith("_PARAMETER", StringComparison.Ordinal)) continue;
                    variables[v.Name] = shared.TryGetValue(v.Name, out var local) ? local : v.Value.ValueKind == JsonValueKind.String ? v.Value.GetString() : null;
                }
            }

            foreach (var (k, v) in shared.Where(s => !s.Key.StartsWith(SettingNames.Prefix, StringComparison.Ordinal) || s.Key == SettingNames.PseudonymKey)) variables[k] = v;
            result[function + "Function"] = variables;
        }

        return result;
    }

    /// <summary>Reads <c>aws cloudformation describe-stack-resources --output json</c>.</summary>
    public static IReadOnlyDictionary<string, string> ReadStackResources(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("StackResources").EnumerateArray()
            .ToDictionary(r => r.GetProperty("LogicalResourceId").GetString()!, r => r.GetProperty("PhysicalResourceId").GetString()!, StringComparer.Ordinal);
    }

    private static string? Resolve(JsonElement value, IReadOnlyDictionary<string, string> physicalIds) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when value.TryGetProperty("Ref", out var r) => physicalIds.GetValueOrDefault(r.GetString()!),
        _ => null,
    };
}
