using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests;

/// <summary>The CLI's batch commands, run as a user runs them, against a stack of their own.</summary>
public sealed class BatchCliTests : IAsyncLifetime
{
    private PrivateCliStack _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await PrivateCliStack.StartAsync("batch");

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task InvokeBatchLoader_GlueSamples_OursRuns_UnrelatedIgnored()
    {
        var ours = await Cli.RunAsync(_stack.Environment, "invoke", "BatchLoader", "--event", EventFiles.PathOf("eventbridge-glue-crawler-succeeded.json"));
        var unrelated = await Cli.RunAsync(_stack.Environment, "invoke", "BatchLoader", "--event", EventFiles.PathOf("eventbridge-glue-crawler-unrelated.json"));
        var job = await Cli.RunAsync(_stack.Environment, "invoke", "BatchLoader", "--event", EventFiles.PathOf("eventbridge-glue-job-state-change.json"));

        Assert.True(ours.ExitCode == 0, ours.Stderr);
        Assert.Equal("ran", JsonNode.Parse(ours.Stdout)!["outcome"]!.GetValue<string>());
        Assert.Equal(0, unrelated.ExitCode);
        Assert.Equal("ignored", JsonNode.Parse(unrelated.Stdout)!["outcome"]!.GetValue<string>());
        Assert.Equal("ignored", JsonNode.Parse(job.Stdout)!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task Batch_BadDate_OneLineError()
    {
        var result = await Cli.RunAsync(_stack.Environment, "batch", "--date", "2026-13-01");

        Assert.NotEqual(0, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: --date must be YYYY-MM-DD", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchDate_FillsTheWarehouseAndTheSearchExport_AgainChangesNothing()
    {
        var stack = LocalStack.Open(_stack.State, LocalStackOptions.FindRepositoryRoot())!;
        var hour = new DateTimeOffset(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);
        var lines = Enumerable.Range(0, 40).Select(i => Line("product_view", hour.AddMinutes(i), $"cli-{i:D3}", new EventData { Sku = "SKU-" + (i % 4), Category = "books", Price = 10, Currency = "EUR" }));
        var body = Gzip.Compress(Gzip.JoinLines(lines.Select(l => (ReadOnlyMemory<byte>)l)));
        await stack.S3Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = stack.Names.Bucket(Buckets.Enriched), Key = "events/type=product_view/dt=2026-03-10/hr=08/cli-1.gz", InputStream = new MemoryStream(body) });

        var first = await Cli.RunAsync(_stack.Environment, "batch", "--date", "2026-03-10", "--json");
        var tablesAfterFirst = await TestWarehouse.ChecksumAsync(stack.Endpoints.Warehouse!, ["fct_events", "dim_products", "dq_partition_quality"]);
        var second = await Cli.RunAsync(_stack.Environment, "batch", "--date", "2026-03-10", "--json");
        var tablesAfterSecond = await TestWarehouse.ChecksumAsync(stack.Endpoints.Warehouse!, ["fct_events", "dim_products", "dq_partition_quality"]);

        Assert.True(first.ExitCode == 0, first.Stderr);
        var json = JsonNode.Parse(first.Stdout.Trim().Split('\n')[^1])!;
        Assert.Equal(1, json["partitionsLoaded"]!.GetValue<int>());
        Assert.Equal(40, json["events"]!.GetValue<int>());
        Assert.Equal("export", json["search"]!["mode"]!.GetValue<string>());
        Assert.Contains("search-export/metrics/dt=2026-03-10/", json["search"]!["exported"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(40, tablesAfterFirst["fct_events"].Rows);
        Assert.Equal(4, tablesAfterFirst["dim_products"].Rows);
        Assert.Equal(0, JsonNode.Parse(second.Stdout.Trim().Split('\n')[^1])!["partitionsLoaded"]!.GetValue<int>());
        Assert.Equal(tablesAfterFirst, tablesAfterSecond);
    }

    private static byte[] Line(string type, DateTimeOffset at, string id, EventData data)
    {
        var p = PartitionId.At(type, at);
        return JsonSerializer.SerializeToUtf8Bytes(new EnrichedEvent(
            id, $"com.ecommerceagents/{type}/1-0-0", type,
            Context: new EnrichedContext(),
            Data: data,
            Enrichment: new EventEnrichment(),
            Lineage: new Lineage { ArrivalTime = at.AddSeconds(1), ProcessingTime = at.AddSeconds(2), PipelineVersion = "1.0.0", Steps = [] },
            Partition: new PartitionInfo("events", type, p.Dt, p.Hr),
            EventTime: at, AnonymousId: "a-cli", SessionId: "s-cli"), EnrichedEventJsonContext.Default.EnrichedEvent);
    }
}
