using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Functions.BatchLoader;
using ECommerceAgents.IntegrationTests.Batch;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Local.Stack.Lambda;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Functions;

/// <summary>BatchLoader and SearchIndexer published as native AOT bootstraps, once for this class.</summary>
public sealed class PublishedBatchFunctions : IAsyncLifetime
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "eca-aot-batch-" + Guid.NewGuid().ToString("N")[..8]);

    public Dictionary<string, string> Logs { get; } = [];

    public string Bootstrap(string function) => Path.Combine(Directory, function, "bootstrap");

    public async ValueTask InitializeAsync()
    {
        foreach (var function in new[] { "BatchLoader", "SearchIndexer" })
        {
            Logs[function] = await FunctionPublish.RunAsync(function, Path.Combine(Directory, function));
        }
    }

    public ValueTask DisposeAsync()
    {
        TestStack.TryDelete(Directory);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// The batch functions as they ship: native AOT, no trim/AOT warnings (Parquet.Net's three analysed warnings are
/// suppressed with reasons in the project), glibc ≤ 2.34, and a real load through the Runtime API — enriched JSON →
/// Parquet (Parquet.Net) → binary COPY into PostgreSQL (Npgsql) — so the suppressed warnings are shown not to bite.
/// </summary>
public sealed class BatchAotBootstrapTests(PublishedBatchFunctions published, ITestOutputHelper output) : IClassFixture<PublishedBatchFunctions>
{
    [Theory]
    [InlineData("BatchLoader")]
    [InlineData("SearchIndexer")]
    public void Publish_NoWarnings_AndOnlyGlibcUpTo234(string function)
    {
        Assert.True(File.Exists(published.Bootstrap(function)), published.Logs[function]);
        Assert.DoesNotContain("warning", published.Logs[function], StringComparison.OrdinalIgnoreCase);
        var objdump = Process.Start(new ProcessStartInfo("objdump", ["-T", published.Bootstrap(function)]) { RedirectStandardOutput = true })!;
        var symbols = objdump.StandardOutput.ReadToEnd();
        objdump.WaitForExit();
        var newest = System.Text.RegularExpressions.Regex.Matches(symbols, @"GLIBC_2\.(\d+)").Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Max();
        Assert.True(newest <= 34, $"{function} needs GLIBC_2.{newest}");
        output.WriteLine($"{function}: {new FileInfo(published.Bootstrap(function)).Length} bytes, newest glibc symbol GLIBC_2.{newest}");
    }

    [Fact]
    public async Task BatchLoaderBootstrap_LoadsAPartitionThroughParquetAndNpgsql_ThenSearchIndexerExportsTheMetrics()
    {
        Assert.True(File.Exists(published.Bootstrap("BatchLoader")), published.Logs["BatchLoader"]);
        await using var slice = await BatchSlice.CreateAsync("aotbatch", DateTimeOffset.UtcNow);
        var hour = new DateTimeOffset(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);
        var events = Enumerable.Range(0, 50).Select(i => EnrichedFixture.Event("product_view", hour.AddMinutes(i).ToString("O"), "u-aot", "a-aot", "s-aot",
            new EventData { Sku = "SKU-" + i, Category = "books", Price = 12.5m + i, Currency = "EUR" }, $"aot-{i:D3}")).ToList();
        events.Add(EnrichedFixture.Event("order_placed", hour.AddMinutes(55).ToString("O"), "u-aot", null, null,
            new EventData { OrderId = "o-aot", Total = 25, Currency = "EUR", Items = [new OrderLine { Sku = "SKU-1", Quantity = 2, Price = 12.5m, Category = "books" }] }, "aot-order"));
        await EnrichedFixture.WriteAsync(slice.S3, slice.Bucket(Buckets.Enriched), events);

        var loader = await RunAsync("BatchLoader", slice, BatchLoaderFunction.BackfillEvent("2026-03-10"), BatchLoaderFunction.PartitionEvent(new PartitionId("product_view", "2026-03-10", "08")));
        var backfill = JsonSerializer.Deserialize(loader[0], DomainJson.BatchRunSummary)!;

        Assert.Equal("ran", backfill.Outcome);
        Assert.Equal(51, await slice.CountAsync());
        Assert.Equal(1850m, await TestWarehouse.ScalarAsync<decimal>(slice.Warehouse, "select sum(price) from eca.fct_events where event_type = 'product_view'"));   // 50 × 12.5 + (0 + … + 49)
        Assert.Equal(2L, await TestWarehouse.ScalarAsync<long>(slice.Warehouse, "select items from eca.fct_orders where order_id = 'o-aot'"));

        var outbox = ZoneLayout.MetricsOutboxKey("2026-03-10");
        var objectCreated = JsonSerializer.SerializeToUtf8Bytes(S3EventBridgeSource.ObjectCreatedEvent(slice.Bucket(Buckets.Processed), outbox), LambdaEventsJsonContext.Default.EventBridgeEvent);
        var search = await RunAsync("SearchIndexer", slice, objectCreated);
        Assert.Contains("\"mode\":\"export\"", Encoding.UTF8.GetString(search[0]));
        Assert.Contains("search-export/metrics/dt=2026-03-10/daily-metrics.ndjson.bulk.ndjson", await StoreChecksum.KeysAsync(slice.Harness.Stack, slice.Bucket(Buckets.Processed), "search-export/"));
    }

    private async Task<List<byte[]>> RunAsync(string function, BatchSlice slice, params byte[][] events)
    {
        await using var api = await RuntimeApiDouble.StartAsync();
        var psi = new ProcessStartInfo(published.Bootstrap(function)) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (k, v) in slice.Harness.Environment.Settings) psi.Environment[k] = v;
        psi.Environment.Remove("OPENSEARCH_ENDPOINT");
        psi.Environment["AWS_LAMBDA_RUNTIME_API"] = api.Address;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var results = new List<byte[]>();
        try
        {
            foreach (var e in events)
            {
                var result = await api.InvokeAsync(e).WaitAsync(TimeSpan.FromSeconds(120));
                Assert.False(result.IsError, Encoding.UTF8.GetString(result.Body));
                results.Add(result.Body);
            }
        }
        finally
        {
            api.ShutDown();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        output.WriteLine($"{function} stdout: {(await stdout)[..Math.Min(1500, (await stdout).Length)]}");
        output.WriteLine($"{function} stderr: {await stderr}");
        return results;
    }
}
