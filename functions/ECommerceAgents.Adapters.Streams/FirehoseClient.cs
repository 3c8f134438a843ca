using ECommerceAgents.Adapters.Aws;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>Firehose PutRecordBatch over <see cref="SigV4JsonClient"/>.</summary>
public sealed class FirehoseClient(SigV4JsonClient client)
{
    /// <summary>500 records, 4 MiB per call, 1,000 KiB per record.</summary>
    public static readonly BatchLimits Limits = new(500, 4L * 1024 * 1024, 1000 * 1024);

    public SigV4JsonClient Transport => client;

    public Task<BatchPutResult> PutRecordBatchAsync(string deliveryStreamName, IReadOnlyList<byte[]> records, CancellationToken cancellationToken, RetryPolicy? retry = null) =>
        PutRecordBatchAsync(deliveryStreamName, records.Select(r => (ReadOnlyMemory<byte>)r).ToArray(), cancellationToken, retry);

    public Task<BatchPutResult> PutRecordBatchAsync(string deliveryStreamName, IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken, RetryPolicy? retry = null)
    {
        var sizes = records.Select(r => (long)r.Length).ToArray();
        return PartialBatch.SendAsync(sizes, Limits, retry ?? client.Retry, async (indexes, ct) =>
        {
            var request = new PutRecordBatchRequest(deliveryStreamName, indexes.Select(i => new FirehoseRecord(records[i])).ToArray());
            var response = await client.CallAsync("PutRecordBatch", request, StreamsJsonContext.Default.PutRecordBatchRequest, StreamsJsonContext.Default.PutRecordBatchResponse, ct, retry).ConfigureAwait(false);
            return indexes.Select((index, k) =>
            {
                var entry = k < response.RequestResponses.Count ? response.RequestResponses[k] : new PutRecordBatchResponseEntry { ErrorCode = "MissingResult", ErrorMessage = "no result entry" };
                return new PutOutcome(index, entry.RecordId, null, entry.ErrorCode, entry.ErrorMessage);
            }).ToArray();
        }, cancellationToken);
    }
}
