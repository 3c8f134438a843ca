using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>The enriched zone through Firehose: PutRecordBatch with the failed records resent; anything still failing fails the call.</summary>
public sealed class FirehoseEnrichedSink(FirehoseClient firehose, string deliveryStreamName) : IEnrichedSink
{
    public async Task SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken)
    {
        var result = await firehose.PutRecordBatchAsync(deliveryStreamName, records, cancellationToken).ConfigureAwait(false);
        if (!result.AllSucceeded)
        {
            var first = result.Failures.First();
            throw new AwsServiceException(first.ErrorCode ?? "PutRecordBatchFailed", $"{result.Failures.Count()} of {records.Count} records were not accepted: {first.ErrorMessage}", System.Net.HttpStatusCode.ServiceUnavailable);
        }
    }
}
