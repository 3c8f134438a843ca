using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ECommerceAgents.Local.Deploy;

/// <summary>One stage the CDK app can synthesize: its name here, and the context it is synthesized with.</summary>
public sealed record DeployStage(string Name, string Stage, IReadOnlyDictionary<string, string> Context)
{
    public const string QuickSightPrincipal = "arn:aws:quicksight:us-east-1:123456789012:group/default/analysts";

    public static IReadOnlyList<DeployStage> All { get; } =
    [
        new("dev", "dev", new Dictionary<string, string>()),
        new("small", "small", new Dictionary<string, string>()),
        new("prod", "prod", new Dictionary<string, string>()),
        new("prod-quicksight", "prod", new Dictionary<string, string> { ["quicksight"] = "true", ["quicksightPrincipalArn"] = QuickSightPrincipal }),
        new("local", "local", new Dictionary<string, string>()),
    ];

    public string StackName => "ECommerceAgents-" + Stage;
}

/// <summary>
/// Synthesizes a stage the way the CDK CLI does, without it: the app runs with the context in <c>CDK_CONTEXT_JSON</c>
/// (cdk.json's context, the stage, stub assets) and writes the cloud assembly to <c>CDK_OUTDIR</c>. Offline, no credentials.
/// </summary>
public static class TemplateSynth
{
    public static async Task<string> SynthesizeAsync(string repositoryRoot, DeployStage stage, string outdir, CancellationToken ct)
    {
        var context = (JsonObject)JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(repositoryRoot, "cdk.json"), ct))!["context"]!.DeepClone();
        context["stage"] = stage.Stage;
        context["assets"] = "stub";
        // What the CDK CLI adds: construct paths (the replay finds resources by them) and asset paths (SAM reads them).
        context["aws:cdk:enable-path-metadata"] = true;
        context["aws:cdk:enable-asset-metadata"] = true;
        foreach (var (k, v) in stage.Context) context[k] = v;

        Directory.CreateDirectory(outdir);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = repositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "run", "--project", Path.Combine("infra", "ECommerceAgents.Infra"), "--no-launch-profile" }) start.ArgumentList.Add(a);
        start.Environment["CDK_CONTEXT_JSON"] = context.ToJsonString();
        start.Environment["CDK_OUTDIR"] = outdir;
        start.Environment["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20";
        // jsii leaves its node runtime (~66 MB) in TMPDIR: give it a folder that goes with the assembly.
        var scratch = Path.Combine(outdir, ".tmp");
        Directory.CreateDirectory(scratch);
        start.Environment["TMPDIR"] = scratch;
        using var process = Process.Start(start) ?? throw new CliException("dotnet did not start", 1);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        var template = Path.Combine(outdir, stage.StackName + ".template.json");
        if (process.ExitCode != 0 || !File.Exists(template))
        {
            throw new CliException($"synth of {stage.Name} failed (exit {process.ExitCode}): {await stderr}{await stdout}", 1);
        }

        try
        {
            Directory.Delete(scratch, recursive: true);
        }
        catch (IOException)
        {
        }

        return template;
    }

    /// <summary>Resources a deploy would create, by type.</summary>
    public static SortedDictionary<string, int> ResourceCounts(string template)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(template));
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in doc.RootElement.GetProperty("Resources").EnumerateObject())
        {
            var type = r.Value.GetProperty("Type").GetString()!;
            counts[type] = counts.GetValueOrDefault(type) + 1;
        }

        return counts;
    }
}
