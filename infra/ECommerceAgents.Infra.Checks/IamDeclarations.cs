using System.Text.Json;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Infra.Checks;

/// <summary>
/// Calls the local stack never sees, declared with the reason they happen (<c>infra/iam-implied.json</c>): the event
/// source mapping's own stream reads and on-failure writes, the Parameters and Secrets extension, X-Ray, VPC network
/// interfaces, Lambda's log delivery, and code paths that only run against real AWS services (Redshift Data API,
/// OpenSearch, BatchLoader's fan-out). A <c>function</c> of <c>*</c> applies to each of our functions.
/// </summary>
public sealed record ImpliedCall(string Function, IReadOnlyList<string> Actions, string Resource, string When, string Why);

/// <summary>An action a function's code needs (<c>infra/iam-required.json</c>): some recorded or declared call must cover it.</summary>
public sealed record RequiredAction(string Function, string Action, string When);

public static partial class IamDeclarations
{
    public const string ImpliedFile = "iam-implied.json";
    public const string RequiredFile = "iam-required.json";

    public static IReadOnlyList<ImpliedCall> LoadImplied(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return [.. doc.RootElement.GetProperty("implied").EnumerateArray().Select(e => new ImpliedCall(
            e.GetProperty("function").GetString()!,
            [.. e.GetProperty("actions").EnumerateArray().Select(a => a.GetString()!)],
            e.GetProperty("resource").GetString()!,
            e.TryGetProperty("when", out var w) ? w.GetString()! : "",
            e.GetProperty("why").GetString()!))];
    }

    public static IReadOnlyList<RequiredAction> LoadRequired(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var result = new List<RequiredAction>();
        foreach (var f in doc.RootElement.GetProperty("required").EnumerateObject())
        {
            foreach (var e in f.Value.EnumerateArray())
            {
                result.Add(e.ValueKind == JsonValueKind.String
                    ? new RequiredAction(f.Name, e.GetString()!, "")
                    : new RequiredAction(f.Name, e.GetProperty("action").GetString()!, e.GetProperty("when").GetString()!));
            }
        }

        return result;
    }

    /// <summary>
    /// Whether a condition holds for a function in this template: <c>resource:&lt;path&gt;</c> (the construct exists),
    /// <c>env:&lt;VAR&gt;</c> (the function has the variable), <c>vpc</c>, <c>tracing</c>, or empty (always).
    /// </summary>
    public static bool Holds(string when, CfnTemplate template, string functionLogicalId)
    {
        if (when.Length == 0) return true;
        var props = template.Properties(functionLogicalId);
        return when switch
        {
            "vpc" => props.TryGetProperty("VpcConfig", out _),
            // Pass-through functions send segments too, for the requests their caller sampled.
            "tracing" => props.TryGetProperty("TracingConfig", out var t) && t.GetProperty("Mode").GetString() is "Active" or "PassThrough",
            _ when when.StartsWith("env:", StringComparison.Ordinal) => props.TryGetProperty("Environment", out var env) && env.GetProperty("Variables").TryGetProperty(when[4..], out _),
            _ when when.StartsWith("resource:", StringComparison.Ordinal) => template.LogicalIdAt(when["resource:".Length..]) is not null,
            _ => throw new InvalidDataException($"Unknown condition '{when}'."),
        };
    }

    /// <summary>
    /// Renders a declared resource: <c>arn-of(&lt;construct path&gt;)</c> is that resource's ARN, <c>name-of(…)</c> its
    /// Ref, <c>${env:VAR}</c> the function's variable, <c>{function}</c> the function's name; the rest is literal.
    /// </summary>
    public static string Render(string resource, CfnTemplate template, string function, string functionLogicalId)
    {
        var text = resource.Replace("{function}", function, StringComparison.Ordinal);
        text = ArnOf().Replace(text, m => template.LogicalIdAt(m.Groups["path"].Value) is { } id
            ? m.Groups["kind"].Value == "arn" ? template.GetAtt(id, "Arn") : template.Ref(id)
            : throw new InvalidDataException($"No resource at {m.Groups["path"].Value}."));
        text = EnvOf().Replace(text, m =>
            template.Properties(functionLogicalId).GetProperty("Environment").GetProperty("Variables").TryGetProperty(m.Groups["var"].Value, out var v)
                ? template.Render(v)
                : throw new InvalidDataException($"{function} has no {m.Groups["var"].Value}."));
        return text.Replace("${Region}", CfnTemplate.Region, StringComparison.Ordinal).Replace("${Account}", CfnTemplate.Account, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?<kind>arn|name)-of\((?<path>[^)]+)\)")]
    private static partial Regex ArnOf();

    [GeneratedRegex(@"\$\{env:(?<var>[A-Z0-9_]+)\}")]
    private static partial Regex EnvOf();
}
