using ECommerceAgents.Domain.Ingest;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>
/// The API's writer to the events stream: PutRecords in calls of at most 500 records or 5 MiB, resending only the
/// records Kinesis reports failed, within a bounded retry budget so a request can answer 503 rather than hang.
/// </summary>
public sealed class KinesisEventStreamWriter(KinesisClient kinesis, string streamName, RetryPolicy? retry = null) : IEventStreamWriter
{
    /// <summary>About a second of resending before the API gives up with 503.</summary>
    public static readonly RetryPolicy RequestBudget = new(5, TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(400));

    public async Task<StreamWriteResult> WriteAsync(IReadOnlyList<AcceptedEvent> events, CancellationToken cancellationToken)
    {
        var entries = events.Select(e => new PutRecordsRequestEntry(e.Record, e.PartitionKey)).ToArray();
        BatchPutResult result;
        try
        {
            result = await kinesis.PutRecordsAsync(streamName, entries, cancellationToken, retry ?? RequestBudget).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AwsServiceException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new StreamWriteResult(0, Enumerable.Range(0, events.Count).ToArray(), ex is AwsServiceException aws ? aws.ErrorCode : "Unavailable");
        }

        var failed = result.Failures.Select(f => f.Index).ToArray();
        return new StreamWriteResult(events.Count - failed.Length, failed, result.Failures.FirstOrDefault()?.ErrorCode);
    }
}
