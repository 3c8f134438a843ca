using System.Diagnostics;
using System.Text.Json;
using ECommerceAgents.Domain;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Search;
using ECommerceAgents.Functions.BatchLoader;
using ECommerceAgents.Functions.SearchIndexer;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local;

/// <summary>What a local batch run did: each BatchLoader invocation's answer, and the SearchIndexer run over the outbox it wrote.</summary>
public sealed record BatchDayResult(IReadOnlyList<BatchRunSummary> Invocations, SearchIndexingResult? Search, TimeSpan Elapsed)
{
    public IEnumerable<PartitionSummary> Partitions => Invocations.SelectMany(i => i.Partitions);

    public int Events => Invocations.Sum(i => i.Events);
}

/// <summary>
/// The batch as Lambda would run it, in process: the BatchLoader handler gets a backfill event for the day (it plans
/// from the watermarks and loads the first pending partition), then one invocation per partition it left — what
/// fan-out does in AWS. SearchIndexer then gets the S3 Object Created event for each outbox object the runs wrote.
/// </summary>
public static class BatchRunner
{
    public static async Task<BatchDayResult> RunAsync(FunctionEnvironment environment, string date, string? hour, TextWriter? progress, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var loader = await BatchLoaderFunction.CreateAsync(environment, cancellationToken).ConfigureAwait(false);
        var indexer = await SearchIndexerFunction.CreateAsync(environment, cancellationToken).ConfigureAwait(false);
        try
        {
            var first = await InvokeAsync(loader, BatchLoaderFunction.BackfillEvent(date, hour), cancellationToken).ConfigureAwait(false);
            var all = new List<BatchRunSummary> { first };
            var done = first.Loaded.Count;
            var total = done + first.Remaining.Count;
            progress?.WriteLine($"batch {date}{(hour is null ? "" : " hr=" + hour)}: {total} partition(s) to load, {first.UpToDate} up to date");
            foreach (var p in first.Remaining)
            {
                var parts = p.Split('/');
                all.Add(await InvokeAsync(loader, BatchLoaderFunction.PartitionEvent(new PartitionId(parts[0], parts[1], parts[2])), cancellationToken).ConfigureAwait(false));
                if (++done % 20 == 0) progress?.WriteLine($"  {done}/{total} partitions");
            }

            SearchIndexingResult? search = null;
            var outbox = all.SelectMany(a => a.SearchOutbox).Distinct(StringComparer.Ordinal).ToArray();
            var bucket = environment.Names.Bucket(Buckets.Processed);
            foreach (var key in outbox)
            {
                // EventBridge carries one object per event: one invocation per outbox object, summed.
                var evt = S3EventBridgeSource.ObjectCreatedEvent(bucket, key, region: environment.Endpoints.Region);
                var response = await indexer.InvokeAsync(JsonSerializer.SerializeToUtf8Bytes(evt, LambdaEventsJsonContext.Default.EventBridgeEvent), LambdaInvocation.Local(TimeSpan.FromMinutes(5)), cancellationToken).ConfigureAwait(false);
                var one = JsonSerializer.Deserialize(response, SearchIndexerJsonContext.Default.SearchIndexingResult)!;
                search = search is null ? one : Sum(search, one);
            }

            return new BatchDayResult(all, search, watch.Elapsed);
        }
        finally
        {
            if (loader is IAsyncDisposable l) await l.DisposeAsync().ConfigureAwait(false);
            if (indexer is IAsyncDisposable i) await i.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static SearchIndexingResult Sum(SearchIndexingResult a, SearchIndexingResult b) => a with
    {
        Objects = a.Objects + b.Objects,
        Actions = a.Actions + b.Actions,
        Succeeded = a.Succeeded + b.Succeeded,
        Retried = a.Retried + b.Retried,
        Rejected = a.Rejected + b.Rejected,
        InvalidLines = a.InvalidLines + b.InvalidLines,
        Exported = [.. a.Exported, .. b.Exported],
    };

    private static async Task<BatchRunSummary> InvokeAsync(IFunctionHandler handler, byte[] payload, CancellationToken cancellationToken)
    {
        var response = await handler.InvokeAsync(payload, LambdaInvocation.Local(TimeSpan.FromMinutes(15)), cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(response, DomainJson.BatchRunSummary)!;
    }
}
