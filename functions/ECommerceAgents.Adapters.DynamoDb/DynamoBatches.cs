using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>The retry of DynamoDB's batch calls: unprocessed items are sent again with jittered exponential backoff.</summary>
internal static class DynamoBatches
{
    /// <summary>25 ms doubling per attempt, at most a second, with half of it random.</summary>
    public static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(1000, 25 * Math.Pow(2, attempt)) * (0.5 + (Random.Shared.NextDouble() / 2)));

    /// <summary>One BatchWriteItem round (at most 25 requests), following UnprocessedItems until none are left.</summary>
    public static async Task WriteAsync(IAmazonDynamoDB dynamo, string table, WriteRequest[] chunk, CancellationToken cancellationToken)
    {
        var pending = new Dictionary<string, List<WriteRequest>> { [table] = [.. chunk] };
        for (var attempt = 0; pending.Count > 0; attempt++)
        {
            if (attempt > 0) await Task.Delay(Backoff(attempt), cancellationToken).ConfigureAwait(false);
            if (attempt > 10) throw new ProvisionedThroughputExceededException("BatchWriteItem kept returning unprocessed items");
            var response = await dynamo.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending }, cancellationToken).ConfigureAwait(false);
            pending = response.UnprocessedItems is { Count: > 0 } unprocessed ? unprocessed : [];
        }
    }
}
