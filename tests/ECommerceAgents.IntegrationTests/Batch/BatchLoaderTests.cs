using ECommerceAgents.Domain;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Batch;

/// <summary>A day produced through StreamProcessor, loaded once by a backfill: the state every test here reads.</summary>
public sealed class LoadedDay : IAsyncLifetime
{
    public EnrichedDay Day { get; private set; } = null!;

    public IFunctionHandler Loader { get; private set; } = null!;

    public List<BatchRunSummary> FirstRun { get; private set; } = null!;

    public IReadOnlyDictionary<string, (long Rows, string Hash)> Checksum { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Day = await EnrichedDay.CreateAsync("loadedday", settings: new Dictionary<string, string> { [SettingNames.GlueCrawlers] = "eca-enriched-crawler,eca-processed-crawler" });
        Loader = await Day.BatchLoaderAsync();
        FirstRun = await EnrichedDay.BackfillAsync(Loader, Day.Day);
        Checksum = await Day.ChecksumAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Loader is IAsyncDisposable d) await d.DisposeAsync();
        await Day.DisposeAsync();
    }
}

/// <summary>
/// <c>batch --date</c> over a day the tests produced: the warehouse holds every valid, unique, non-bot event once, the
/// processed zone holds it as Parquet, quality reports sit next to the partitions, and running again changes nothing.
/// </summary>
public sealed class BatchLoaderTests(LoadedDay loaded, ITestOutputHelper output) : IClassFixture<LoadedDay>
{
    private EnrichedDay Day => loaded.Day;

    [Fact]
    public async Task Backfill_LoadsEveryValidUniqueEventOnce()
    {
        var truth = Day.Generator.Truth;
        var enriched = await StoreChecksum.EnrichedLinesAsync(Day.Harness.Stack, Day.Bucket(Buckets.Enriched), "events/");
        var enrichedIds = enriched.Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!["eventId"]!.GetValue<string>()).ToHashSet();
        var rows = await TestWarehouse.ScalarAsync<long>(Day.Warehouse, "select count(*) from eca.fct_events");
        var distinct = await TestWarehouse.ScalarAsync<long>(Day.Warehouse, "select count(distinct event_id) from eca.fct_events");
        foreach (var run in loaded.FirstRun) output.WriteLine(System.Text.Json.JsonSerializer.Serialize(run, DomainJson.BatchRunSummary)[..Math.Min(600, System.Text.Json.JsonSerializer.Serialize(run, DomainJson.BatchRunSummary).Length)]);
        var store = new ECommerceAgents.Adapters.S3.S3ObjectStore(Day.Harness.Stack.S3Client, Day.Bucket(Buckets.Enriched));
        output.WriteLine("keys: " + string.Join(",", (await store.ListAsync("events/", default)).Take(3).Select(o => o.Key)) + " day " + Day.Day);
        output.WriteLine($"generator valid unique {truth.ValidUnique}, enriched distinct {enrichedIds.Count}, warehouse {rows}; partitions loaded {loaded.FirstRun.Sum(r => r.Loaded.Count)}");

        Assert.Equal(truth.ValidUnique, enrichedIds.Count);
        Assert.Equal(enrichedIds.Count, rows);
        Assert.Equal(rows, distinct);
        Assert.Equal(0, await TestWarehouse.ScalarAsync<long>(Day.Warehouse, $"select count(*) from eca.fct_events where event_id in ({string.Join(",", truth.BotIds.Take(200).Select(b => "'" + b + "'"))})"));
    }

    [Fact]
    public async Task Backfill_OrdersAndNetRevenueMatchTheGenerator()
    {
        var truth = Day.Generator.Truth;
        var orders = await TestWarehouse.ScalarAsync<long>(Day.Warehouse, "select count(*) from eca.fct_orders");
        var net = await TestWarehouse.ScalarAsync<decimal>(Day.Warehouse, "select coalesce(sum(net_revenue), 0) from eca.fct_orders");
        var cancelled = await TestWarehouse.ScalarAsync<long>(Day.Warehouse, "select count(*) from eca.fct_orders where status = 'cancelled'");

        Assert.Equal(truth.OrdersPlaced, orders);
        Assert.Equal(truth.OrdersCancelled, cancelled);
        Assert.Equal(truth.NetRevenue, net);
    }

    [Fact]
    public async Task Backfill_WritesParquetAndQualityReportsNextToEachPartition()
    {
        var processed = await StoreChecksum.KeysAsync(Day.Harness.Stack, Day.Bucket(Buckets.Processed), "");
        var loadedPartitions = loaded.FirstRun.SelectMany(r => r.Loaded).ToArray();

        Assert.NotEmpty(loadedPartitions);
        foreach (var p in loadedPartitions.Select(s => s.Split('/')).Select(s => new PartitionId(s[0], s[1], s[2])))
        {
            Assert.Contains(ZoneLayout.EventsKey(p), processed);
            Assert.Contains(ZoneLayout.QualityKey(p), processed);
        }

        Assert.Contains(ZoneLayout.MetricsOutboxKey(Day.Day), processed);
        Assert.All(loaded.FirstRun.SelectMany(r => r.Partitions), p => Assert.True(p.Completeness > 95, p.ToString()));
    }

    [Fact]
    public async Task Backfill_Again_ChangesNothing()
    {
        var again = await EnrichedDay.BackfillAsync(loaded.Loader, Day.Day);
        var checksum = await Day.ChecksumAsync();

        Assert.Empty(again.SelectMany(r => r.Loaded));
        Assert.Equal(loaded.Checksum, checksum);
    }

    [Fact]
    public async Task EveryPartition_ForcedReload_SameTables()
    {
        foreach (var p in loaded.FirstRun.SelectMany(r => r.Loaded).Select(s => s.Split('/')).Select(s => new PartitionId(s[0], s[1], s[2])))
        {
            var summary = await EnrichedDay.InvokeAsync(loaded.Loader, ECommerceAgents.Functions.BatchLoader.BatchLoaderFunction.PartitionEvent(p, force: true));
            Assert.Single(summary.Loaded);
        }

        var checksum = await Day.ChecksumAsync();
        Assert.Equal(loaded.Checksum, checksum);
        output.WriteLine(string.Join("\n", checksum.Select(c => $"{c.Key}: {c.Value.Rows} rows {c.Value.Hash}")));
    }
}
