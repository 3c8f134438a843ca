using System.Text.Json;
using ECommerceAgents.Testing;
using ECommerceAgents.Resources;
using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.Local.Tests.Deploy;

/// <summary>
/// <c>eca deploy-check</c> once, for the LocalStack stage, over a recorded call log written out here (one call the role
/// does not allow among allowed ones). No servers: the log is given, so nothing is recorded.
/// </summary>
public sealed class DeployCheckFixture : IAsyncLifetime
{
    public string State { get; } = Path.Combine(Path.GetTempPath(), "eca-tests", $"deploy-check-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");

    public CliResult Result { get; private set; } = null!;

    public JsonElement Json { get; private set; }

    public string Template => Path.Combine(State, "deploy-check", "local", "ECommerceAgents-local.template.json");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(State);
        Result = await Cli.RunAsync(new Dictionary<string, string> { [LocalSettingNames.StateDir] = State, ["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20" },
            "deploy-check", "--stage", "local", "--json", "--calls", Path.Combine(AppContext.BaseDirectory, "Deploy", "iam-calls-sample.jsonl"));
        using var doc = JsonDocument.Parse(Result.Stdout);
        Json = doc.RootElement.Clone();
    }

    public ValueTask DisposeAsync()
    {
        TestStack.TryDelete(State);
        return ValueTask.CompletedTask;
    }
}

public sealed class DeployCheckCliTests(DeployCheckFixture check) : IClassFixture<DeployCheckFixture>
{
    [Fact]
    public void DeniedCall_FailsTheCheck_AndIsNamed()
    {
        Assert.Equal(1, check.Result.ExitCode);
        Assert.False(check.Json.GetProperty("passed").GetBoolean());
        var stage = Assert.Single(check.Json.GetProperty("stages").EnumerateArray());
        Assert.Equal(1, stage.GetProperty("iamDenied").GetInt32());
        var denial = Assert.Single(stage.GetProperty("iamDenials").EnumerateArray()).GetString()!;
        Assert.StartsWith("StreamProcessor: dynamodb:DeleteTable on arn:aws:dynamodb:", denial, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_PassesCfnLint_AndReportsWhatItWouldCreate()
    {
        var stage = check.Json.GetProperty("stages")[0];
        Assert.Equal(0, stage.GetProperty("cfnLintErrors").GetInt32());
        Assert.Equal(0, stage.GetProperty("cfnLintWarnings").GetInt32());
        Assert.Empty(stage.GetProperty("runtimeProblems").EnumerateArray());
        Assert.Empty(stage.GetProperty("unroutedCalls").EnumerateArray());
        // One table per definition the functions bind to (13 since the subject key table).
        Assert.Equal(Tables.All.Count, stage.GetProperty("resources").GetProperty("AWS::DynamoDB::Table").GetInt32());
        Assert.Equal(stage.GetProperty("resources").EnumerateObject().Sum(r => r.Value.GetInt32()), stage.GetProperty("resourceCount").GetInt32());
        Assert.Equal(["StreamProcessor"], stage.GetProperty("functionsCovered").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public void RequiredActions_TheLogNeverExercised_AreCounted()
    {
        var stage = check.Json.GetProperty("stages")[0];
        var missing = stage.GetProperty("iamRequiredMissing").EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Contains("CatalogImport: s3:GetObject", missing);
        Assert.DoesNotContain("StreamProcessor: dynamodb:UpdateItem", missing);
        Assert.Equal(missing.Count, stage.GetProperty("iamRequiredPairsMissing").GetInt32());
    }

    [Fact]
    public async Task SamEnv_ResolvesEveryRefFromTheDeployedStack()
    {
        using (var template = JsonDocument.Parse(await File.ReadAllTextAsync(check.Template, TestContext.Current.CancellationToken)))
        {
            // A stand-in for describe-stack-resources: every logical id "deployed" as "phys-<id>".
            var resources = template.RootElement.GetProperty("Resources").EnumerateObject()
                .Select(r => new Dictionary<string, string> { ["LogicalResourceId"] = r.Name, ["PhysicalResourceId"] = "phys-" + r.Name }).ToList();
            await File.WriteAllTextAsync(Path.Combine(check.State, "resources.json"), JsonSerializer.Serialize(new { StackResources = resources }), TestContext.Current.CancellationToken);
        }

        var result = await Cli.RunAsync(new Dictionary<string, string> { [LocalSettingNames.StateDir] = check.State }, "sam-env", "--template", check.Template, "--resources", Path.Combine(check.State, "resources.json"));

        Assert.Equal(0, result.ExitCode);
        using var vars = JsonDocument.Parse(result.Stdout);
        var processor = vars.RootElement.GetProperty("StreamProcessorFunction");
        Assert.StartsWith("phys-TablesProfiles", processor.GetProperty(Tables.Profiles.EnvironmentVariable).GetString(), StringComparison.Ordinal);
        Assert.StartsWith("phys-DataLakeQuarantine", processor.GetProperty(Buckets.Quarantine.EnvironmentVariable).GetString(), StringComparison.Ordinal);
        Assert.Equal(["BatchLoaderFunction", "CatalogImportFunction", "LogTransformerFunction", "SearchIndexerFunction", "StreamProcessorFunction"],
            vars.RootElement.EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal));
    }
}
