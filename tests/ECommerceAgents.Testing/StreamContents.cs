using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Adapters.Streams;

namespace ECommerceAgents.Testing;

/// <summary>Reads every record of a stream, from the start of each shard (what a test checks the stream against).</summary>
public static class StreamContents
{
    public static async Task<List<StreamRecord>> ReadAllAsync(KinesisClient kinesis, string stream)
    {
        var read = new List<StreamRecord>();
        foreach (var shard in await kinesis.ListShardsAsync(stream, CancellationToken.None).ConfigureAwait(false))
        {
            var iterator = await kinesis.GetShardIteratorAsync(new GetShardIteratorRequest(stream, shard.ShardId, "TRIM_HORIZON"), CancellationToken.None).ConfigureAwait(false);
            while (true)
            {
                var page = await kinesis.GetRecordsAsync(iterator, 1000, CancellationToken.None).ConfigureAwait(false);
                read.AddRange(page.Records);
                if (page.Records.Count == 0 || page.NextShardIterator is null) break;
                iterator = page.NextShardIterator;
            }
        }

        return read;
    }

    /// <summary>
    /// The events on the stream, one per entry: a record the API packed with several events (newline-delimited) is
    /// split as StreamProcessor splits it (<see cref="StreamInput.SubRecords"/>); each keeps its record's sequence
    /// number and partition key.
    /// </summary>
    public static async Task<List<StreamRecord>> ReadEventsAsync(KinesisClient kinesis, string stream) =>
        [.. (await ReadAllAsync(kinesis, stream).ConfigureAwait(false)).SelectMany(r =>
            new StreamInput(new StreamPosition("", r.SequenceNumber), r.PartitionKey, r.Data, default).SubRecords()
                .Select(e => r with { Data = e.Data.ToArray() }))];
}
