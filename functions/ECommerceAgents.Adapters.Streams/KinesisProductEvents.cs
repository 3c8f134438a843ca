using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Catalog;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>product_upserted events onto the events stream with PutRecords (failed records resent); anything still refused fails the import.</summary>
public sealed class KinesisProductEvents(KinesisClient kinesis, string streamName) : IProductEventSink
{
    public async Task PublishAsync(IReadOnlyList<(string PartitionKey, byte[] Data)> events, CancellationToken cancellationToken)
    {
        var entries = events.Select(e => new PutRecordsRequestEntry(e.Data, e.PartitionKey)).ToArray();
        var result = await kinesis.PutRecordsAsync(streamName, entries, cancellationToken).ConfigureAwait(false);
        if (!result.AllSucceeded)
        {
            var first = result.Failures.First();
            throw new AwsServiceException(first.ErrorCode ?? "PutRecordsFailed", $"{result.Failures.Count()} of {events.Count} product events were not accepted: {first.ErrorMessage}", System.Net.HttpStatusCode.ServiceUnavailable);
        }
    }
}
