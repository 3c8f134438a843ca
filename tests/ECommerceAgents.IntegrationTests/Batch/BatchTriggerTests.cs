using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Functions.BatchLoader;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using Microsoft.Extensions.Time.Testing;
using static ECommerceAgents.IntegrationTests.Batch.EnrichedFixture;

namespace ECommerceAgents.IntegrationTests.Batch;

/// <summary>A test's own slice (buckets, tables, warehouse database) with hand-written enriched events and a controllable clock.</summary>
public sealed class BatchSlice : IAsyncDisposable
{
    private BatchSlice(PlatformHarness harness, string warehouse, FakeTimeProvider clock)
    {
        Harness = harness;
        Warehouse = warehouse;
        Clock = clock;
    }

    public PlatformHarness Harness { get; }

    public string Warehouse { get; }

    public FakeTimeProvider Clock { get; }

    public Amazon.S3.IAmazonS3 S3 => Harness.Stack.S3Client;

    public string Bucket(BucketDefinition b) => Harness.Names.Bucket(b);

    public static async Task<BatchSlice> CreateAsync(string owner, DateTimeOffset now)
    {
        var stack = await TestStack.GetAsync();
        var warehouse = await TestWarehouse.CreateAsync(stack, owner);
        var harness = await PlatformHarness.StartAsync(owner, stack, new Dictionary<string, string> { [ServiceEndpoints.WarehouseVariable] = warehouse, [SettingNames.GlueCrawlers] = "eca-enriched-crawler" }, stack.Endpoints with { Warehouse = warehouse });
        return new BatchSlice(harness, warehouse, new FakeTimeProvider(now));
    }

    public async Task<IFunctionHandler> LoaderAsync() =>
        await BatchLoaderFunction.CreateAsync(Harness.Environment with { Clock = Clock }, CancellationToken.None);

    public Task<long> CountAsync(string where = "true") => TestWarehouse.ScalarAsync<long>(Warehouse, "select count(*) from eca.fct_events where " + where);

    public ValueTask DisposeAsync() => Harness.DisposeAsync();
}

