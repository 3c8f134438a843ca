using System.Globalization;
using System.Text.Json;
using ECommerceAgents.Domain;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Functions.BatchLoader;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Batch;

/// <summary>
/// A day of traffic pushed through the real StreamProcessor into a test class's own enriched zone (Firehose stand-in),
/// with its own warehouse database; and helpers that run BatchLoader over it as the CLI does (a backfill, then one
/// invocation per remaining partition).
/// </summary>
public sealed class EnrichedDay : IAsyncDisposable
{
    public const string BotNetworks = "198.51.100.0/24";

    private EnrichedDay(PlatformHarness harness, string warehouse, string day, TrafficGenerator generator)
    {
        Harness = harness;
        Warehouse = warehouse;
        Day = day;
        Generator = generator;
    }

    private readonly Dictionary<string, KinesisEventBuilder> _builders = new(StringComparer.Ordinal);

    public PlatformHarness Harness { get; }

    /// <summary>The test's own database (connection string).</summary>
    public string Warehouse { get; }

    public string Day { get; }

    public TrafficGenerator Generator { get; }

    public static string DaysAgo(int days) => DateTime.UtcNow.Date.AddDays(-days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static async Task<EnrichedDay> CreateAsync(string owner, int events = 3000, int seed = 11, int daysAgo = 3, IReadOnlyDictionary<string, string>? settings = null)
    {
        var stack = await TestStack.GetAsync();
        var warehouse = await TestWarehouse.CreateAsync(stack, owner);
        var all = new Dictionary<string, string>(StringComparer.Ordinal) { [SettingNames.BotNetworks] = BotNetworks, [ServiceEndpoints.WarehouseVariable] = warehouse };
        if (settings is not null)
        {
            foreach (var (k, v) in settings) all[k] = v;
        }

        var harness = await PlatformHarness.StartAsync(owner, stack, all, stack.Endpoints with { Warehouse = warehouse });
        var day = DaysAgo(daysAgo);
        var end = DateTimeOffset.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).AddHours(22);
        var generator = new TrafficGenerator(new TrafficOptions { Seed = seed, Users = Math.Max(40, events / 40), Events = events, End = end, Span = TimeSpan.FromHours(20) });
        var result = new EnrichedDay(harness, warehouse, day, generator);
        await result.StreamAsync(generator.Generate());
        return result;
    }

    /// <summary>Sends records through StreamProcessor in 500-record batches and flushes the Firehose stand-in.</summary>
    public async Task StreamAsync(IEnumerable<GeneratedRecord> records, string shard = "shardId-000000000001")
    {
        await using var function = (IAsyncDisposable)await StreamProcessorFunction.CreateAsync(Harness.Environment, CancellationToken.None);
        var handler = (IFunctionHandler)function;
        // One builder for the whole run: sequence numbers keep growing, as on a real shard.
        var builder = _builders.TryGetValue(shard, out var b) ? b : _builders[shard] = new KinesisEventBuilder(shard);
        var start = builder.Records.Count;
        foreach (var r in records) builder.Add(r.Data, r.PartitionKey);
        for (var from = start; from < builder.Records.Count; from += 500)
        {
            var batch = KinesisEventBuilder.Event(builder.Records.Skip(from).Take(500));
            var response = JsonSerializer.Deserialize(await handler.InvokeAsync(batch, LambdaInvocation.Local(TimeSpan.FromMinutes(5)), CancellationToken.None), LambdaEventsJsonContext.Default.StreamsEventResponse)!;
            Assert.Empty(response.BatchItemFailures);
        }

        await Harness.FlushAsync();
    }

    public async Task<IFunctionHandler> BatchLoaderAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var env = Harness.Environment;
        if (settings is not null)
        {
            var all = new Dictionary<string, string>(env.Settings, StringComparer.Ordinal);
            foreach (var (k, v) in settings) all[k] = v;
            env = env with { Settings = all };
        }

        return await BatchLoaderFunction.CreateAsync(env, CancellationToken.None);
    }

    public static async Task<BatchRunSummary> InvokeAsync(IFunctionHandler handler, byte[] evt)
    {
        var response = await handler.InvokeAsync(evt, LambdaInvocation.Local(TimeSpan.FromMinutes(15)), CancellationToken.None);
        return JsonSerializer.Deserialize(response, DomainJson.BatchRunSummary)!;
    }

    /// <summary>What <c>batch --date</c> does: a backfill invocation, then one per partition it left.</summary>
    public static async Task<List<BatchRunSummary>> BackfillAsync(IFunctionHandler handler, string day, string? hour = null)
    {
        var first = await InvokeAsync(handler, BatchLoaderFunction.BackfillEvent(day, hour));
        var all = new List<BatchRunSummary> { first };
        foreach (var p in first.Remaining)
        {
            var parts = p.Split('/');
            all.Add(await InvokeAsync(handler, BatchLoaderFunction.PartitionEvent(new PartitionId(parts[0], parts[1], parts[2]))));
        }

        return all;
    }

    public Task<List<BatchRunSummary>> BackfillAsync(IFunctionHandler handler) => BackfillAsync(handler, Day);

    public Task<IReadOnlyDictionary<string, (long Rows, string Hash)>> ChecksumAsync() =>
        TestWarehouse.ChecksumAsync(Warehouse, ECommerceAgents.Adapters.Warehouse.WarehouseCatalog.Tables.Concat(ECommerceAgents.Adapters.Warehouse.WarehouseCatalog.Models));

    public string Bucket(BucketDefinition bucket) => Harness.Names.Bucket(bucket);

    public ValueTask DisposeAsync() => Harness.DisposeAsync();
}
