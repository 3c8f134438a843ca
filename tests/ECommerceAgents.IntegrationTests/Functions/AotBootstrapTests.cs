using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.Lambda;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Functions;

/// <summary>The native AOT build of StreamProcessor, published once for this class.</summary>
public sealed class PublishedStreamProcessor : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "eca-aot-" + Guid.NewGuid().ToString("N")[..8]);

    public string Bootstrap => Path.Combine(Directory, "bootstrap");

    public string PublishLog { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        PublishLog = await FunctionPublish.RunAsync("StreamProcessor", Directory);
    }

    public ValueTask DisposeAsync()
    {
        TestStack.TryDelete(Directory);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The function as it ships: a native AOT <c>bootstrap</c> for provided.al2023, with no trimming or AOT warnings, no
/// glibc symbol newer than Amazon Linux 2023's 2.34, and the same behaviour as the managed build when it serves real
/// invocations through the Runtime API against the local stack.
/// </summary>
public sealed class AotBootstrapTests(PublishedStreamProcessor published, ITestOutputHelper output) : IClassFixture<PublishedStreamProcessor>
{
    [Fact]
    public void Publish_NoWarnings_AndOnlyGlibcUpTo234()
    {
        Assert.True(File.Exists(published.Bootstrap), published.PublishLog);
        Assert.DoesNotContain("warning", published.PublishLog, StringComparison.OrdinalIgnoreCase);

        var objdump = Process.Start(new ProcessStartInfo("objdump", ["-T", published.Bootstrap]) { RedirectStandardOutput = true })!;
        var symbols = objdump.StandardOutput.ReadToEnd();
        objdump.WaitForExit();
        var versions = System.Text.RegularExpressions.Regex.Matches(symbols, @"GLIBC_(\d+)\.(\d+)").Select(m => (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))).Distinct().ToArray();
        Assert.NotEmpty(versions);
        var newest = versions.Max();
        Assert.True(newest.CompareTo((2, 34)) <= 0, $"bootstrap needs GLIBC_{newest.Item1}.{newest.Item2}; Amazon Linux 2023 has 2.34");
        output.WriteLine($"bootstrap: {new FileInfo(published.Bootstrap).Length} bytes, newest glibc symbol GLIBC_{newest.Item1}.{newest.Item2}");
    }

    [Fact]
    public async Task Bootstrap_ServesInvocationsThroughTheRuntimeApi()
    {
        Assert.True(File.Exists(published.Bootstrap), published.PublishLog);
        await using var harness = await PlatformHarness.StartAsync("aot");
        await using var api = await RuntimeApiDouble.StartAsync();
        var psi = new ProcessStartInfo(published.Bootstrap) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in harness.Environment.Settings) psi.Environment[k] = v;
        psi.Environment["AWS_LAMBDA_RUNTIME_API"] = api.Address;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        try
        {
            var clickstream = await api.InvokeAsync(EventFiles.Read("kinesis-clickstream.json")).WaitAsync(TimeSpan.FromSeconds(60));
            var docSample = await api.InvokeAsync(EventFiles.Read("kinesis-aws-doc-sample.json")).WaitAsync(TimeSpan.FromSeconds(60));
            var broken = await api.InvokeAsync("{\"Records\": 5}"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.False(clickstream.IsError, Encoding.UTF8.GetString(clickstream.Body));
            Assert.Empty(JsonSerializer.Deserialize(clickstream.Body, LambdaEventsJsonContext.Default.StreamsEventResponse)!.BatchItemFailures);
            Assert.Empty(JsonSerializer.Deserialize(docSample.Body, LambdaEventsJsonContext.Default.StreamsEventResponse)!.BatchItemFailures);
            Assert.True(broken.IsError);
            Assert.Equal("Unhandled.InvalidEventException", broken.ErrorType);
        }
        finally
        {
            api.ShutDown();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        await harness.FlushAsync();
        var checksum = await harness.ChecksumAsync();
        Assert.Equal(4, checksum.Count("s3:enriched"));
        Assert.Equal(2, checksum.Count("s3:quarantine"));
        Assert.Contains("\"RecordsIn\":4", await stdout); // EMF metrics on stdout, as CloudWatch Logs reads them
    }
}