/// <summary>The triggers (Glue crawler events, schedule) and the lateness window.</summary>
public sealed class BatchTriggerTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Hour = new(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);

    private static IEnumerable<EnrichedEvent> Views(DateTimeOffset hour, int count, string prefix) =>
        Enumerable.Range(0, count).Select(i => Event("product_view", hour.AddMinutes(i % 60).ToString("O"), "u-" + prefix, "a-" + prefix, "s-" + prefix,
            new EventData { Sku = "SKU-1", Category = "books", Price = 10, Currency = "EUR" }, $"{prefix}-{i:D4}"));

    [Fact]
    public async Task GlueCrawlerSucceeded_OurCrawler_RunsTheBatch()
    {
        await using var slice = await BatchSlice.CreateAsync("glueok", Hour.AddHours(2));
        await WriteAsync(slice.S3, slice.Bucket(Buckets.Enriched), Views(Hour, 5, "g"));
        var loader = await slice.LoaderAsync();

        var summary = await EnrichedDay.InvokeAsync(loader, EventFiles.Read("eventbridge-glue-crawler-succeeded.json"));

        Assert.Equal("ran", summary.Outcome);
        Assert.Equal(["product_view/2026-03-10/08"], summary.Loaded);
        Assert.Equal(5, await slice.CountAsync());
    }

    [Fact]
    public async Task UnrelatedCrawlerOrGlueJob_AcknowledgedAndIgnored()
    {
        await using var slice = await BatchSlice.CreateAsync("glueno", Hour.AddHours(2));
        await WriteAsync(slice.S3, slice.Bucket(Buckets.Enriched), Views(Hour, 5, "n"));
        var loader = await slice.LoaderAsync();

        var crawler = await EnrichedDay.InvokeAsync(loader, EventFiles.Read("eventbridge-glue-crawler-unrelated.json"));
        var job = await EnrichedDay.InvokeAsync(loader, EventFiles.Read("eventbridge-glue-job-state-change.json"));

        Assert.Equal("ignored", crawler.Outcome);
        Assert.Contains("someone-elses-crawler", crawler.Reason);
        Assert.Equal("ignored", job.Outcome);
        Assert.Empty(await StoreChecksum.KeysAsync(slice.Harness.Stack, slice.Bucket(Buckets.Processed), ""));
    }

    [Fact]
    public async Task Schedule_SafetyNet_LoadsWhatIsLeft_ThenNothing()
    {
        await using var slice = await BatchSlice.CreateAsync("sched", Hour.AddHours(2));
        await WriteAsync(slice.S3, slice.Bucket(Buckets.Enriched), Views(Hour, 5, "s").Concat(Views(Hour.AddHours(-1), 3, "t")));
        var loader = await slice.LoaderAsync();

        var first = await EnrichedDay.InvokeAsync(loader, EventFiles.Read("eventbridge-scheduled.json"));
        var rest = new List<BatchRunSummary>();
        foreach (var p in first.Remaining.Select(r => r.Split('/')))
        {
            rest.Add(await EnrichedDay.InvokeAsync(loader, BatchLoaderFunction.PartitionEvent(new PartitionId(p[0], p[1], p[2]))));
        }

        var again = await EnrichedDay.InvokeAsync(loader, EventFiles.Read("eventbridge-scheduled.json"));

        Assert.Single(first.Loaded);                      // one partition per invocation …
        Assert.Single(first.Remaining);                   // … the other fans out
        Assert.Equal(8, await slice.CountAsync());
        Assert.Empty(again.Loaded);
        Assert.Equal(2, again.UpToDate);
    }

    [Fact]
    public async Task LateEvents_InsideTheWindow_ReloadTheirPartition_OutsideWaitForABackfill()
    {
        await using var slice = await BatchSlice.CreateAsync("late", Hour.AddHours(1).AddMinutes(10));
        var enriched = slice.Bucket(Buckets.Enriched);
        await WriteAsync(slice.S3, enriched, Views(Hour, 4, "on-time"));
        var loader = await slice.LoaderAsync();
        Assert.Single((await EnrichedDay.InvokeAsync(loader, EventFiles.Read("eventbridge-scheduled.json"))).Loaded);

        // Three hours later, two late events of 08:00 arrive (a new Firehose object in the old partition): inside the 6 h window.
        slice.Clock.SetUtcNow(Hour.AddHours(4));
        await WriteAsync(slice.S3, enriched, Views(Hour, 2, "late"), "late-1.gz");
        var inside = await EnrichedDay.InvokeAsync(loader, EventFiles.Read("eventbridge-scheduled.json"));
        Assert.Equal(["product_view/2026-03-10/08"], inside.Loaded);
        Assert.Equal(6, await slice.CountAsync());

        // Ten hours after the hour, another late event: outside the window, so triggers leave it (and say so) …
        slice.Clock.SetUtcNow(Hour.AddHours(10));
        await WriteAsync(slice.S3, enriched, Views(Hour, 1, "very-late"), "late-2.gz");
        var outside = await EnrichedDay.InvokeAsync(loader, EventFiles.Read("eventbridge-scheduled.json"));
        Assert.Empty(outside.Loaded);
        Assert.Equal(["product_view/2026-03-10/08"], outside.BeyondWindow);
        Assert.Equal(6, await slice.CountAsync());

        // … until a backfill of the day picks it up.
        var backfill = await EnrichedDay.BackfillAsync(loader, "2026-03-10");
        Assert.Equal(["product_view/2026-03-10/08"], backfill.SelectMany(b => b.Loaded));
        Assert.Equal(7, await slice.CountAsync());
        output.WriteLine(JsonSerializer.Serialize(outside, DomainJson.BatchRunSummary));
    }

    [Fact]
    public async Task SameEventTwice_InTheZoneAndAcrossPartitions_LoadedOnce()
    {
        await using var slice = await BatchSlice.CreateAsync("dups", Hour.AddHours(3));
        var enriched = slice.Bucket(Buckets.Enriched);
        var events = Views(Hour, 3, "d").ToArray();
        await WriteAsync(slice.S3, enriched, events);
        await WriteAsync(slice.S3, enriched, events.Take(2), "redelivered.gz");                      // Firehose at-least-once
        var moved = events[0] with { EventTime = Hour.AddHours(1), Partition = events[0].Partition with { Hr = "09" } };
        await WriteAsync(slice.S3, enriched, [moved], "resent.gz");                                  // the same id, an hour later
        var loader = await slice.LoaderAsync();

        var runs = await EnrichedDay.BackfillAsync(loader, "2026-03-10");

        Assert.Equal(3, await slice.CountAsync());
        Assert.Equal(3, runs.SelectMany(r => r.Partitions).Sum(p => p.Duplicates));   // two copies within hour 08, one across (hour 09)
        Assert.Equal(3, await TestWarehouse.ScalarAsync<long>(slice.Warehouse, "select count(distinct event_id) from eca.fct_events"));
    }
}
