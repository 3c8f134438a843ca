using System.Globalization;
using System.Text;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests;

/// <summary>
/// <c>replay</c>: a day of the raw archive, first delivered as the live stream would (a Kinesis shard), then replayed
/// through StreamProcessor and the batch. The second pass leaves every store as it was — DynamoDB, Redis, the enriched,
/// bot and quarantine zones, the processed zone and the warehouse — checked by checksums.
/// </summary>
public sealed class ReplayTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Replay_ADayAlreadyProcessed_LeavesEveryStoreAsItWas()
    {
        var stack = await TestStack.GetAsync();
        var warehouse = await TestWarehouse.CreateAsync(stack, "replay");
        await using var harness = await PlatformHarness.StartAsync("replay", stack, new Dictionary<string, string> { [ServiceEndpoints.WarehouseVariable] = warehouse, [SettingNames.BotNetworks] = "198.51.100.0/24" }, stack.Endpoints with { Warehouse = warehouse });
        var day = DateTime.UtcNow.Date.AddDays(-2);
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 31, Users = 50, Events = 1200, End = new DateTimeOffset(day.AddHours(20), TimeSpan.Zero), Span = TimeSpan.FromHours(16) });
        var records = generator.Generate();
        var arrival = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var rawBucket = harness.Names.Bucket(Buckets.Raw);
        var part = 0;
        foreach (var chunk in records.Chunk(400))
        {
            var body = Gzip.Compress(Encoding.UTF8.GetBytes(string.Join("\n", chunk.Select(r => Encoding.UTF8.GetString(r.Data))) + "\n"));
            await stack.S3Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = rawBucket, Key = $"raw/dt={arrival}/hr=10/raw-1-{arrival}-10-00-{part++:D2}.gz", InputStream = new MemoryStream(body) });
        }

        // The live delivery (its own shard), then the batch for the days it touched.
        var live = await Replay.RunAsync(harness.Environment, arrival, harness.FlushAsync, null, CancellationToken.None, shardId: "shardId-000000000001");
        // Exact: the warehouse holds every valid, unique, non-bot event the generator sent, once each.
        Assert.Equal(generator.Truth.ValidUnique, live.Batch.Sum(b => b.Events));
        var loaded = (await TestWarehouse.QueryAsync(warehouse, "select event_id::text as id from eca.fct_events")).Select(r => (string)r["id"]!).ToList();
        var lost = generator.Truth.ValidIds.Except(loaded, StringComparer.Ordinal).ToList();
        var doubled = loaded.GroupBy(id => id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        var unexpected = loaded.Except(generator.Truth.ValidIds, StringComparer.Ordinal).ToList();
        Assert.True(lost.Count == 0 && doubled.Count == 0 && unexpected.Count == 0,
            $"{lost.Count} lost ({string.Join(", ", lost.Take(5))}), {doubled.Count} doubled ({string.Join(", ", doubled.Take(5))}), {unexpected.Count} not sent as valid ({string.Join(", ", unexpected.Take(5))})");
        var before = await ChecksumAsync(harness, warehouse);

        var replay = await Replay.RunAsync(harness.Environment, arrival, harness.FlushAsync, null, CancellationToken.None);
        var after = await ChecksumAsync(harness, warehouse);

        output.WriteLine($"replayed {replay.Records} records ({replay.SkippedQuarantined} already quarantined skipped); batch loaded {replay.Batch.Sum(b => b.Partitions.Count())} partition(s)");
        Assert.True(replay.SkippedQuarantined > 0);
        Assert.Empty(replay.Batch.SelectMany(b => b.Partitions));
        Assert.True(before.Stores.Matches(after.Stores), before.Stores.Diff(after.Stores));
        Assert.Equal(before.Warehouse, after.Warehouse);
        Assert.Equal(before.Processed, after.Processed);
    }

    private static async Task<(StoreChecksum Stores, IReadOnlyDictionary<string, (long Rows, string Hash)> Warehouse, string Processed)> ChecksumAsync(PlatformHarness harness, string warehouse)
    {
        var stores = await harness.ChecksumAsync();
        var tables = await TestWarehouse.ChecksumAsync(warehouse, ["fct_events", "fct_order_lines", "fct_orders", "dim_products", "dim_users", "dq_partition_quality", "mdl_kpi_daily", "mdl_funnel_daily"]);
        var objects = new List<string>();
        string? token = null;
        do
        {
            var page = await harness.Stack.S3Client.ListObjectsV2Async(new Amazon.S3.Model.ListObjectsV2Request { BucketName = harness.Names.Bucket(Buckets.Processed), ContinuationToken = token });
            objects.AddRange((page.S3Objects ?? []).Where(o => !o.Key.StartsWith("quality/", StringComparison.Ordinal)).Select(o => o.Key + "=" + o.ETag));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return (stores, tables, string.Join("\n", objects.Order(StringComparer.Ordinal)));
    }
}
