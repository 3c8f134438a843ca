using ECommerceAgents.IntegrationTests.Adapters;
using ECommerceAgents.Resources;

namespace ECommerceAgents.IntegrationTests.Batch;

/// <summary>
/// The small stage's catalog: with <see cref="SettingNames.GlueRegisterPartitions"/> on, BatchLoader registers every
/// partition it writes to the processed zone in Glue (here a loopback double), instead of an hourly crawler finding it.
/// </summary>
public sealed class BatchLoaderGlueTests
{
    [Fact]
    public async Task Backfill_RegistersEveryProcessedPartition_AtItsFolder()
    {
        await using var glue = await GlueDouble.StartAsync();
        await using var day = await EnrichedDay.CreateAsync("gluepartitions", events: 400, seed: 5);
        var loader = await day.BatchLoaderAsync(new Dictionary<string, string>
        {
            [SettingNames.GlueRegisterPartitions] = "on",
            [SettingNames.GlueDatabase] = "eca_small",
            ["AWS_ENDPOINT_URL_GLUE"] = glue.Endpoint.ToString(),
        });
        try
        {
            var runs = await EnrichedDay.BackfillAsync(loader, day.Day);

            var loaded = runs.SelectMany(r => r.Partitions).Where(p => p.Events > 0).Select(p => p.Partition).ToList();
            Assert.NotEmpty(loaded);
            var processed = day.Bucket(Buckets.Processed);
            foreach (var partition in loaded)
            {
                var parts = partition.Split('/');
                Assert.Equal($"s3://{processed}/events/type={parts[0]}/dt={parts[1]}/hr={parts[2]}/", glue.Locations[$"eca_small.processed_events/{partition}"]);
            }

            Assert.Equal(loaded.Count, glue.Locations.Keys.Count(k => k.StartsWith("eca_small.processed_events/", StringComparison.Ordinal)));
            Assert.Contains(glue.Locations.Keys, k => k.StartsWith("eca_small.order_lines/purchase/", StringComparison.Ordinal));
        }
        finally
        {
            if (loader is IAsyncDisposable d) await d.DisposeAsync();
        }
    }
}
