using System.Text;
using ECommerceAgents.Adapters.Aws;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>The Kinesis Data Streams calls the platform makes, over <see cref="SigV4JsonClient"/>.</summary>
public sealed class KinesisClient(SigV4JsonClient client)
{
    /// <summary>500 records, 5 MiB per call, 1 MiB per record (data plus partition key).</summary>
    public static readonly BatchLimits Limits = new(500, 5L * 1024 * 1024, 1024 * 1024);

    private static StreamsJsonContext Json => StreamsJsonContext.Default;

    public SigV4JsonClient Transport => client;

    /// <summary>Puts the records, resending those that fail (throttling, internal failure) until they succeed or the retry policy gives up.</summary>
    public Task<BatchPutResult> PutRecordsAsync(string streamName, IReadOnlyList<PutRecordsRequestEntry> records, CancellationToken cancellationToken, RetryPolicy? retry = null)
    {
        var sizes = records.Select(r => (long)r.Data.Length + Encoding.UTF8.GetByteCount(r.PartitionKey)).ToArray();
        return PartialBatch.SendAsync(sizes, Limits, retry ?? client.Retry, async (indexes, ct) =>
        {
            var request = new PutRecordsRequest(streamName, indexes.Select(i => records[i]).ToArray());
            var response = await client.CallAsync("PutRecords", request, Json.PutRecordsRequest, Json.PutRecordsResponse, ct, retry).ConfigureAwait(false);
            return indexes.Select((index, k) =>
            {
                var entry = k < response.Records.Count ? response.Records[k] : new PutRecordsResultEntry { ErrorCode = "MissingResult", ErrorMessage = "no result entry" };
                return new PutOutcome(index, entry.SequenceNumber, entry.ShardId, entry.ErrorCode, entry.ErrorMessage);
            }).ToArray();
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<Shard>> ListShardsAsync(string streamName, CancellationToken cancellationToken)
    {
        var shards = new List<Shard>();
        string? next = null;
        do
        {
            var request = next is null ? new ListShardsRequest { StreamName = streamName } : new ListShardsRequest { NextToken = next };
            var page = await client.CallAsync("ListShards", request, Json.ListShardsRequest, Json.ListShardsResponse, cancellationToken).ConfigureAwait(false);
            shards.AddRange(page.Shards);
            next = page.NextToken;
        }
        while (next is not null);
        return shards;
    }

    public async Task<string> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken)
    {
        var response = await client.CallAsync("GetShardIterator", request, Json.GetShardIteratorRequest, Json.GetShardIteratorResponse, cancellationToken).ConfigureAwait(false);
        return response.ShardIterator ?? throw new AwsServiceException("NoIterator", "GetShardIterator returned no iterator", System.Net.HttpStatusCode.OK);
    }

    public Task<GetRecordsResponse> GetRecordsAsync(string shardIterator, int? limit, CancellationToken cancellationToken) =>
        client.CallAsync("GetRecords", new GetRecordsRequest(shardIterator) { Limit = limit }, Json.GetRecordsRequest, Json.GetRecordsResponse, cancellationToken);

    public Task<EmptyResponse> CreateStreamAsync(string streamName, int shardCount, CancellationToken cancellationToken) =>
        client.CallAsync("CreateStream", new CreateStreamRequest(streamName) { ShardCount = shardCount }, Json.CreateStreamRequest, Json.EmptyResponse, cancellationToken);

    public async Task<StreamDescriptionSummary> DescribeStreamSummaryAsync(string streamName, CancellationToken cancellationToken) =>
        (await client.CallAsync("DescribeStreamSummary", new StreamNameRequest(streamName), Json.StreamNameRequest, Json.DescribeStreamSummaryResponse, cancellationToken).ConfigureAwait(false)).StreamDescriptionSummary;
}
