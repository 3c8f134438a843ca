using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests;

/// <summary>
/// <c>invoke LogTransformer</c> and <c>invoke CatalogImport</c> with the sample events, run as a user runs them: the
/// CLI process against a local stack of its own.
/// </summary>
public sealed class CliInvokeFunctionsTests : IAsyncLifetime
{
    private PrivateCliStack _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await PrivateCliStack.StartAsync("fn");

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Invoke_LogTransformerWithTheCloudWatchSample_RecordsAnsweredInOrder()
    {
        var result = await Cli.RunAsync(_stack.Environment, "invoke", "LogTransformer", "--event", EventFiles.PathOf("firehose-cloudwatch-logs.json"));

        Assert.True(result.ExitCode == 0, result.Stderr);
        var records = JsonNode.Parse(result.Stdout)!["records"]!.AsArray();
        Assert.Equal(["Ok", "Dropped"], records.Select(r => r!["result"]!.GetValue<string>()));
        var lines = Encoding.UTF8.GetString(Convert.FromBase64String(records[0]!["data"]!.GetValue<string>())).Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Contains("[email]", lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_CatalogImportWithTheLocalSample_ImportedThenUnchanged()
    {
        await using (var stack = LocalStack.Open(_stack.State, LocalStackOptions.FindRepositoryRoot()) ?? throw new InvalidOperationException("no stack recorded"))
        {
            await stack.S3Client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = stack.Names.Bucket(Buckets.Landing),
                Key = "catalog/incoming/products-sample.csv",
                FilePath = EventFiles.PathOf("catalog/products-sample.csv"),
            });
        }

        var first = await Cli.RunAsync(_stack.Environment, "invoke", "CatalogImport", "--event", EventFiles.PathOf("eventbridge-s3-object-created-local.json"));
        var second = await Cli.RunAsync(_stack.Environment, "invoke", "CatalogImport", "--event", EventFiles.PathOf("eventbridge-s3-object-created-local.json"));

        Assert.True(first.ExitCode == 0, first.Stderr);
        var imported = JsonNode.Parse(first.Stdout)!["imports"]![0]!;
        Assert.Equal(("completed", 10L, 3L), (imported["status"]!.GetValue<string>(), imported["new"]!.GetValue<long>(), imported["rejected"]!.GetValue<long>()));
        var again = JsonNode.Parse(second.Stdout)!["imports"]![0]!;
        Assert.Equal(("unchanged_same_content", 10L), (again["status"]!.GetValue<string>(), again["unchanged"]!.GetValue<long>()));
    }

    [Fact]
    public async Task Invoke_CatalogImportWithTheAwsSample_IgnoredExitZero()
    {
        var result = await Cli.RunAsync(_stack.Environment, "invoke", "CatalogImport", "--event", EventFiles.PathOf("eventbridge-s3-object-created.json"));

        Assert.True(result.ExitCode == 0, result.Stderr);
        var import = Assert.Single(JsonNode.Parse(result.Stdout)!["imports"]!.AsArray())!;
        // The AWS sample names another account's bucket: not the landing bucket, so it is not read.
        Assert.Equal(("ignored", "eca-landing-123456789012"), (import["status"]!.GetValue<string>(), import["bucket"]!.GetValue<string>()));
    }
}
