namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>The settings of Lambda's Kinesis event source mapping that the local poller honours.</summary>
public sealed record KinesisEventSourceOptions
{
    public int BatchSize { get; init; } = 100;

    public TimeSpan MaximumBatchingWindow { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>-1 retries until the records expire, as in AWS.</summary>
    public int MaximumRetryAttempts { get; init; } = 10;

    public TimeSpan? MaximumRecordAge { get; init; }

    public bool BisectBatchOnFunctionError { get; init; } = true;

    public bool ReportBatchItemFailures { get; init; } = true;

    public string StartingPosition { get; init; } = "TRIM_HORIZON";

    /// <summary>The bucket of the S3 on-failure destination, which receives the whole failed batch.</summary>
    public string? OnFailureBucket { get; init; }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often the shard list is read again to find the shards a split or a merge made.</summary>
    public TimeSpan ShardDiscoveryInterval { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaximumRetryBackoff { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan InvocationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public string? CheckpointFile { get; init; }
}

/// <summary>Counters of what the poller did, for tests and the demo report.</summary>
public sealed class KinesisEventSourceStats
{
    private long _invocations, _records, _redelivered, _functionErrors, _partialFailures, _bisections, _retries, _sentToOnFailure;

    public long Invocations => Interlocked.Read(ref _invocations);

    public long RecordsDelivered => Interlocked.Read(ref _records);

    /// <summary>Records delivered again after a failed or bisected invocation (each time counted).</summary>
    public long RecordsRedelivered => Interlocked.Read(ref _redelivered);

    public long FunctionErrors => Interlocked.Read(ref _functionErrors);

    public long PartialFailures => Interlocked.Read(ref _partialFailures);

    public long Bisections => Interlocked.Read(ref _bisections);

    public long Retries => Interlocked.Read(ref _retries);

    public long RecordsSentToOnFailure => Interlocked.Read(ref _sentToOnFailure);

    internal void Invoked(int records, bool redelivery)
    {
        Interlocked.Increment(ref _invocations);
        Interlocked.Add(ref _records, records);
        if (redelivery) Interlocked.Add(ref _redelivered, records);
    }

    internal void FunctionError() => Interlocked.Increment(ref _functionErrors);

    internal void PartialFailure() => Interlocked.Increment(ref _partialFailures);

    internal void Bisected() => Interlocked.Increment(ref _bisections);

    internal void Retried() => Interlocked.Increment(ref _retries);

    internal void SentToOnFailure(int records) => Interlocked.Add(ref _sentToOnFailure, records);
}
