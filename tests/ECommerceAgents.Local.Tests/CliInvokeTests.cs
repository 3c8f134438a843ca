using ECommerceAgents.Testing;
using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.Local.Tests;

/// <summary>Bad invocations end with one clear line on stderr and a non-zero exit, never a stack trace.</summary>
public sealed class CliInvokeTests
{
    private static readonly Dictionary<string, string> NoStack = new() { [LocalSettingNames.StateDir] = Path.Combine(Path.GetTempPath(), "eca-tests", "cli-invoke-unused") };

    [Fact]
    public async Task Invoke_UnknownFunction_OneLineNamingTheFunctions()
    {
        var result = await Cli.RunAsync(NoStack, "invoke", "Nope", "--event", EventFiles.PathOf("eventbridge-s3-object-created.json"));

        AssertOneLineError(result, "unknown function 'Nope'");
        Assert.Contains("StreamProcessor", result.Stderr);
    }

    [Fact]
    public async Task Invoke_MissingEventFile_OneLine()
    {
        var result = await Cli.RunAsync(NoStack, "invoke", "StreamProcessor", "--event", "events/does-not-exist.json");

        AssertOneLineError(result, "does not exist");
    }

    [Fact]
    public async Task Invoke_MalformedEventFile_OneLineWithWhere()
    {
        var file = Path.Combine(Path.GetTempPath(), $"malformed-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, "{\"Records\": [ {\"kinesis\": ");
        try
        {
            var result = await Cli.RunAsync(NoStack, "invoke", "StreamProcessor", "--event", file);

            AssertOneLineError(result, "is not valid JSON");
            Assert.Contains("LineNumber", result.Stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Invoke_WithoutEventOption_UsageErrorNotAStackTrace()
    {
        var result = await Cli.RunAsync(NoStack, "invoke", "StreamProcessor");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--event", result.Stderr + result.Stdout);
        Assert.DoesNotContain("   at ", result.Stderr);
    }

    private static void AssertOneLineError(CliResult result, string expected)
    {
        Assert.NotEqual(0, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.DoesNotContain("   at ", result.Stderr);
    }
}
