using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Logs;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>
/// LogTransformer's overflow: records that would push the transformation response past 6 MB go back into the logs
/// delivery stream with PutRecordBatch (failed records resent); anything still refused fails the invocation, so Firehose
/// retries the batch and nothing is lost.
/// </summary>
public sealed class FirehoseLogReingestion(FirehoseClient firehose, string deliveryStreamName) : ILogReingestion
{
    public string DeliveryStreamName => deliveryStreamName;

    public async Task ReingestAsync(IReadOnlyList<byte[]> records, CancellationToken cancellationToken)
    {
        var result = await firehose.PutRecordBatchAsync(deliveryStreamName, records, cancellationToken).ConfigureAwait(false);
        if (!result.AllSucceeded)
        {
            var first = result.Failures.First();
            throw new AwsServiceException(first.ErrorCode ?? "PutRecordBatchFailed", $"{result.Failures.Count()} of {records.Count} re-ingested log records were not accepted: {first.ErrorMessage}", System.Net.HttpStatusCode.ServiceUnavailable);
        }
    }
}
