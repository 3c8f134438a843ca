using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ECommerceAgents.Infra.Checks;

/// <summary>When AWS stops letting anyone create functions on a runtime, from cfn-lint's own lifecycle data.</summary>
public sealed record RuntimeDates(string Runtime, DateOnly Deprecated, DateOnly CreateBlock, DateOnly UpdateBlock);

/// <summary>A Lambda function in a template and the runtime(s) it may get (a FindInMap is every value of its map).</summary>
public sealed record FunctionRuntime(string LogicalId, IReadOnlyList<string> Runtimes);

/// <summary>
/// cfn-lint's rules only compare a runtime's dates with today. A stack must still deploy months from now, so this check
/// looks ahead: no function may use a runtime whose creation block falls within <see cref="LookAhead"/> of the check.
/// </summary>
public sealed class RuntimeLifecycle(IReadOnlyDictionary<string, RuntimeDates> runtimes)
{
    public static readonly TimeSpan LookAhead = TimeSpan.FromDays(183);

    public IReadOnlyDictionary<string, RuntimeDates> Runtimes { get; } = runtimes;

    /// <summary>Reads <c>cfnlint/data/AdditionalSpecs/LmbdRuntimeLifecycle.json</c> from the installed cfn-lint.</summary>
    public static RuntimeLifecycle FromInstalledCfnLint()
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("import cfnlint, os; print(os.path.join(os.path.dirname(cfnlint.__file__), 'data', 'AdditionalSpecs', 'LmbdRuntimeLifecycle.json'))");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start.");
        var path = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(path)) throw new InvalidOperationException("cfn-lint's runtime lifecycle data was not found: " + process.StandardError.ReadToEnd());
        return Load(path);
    }

    public static RuntimeLifecycle Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var runtimes = new Dictionary<string, RuntimeDates>(StringComparer.Ordinal);
        foreach (var r in doc.RootElement.EnumerateObject())
        {
            static DateOnly Date(JsonElement e, string name) => DateOnly.ParseExact(e.GetProperty(name).GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            runtimes[r.Name] = new RuntimeDates(r.Name, Date(r.Value, "deprecated"), Date(r.Value, "create-block"), Date(r.Value, "update-block"));
        }

        return new RuntimeLifecycle(runtimes);
    }

    /// <summary>Every function's possible runtimes; a runtime the template leaves unresolvable is reported as such.</summary>
    public static IReadOnlyList<FunctionRuntime> FunctionRuntimes(JsonElement template)
    {
        var result = new List<FunctionRuntime>();
        foreach (var r in template.GetProperty("Resources").EnumerateObject())
        {
            if (r.Value.GetProperty("Type").GetString() != "AWS::Lambda::Function") continue;
            var props = r.Value.GetProperty("Properties");
            if (!props.TryGetProperty("Runtime", out var runtime))
            {
                result.Add(new FunctionRuntime(r.Name, ["(none: a container image)"]));
                continue;
            }

            result.Add(new FunctionRuntime(r.Name, Resolve(template, runtime)));
        }

        return result;
    }

    /// <summary>The problems: a runtime unknown to cfn-lint's data, or blocked for creation before <paramref name="today"/> + the look-ahead.</summary>
    public IReadOnlyList<string> Problems(JsonElement template, DateOnly today)
    {
        var horizon = today.AddDays((int)LookAhead.TotalDays);
        var problems = new List<string>();
        foreach (var f in FunctionRuntimes(template))
        {
            foreach (var runtime in f.Runtimes)
            {
                if (!Runtimes.TryGetValue(runtime, out var dates))
                {
                    problems.Add($"{f.LogicalId}: runtime {runtime} is not in cfn-lint's lifecycle data");
                }
                else if (dates.CreateBlock <= horizon)
                {
                    problems.Add($"{f.LogicalId}: {runtime} cannot be created from {dates.CreateBlock:yyyy-MM-dd}, within {LookAhead.TotalDays:0} days of {today:yyyy-MM-dd}");
                }
            }
        }

        return problems;
    }

    private static IReadOnlyList<string> Resolve(JsonElement template, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String) return [value.GetString()!];
        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("Fn::FindInMap", out var find)
            && find[0].GetString() is { } map && template.TryGetProperty("Mappings", out var mappings) && mappings.TryGetProperty(map, out var table))
        {
            var key = find[2].GetString();
            return [.. table.EnumerateObject().Select(row => row.Value.TryGetProperty(key!, out var v) ? v.GetString()! : "(missing)").Distinct(StringComparer.Ordinal)];
        }

        return ["(unresolvable: " + value.GetRawText() + ")"];
    }
}
