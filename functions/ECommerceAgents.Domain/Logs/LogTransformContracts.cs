namespace ECommerceAgents.Domain.Logs;

/// <summary>One record of a Firehose transformation batch, with its data still base64 as it arrived.</summary>
public sealed record LogInputRecord(string RecordId, string Data, long ApproximateArrivalTimestamp);

/// <summary>
/// The answer for one record. <see cref="Data"/> is base64: the normalised lines for <c>Ok</c>, the original data
/// untouched for <c>ProcessingFailed</c>, empty for <c>Dropped</c>.
/// </summary>
public sealed record LogOutputRecord(string RecordId, string Result, string Data, IReadOnlyDictionary<string, string>? PartitionKeys);

/// <summary>Puts records back into the logs delivery stream (PutRecordBatch), for the response's overflow.</summary>
public interface ILogReingestion
{
    Task ReingestAsync(IReadOnlyList<byte[]> records, CancellationToken cancellationToken);
}

public sealed record LogTransformOptions
{
    /// <summary>Lambda's response limit is 6 MB (6,291,456 bytes); like AWS's blueprint we stop at 6,000,000 to keep room for the envelope.</summary>
    public int ResponseBudgetBytes { get; init; } = 6_000_000;

    /// <summary>Largest decompressed CloudWatch Logs payload accepted; bigger is treated as a gzip bomb.</summary>
    public int MaxDecompressedBytes { get; init; } = 6 * 1024 * 1024;

    /// <summary>Size of the log-event groups an oversized CloudWatch Logs record is split into before re-ingestion.</summary>
    public int SplitChunkBytes { get; init; } = 512 * 1024;

    /// <summary>Log-group name prefixes stripped to get a service name (<c>/aws/lambda/eca-checkout</c> → <c>checkout</c>).</summary>
    public IReadOnlyList<string> ServicePrefixes { get; init; } = ["eca-"];

    /// <summary>A line time further than this before its arrival partitions by arrival time (a bad clock must not create old partitions).</summary>
    public TimeSpan MaxPast { get; init; } = TimeSpan.FromDays(7);

    public TimeSpan MaxFuture { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>Counts of one invocation, for EMF metrics.</summary>
public sealed class LogBatchStats
{
    public int Records { get; set; }

    public int Ok { get; set; }

    public int Dropped { get; set; }

    public int Failed { get; set; }

    public int ControlMessages { get; set; }

    public int LinesIn { get; set; }

    public int LinesOut { get; set; }

    public int NoiseLines { get; set; }

    public int Reingested { get; set; }

    public int ReingestedRecords { get; set; }

    public int Split { get; set; }

    public long ResponseBytes { get; set; }

    public Dictionary<string, int> FailureReasons { get; } = new(StringComparer.Ordinal);

    public MaskCounts Masked { get; } = new();

    internal void Fail(string reason)
    {
        Failed++;
        FailureReasons[reason] = FailureReasons.GetValueOrDefault(reason) + 1;
    }
}

public sealed record LogBatchResult(IReadOnlyList<LogOutputRecord> Records, LogBatchStats Stats);
