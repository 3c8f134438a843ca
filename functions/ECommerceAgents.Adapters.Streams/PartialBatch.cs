using ECommerceAgents.Adapters.Aws;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>What happened to one record of a batch put, by its index in the caller's list.</summary>
public sealed record PutOutcome(int Index, string? SequenceNumber, string? ShardId, string? ErrorCode, string? ErrorMessage)
{
    public bool Succeeded => ErrorCode is null;
}

public sealed record BatchPutResult(IReadOnlyList<PutOutcome> Outcomes, int Calls, int RetriedRecords)
{
    public bool AllSucceeded => Outcomes.All(o => o.Succeeded);

    public IEnumerable<PutOutcome> Failures => Outcomes.Where(o => !o.Succeeded);
}

/// <summary>Service limits of one batch-put API.</summary>
public sealed record BatchLimits(int MaxRecords, long MaxBytesPerCall, long MaxBytesPerRecord);

/// <summary>
/// Sends records in calls that respect the service's limits and resends only the records a call reports failed
/// (PutRecords and PutRecordBatch answer per record), with backoff, until they succeed or attempts run out.
/// </summary>
internal static class PartialBatch
{
    public delegate Task<IReadOnlyList<PutOutcome>> SendChunk(IReadOnlyList<int> indexes, CancellationToken cancellationToken);

    public static async Task<BatchPutResult> SendAsync(
        IReadOnlyList<long> sizes,
        BatchLimits limits,
        RetryPolicy retry,
        SendChunk send,
        CancellationToken cancellationToken)
    {
        var outcomes = new PutOutcome?[sizes.Count];
        var pending = new List<int>(sizes.Count);
        for (var i = 0; i < sizes.Count; i++)
        {
            if (sizes[i] > limits.MaxBytesPerRecord)
            {
                outcomes[i] = new PutOutcome(i, null, null, "RecordTooLarge", $"record of {sizes[i]} bytes is over the {limits.MaxBytesPerRecord}-byte limit");
            }
            else
            {
                pending.Add(i);
            }
        }

        var calls = 0;
        var retried = 0;
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            var failed = new List<int>();
            foreach (var chunk in Chunks(pending, sizes, limits))
            {
                calls++;
                var results = await send(chunk, cancellationToken).ConfigureAwait(false);
                foreach (var r in results)
                {
                    outcomes[r.Index] = r;
                    if (!r.Succeeded) failed.Add(r.Index);
                }
            }

            if (failed.Count == 0 || attempt >= retry.MaxAttempts)
            {
                break;
            }

            retried += failed.Count;
            pending = failed;
            await Task.Delay(retry.Delay(attempt), cancellationToken).ConfigureAwait(false);
        }

        return new BatchPutResult(outcomes.Select((o, i) => o ?? new PutOutcome(i, null, null, "NotSent", "not sent")).ToArray(), calls, retried);
    }

    private static IEnumerable<IReadOnlyList<int>> Chunks(List<int> indexes, IReadOnlyList<long> sizes, BatchLimits limits)
    {
        var chunk = new List<int>();
        long bytes = 0;
        foreach (var i in indexes)
        {
            if (chunk.Count > 0 && (chunk.Count == limits.MaxRecords || bytes + sizes[i] > limits.MaxBytesPerCall))
            {
                yield return chunk;
                chunk = [];
                bytes = 0;
            }

            chunk.Add(i);
            bytes += sizes[i];
        }

        if (chunk.Count > 0) yield return chunk;
    }
}
