using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>
/// The enriched zone through Firehose: the micro-batch's records packed into as few Firehose records as the limits
/// allow, joined by the stream's sub-record delimiter, which Firehose's multi-record deaggregation splits again before
/// partitioning (so the zone's objects hold the same newline-delimited records as one Firehose record per event gave).
/// Firehose bills ingestion per record in 5 KB steps: a 1.2 KB enriched record alone is billed 5 KB, packed records pay
/// for their bytes (issue 18). PutRecordBatch resends the failed records; anything still failing fails the call.
/// </summary>
public sealed class FirehoseEnrichedSink(FirehoseClient firehose, string deliveryStreamName) : IEnrichedSink
{
    /// <summary>Firehose deaggregates at most 500 sub-records per record.</summary>
    public const int MaxSubRecords = 500;

    private static readonly byte Delimiter = (byte)DeliveryStreams.Enriched.SubRecordDelimiter![0];

    public async Task SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken)
    {
        var packed = Pack(records, FirehoseClient.Limits.MaxBytesPerRecord);
        var result = await firehose.PutRecordBatchAsync(deliveryStreamName, packed, cancellationToken).ConfigureAwait(false);
        if (!result.AllSucceeded)
        {
            var first = result.Failures.First();
            throw new AwsServiceException(first.ErrorCode ?? "PutRecordBatchFailed", $"{result.Failures.Count()} of {packed.Count} packed records ({records.Count} events) were not accepted: {first.ErrorMessage}", System.Net.HttpStatusCode.ServiceUnavailable);
        }
    }

    /// <summary>
    /// Packs the records in order: each packed record holds at most <see cref="MaxSubRecords"/> of them and at most
    /// <paramref name="maxBytes"/> bytes, delimiters included. A record larger than that alone goes out alone (Firehose
    /// then refuses it, as it would unpacked).
    /// </summary>
    public static IReadOnlyList<byte[]> Pack(IReadOnlyList<ReadOnlyMemory<byte>> records, long maxBytes)
    {
        var packed = new List<byte[]>();
        var start = 0;
        while (start < records.Count)
        {
            long bytes = records[start].Length;
            var end = start + 1;
            while (end < records.Count && end - start < MaxSubRecords && bytes + 1 + records[end].Length <= maxBytes)
            {
                bytes += 1 + records[end].Length;
                end++;
            }

            var buffer = new byte[bytes];
            var offset = 0;
            for (var i = start; i < end; i++)
            {
                if (i > start) buffer[offset++] = Delimiter;
                records[i].Span.CopyTo(buffer.AsSpan(offset));
                offset += records[i].Length;
            }

            packed.Add(buffer);
            start = end;
        }

        return packed;
    }
}
