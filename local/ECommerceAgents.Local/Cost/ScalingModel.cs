namespace ECommerceAgents.Local.Cost;

/// <summary>
/// Every figure of the scaling model at one daily volume, unrounded. Rates are at the peak (the day's average ×
/// <see cref="ScalingInputs.PeakToAverage"/>) unless named otherwise.
/// </summary>
public sealed record ScalingEstimate
{
    public required double EventsPerDay { get; init; }

    public required double AverageEventsPerSecond { get; init; }

    public required double PeakEventsPerSecond { get; init; }

    public required double PeakRequestsPerSecond { get; init; }

    // Kinesis.
    public required double PeakRecordsPerSecond { get; init; }

    public required double PeakMiBPerSecond { get; init; }

    /// <summary>Shards the writes need: ceil(records/s ÷ 1,000) or ceil(MiB/s ÷ 1), whichever is larger.</summary>
    public required int ShardsToWrite { get; init; }

    /// <summary>Shards StreamProcessor needs to drain the peak: ceil(records/s ÷ the measured drain per shard).</summary>
    public required int ShardsToDrain { get; init; }

    /// <summary>Records/s each shard receives when the stream has only <see cref="ShardsToWrite"/> shards.</summary>
    public required double RecordsPerShardAtWriteCount { get; init; }

    // Lambda concurrency.
    public required int StreamProcessorConcurrency { get; init; }

    public required int ApiConcurrency { get; init; }

    public required double LogMiBPerSecond { get; init; }

    /// <summary>The enriched records LogTransformer partitions (it is the enriched stream's Lambda processor too).</summary>
    public required double PartitionedMiBPerSecond { get; init; }

    public required int LogTransformerConcurrency { get; init; }

    public required int BatchLoaderConcurrency { get; init; }

    /// <summary>All functions at once, the reserved pools (ApiStream, BatchLoader) counted whole: they leave the account's pool.</summary>
    public required int AccountConcurrency { get; init; }

    // DynamoDB.
    public required double DedupTableWriteUnits { get; init; }

    public required double OtherTablesWriteUnits { get; init; }

    public required double ReadUnits { get; init; }

    /// <summary>Writes/s to one hot item: each shard writes an entity at most once per batch, back to back.</summary>
    public required double HotItemWritesPerSecond { get; init; }

    // Firehose.
    public required double EnrichedRecordsPerSecond { get; init; }

    public required double EnrichedMiBPerSecond { get; init; }

    public required double EnrichedCallsPerSecond { get; init; }

    public required int EnrichedActivePartitions { get; init; }

    // S3.
    public required double ObjectsPerDay { get; init; }

    public required double QuarantineObjectsPerDay { get; init; }

    /// <summary>The busiest prefix's PUTs/s: the quarantine's, all under one reason's hour in the worst case.</summary>
    public required double PeakPutsPerPrefix { get; init; }

    // KMS.
    public required double KmsRequestsPerSecond { get; init; }

    // Batch.
    public required int PartitionsPerHour { get; init; }

    public required double PeakHourEvents { get; init; }

    public required double LargestPartitionEvents { get; init; }

    public required double LargestPartitionSeconds { get; init; }

    public required double LargestPartitionMemoryMb { get; init; }

    /// <summary>BatchLoader-seconds the peak hour's partitions take, one after another.</summary>
    public required double BatchSecondsPerPeakHour { get; init; }

    // Redshift.
    public required int RedshiftRpuNeeded { get; init; }
}

/// <summary>
/// How the platform's AWS footprint grows with the daily event volume: Kinesis shards, Lambda concurrency per function,
/// DynamoDB throughput, Firehose, S3 objects, KMS requests, batch partitions, BatchLoader fan-out and Redshift RPU, each
/// against the AWS quota that caps it (<see cref="AwsQuotas"/>). Inputs are the cost model's measured figures and the
/// benchmarks' (<see cref="ScalingInputs"/>); README "Scaling model (issue 19)" prints <see cref="ScalingTable"/>.
/// </summary>
public sealed class ScalingModel(ScalingInputs inputs)
{
    public const double SecondsPerDay = 86_400;
    private const double MiB = 1024.0 * 1024;

    public static ScalingModel Default { get; } = new(new ScalingInputs());

    /// <summary>The volumes issue 19 asks about: 10 M, 100 M and 1 B events a day.</summary>
    public static IReadOnlyList<double> IssueVolumes { get; } = [10e6, 100e6, 1e9];

    public ScalingInputs Inputs { get; } = inputs;

    public ScalingEstimate Estimate(double eventsPerDay)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(eventsPerDay);
        var i = Inputs;
        var c = i.Cost;
        var average = eventsPerDay / SecondsPerDay;
        var peak = average * i.PeakToAverage;
        var requests = peak / i.EventsPerRequest;

        var records = peak * i.KinesisRecordsPerEvent;
        var mib = peak * i.EventBytes / MiB;
        var toWrite = Math.Max(Ceiling(records / AwsQuotas.ShardWriteRecords.Value), Ceiling(mib / AwsQuotas.ShardWriteMiB.Value));
        var toDrain = Ceiling(records / i.RecordsPerSecondPerShard);
        var shards = Math.Max(toWrite, toDrain);

        var streamProcessor = shards * i.ParallelizationFactor;
        var api = Ceiling(requests * c.ApiSecondsPerRequest);
        var invocations = peak / c.StreamProcessorBatchSize;
        var logMib = (requests * c.LogBytesPerRequest + invocations * c.LogBytesPerBatch) / MiB;
        // LogTransformer is also the enriched stream's partitioner: one invocation per MB of enriched records.
        var enrichedMib = peak * c.ValidFraction * c.EnrichedRecordBytes / MiB;
        var logTransformer = Ceiling(logMib / i.LogTransformerBufferMb * i.LogTransformerSecondsPerInvocation + enrichedMib / i.LogTransformerBufferMb * c.PartitionerSecondsPerInvocation);

        var peakHour = eventsPerDay / 24 * i.PeakToAverage;
        var partitions = c.EnrichedActivePartitions;
        var largest = peakHour * i.LargestPartitionShare;
        var batchSeconds = partitions * c.BatchLoaderBaseSeconds + peakHour / i.PartitionEventsPerSecond;
        var batchLoader = Math.Min(i.BatchLoaderReservedConcurrency, Ceiling(batchSeconds / 3_600));

        var enrichedRecords = peak * c.ValidFraction;
        return new ScalingEstimate
        {
            EventsPerDay = eventsPerDay,
            AverageEventsPerSecond = average,
            PeakEventsPerSecond = peak,
            PeakRequestsPerSecond = requests,
            PeakRecordsPerSecond = records,
            PeakMiBPerSecond = mib,
            ShardsToWrite = toWrite,
            ShardsToDrain = toDrain,
            RecordsPerShardAtWriteCount = records / toWrite,
            StreamProcessorConcurrency = streamProcessor,
            ApiConcurrency = api,
            LogMiBPerSecond = logMib,
            PartitionedMiBPerSecond = enrichedMib,
            LogTransformerConcurrency = logTransformer,
            BatchLoaderConcurrency = batchLoader,
            AccountConcurrency = streamProcessor + api + logTransformer + i.BatchLoaderReservedConcurrency + i.ApiStreamReservedConcurrency,
            DedupTableWriteUnits = peak * c.DedupMarkersPer1000Events / 1_000 + requests * i.ApiWritesPerRequest,
            OtherTablesWriteUnits = peak * (c.DynamoWriteUnitsPer1000Events - c.DedupMarkersPer1000Events) / 1_000,
            ReadUnits = peak * c.DynamoReadUnitsPer1000Events / 1_000,
            HotItemWritesPerSecond = shards * 1_000 / i.BatchMilliseconds,
            EnrichedRecordsPerSecond = enrichedRecords,
            EnrichedMiBPerSecond = enrichedRecords * c.EnrichedRecordBytes / MiB,
            EnrichedCallsPerSecond = peak * c.FirehoseCallsPer1000Events / 1_000,
            EnrichedActivePartitions = partitions,
            ObjectsPerDay = ObjectsPerDay(eventsPerDay, partitions),
            QuarantineObjectsPerDay = eventsPerDay * i.QuarantineFraction,
            PeakPutsPerPrefix = peak * i.QuarantineFraction,
            KmsRequestsPerSecond = KmsRequestsPerSecond(api, streamProcessor),
            PartitionsPerHour = partitions,
            PeakHourEvents = peakHour,
            LargestPartitionEvents = largest,
            LargestPartitionSeconds = c.BatchLoaderBaseSeconds + largest / i.PartitionEventsPerSecond,
            LargestPartitionMemoryMb = largest * i.PartitionMemoryBytesPerEvent / MiB,
            BatchSecondsPerPeakHour = batchSeconds,
            RedshiftRpuNeeded = RedshiftRpu(peakHour),
        };
    }

    /// <summary>
    /// Objects a day: the raw archive (one per 60 s buffer, or per 64 MB when it fills first), the enriched zone (the same
    /// per active partition), the quarantine (one per rejected event) and BatchLoader's objects per partition and hour.
    /// </summary>
    private double ObjectsPerDay(double eventsPerDay, int partitions)
    {
        var c = Inputs.Cost;
        var flushesByTime = SecondsPerDay / c.FirehoseBufferSeconds;
        var buffer = c.FirehoseBufferMb * MiB;
        var raw = Math.Max(flushesByTime, eventsPerDay * Inputs.EventBytes / buffer);
        var enrichedPerPartition = eventsPerDay * c.ValidFraction * c.EnrichedRecordBytes / partitions / buffer;
        var enriched = partitions * Math.Max(flushesByTime, enrichedPerPartition);
        var batch = partitions * 24 * Inputs.ObjectsPerPartition;
        return raw + enriched + eventsPerDay * Inputs.QuarantineFraction + batch;
    }

    /// <summary>
    /// KMS requests/s we cause: each credential (one per Lambda environment, one per Firehose role) asks for the stream's
    /// data key about once per reuse period (Api: GenerateDataKey; StreamProcessor and the raw-archive Firehose: Decrypt),
    /// each environment decrypts its SecureStrings once per cache period, and each writer of the KMS-encrypted zones (the
    /// quarantine: StreamProcessor; the raw archive: Firehose) gets an S3 Bucket Key about once per period. DynamoDB's
    /// table key is cached per connection and re-decrypted only after five idle minutes: nothing at steady traffic.
    /// Crypto-shredding adds, an hour, one key-encryption key per Api environment (GenerateDataKey) and its Decrypt by
    /// every StreamProcessor environment.
    /// </summary>
    private double KmsRequestsPerSecond(int api, int streamProcessor)
    {
        var i = Inputs;
        const int firehoseRoles = 1;
        var streamKeys = api + streamProcessor + firehoseRoles;
        var parameters = api * i.ApiSecureParameters + streamProcessor * i.StreamProcessorSecureParameters;
        var bucketKeys = streamProcessor + firehoseRoles;
        var subjectKeys = (api + ((double)api * streamProcessor)) / 3_600;
        return ((streamKeys + parameters + bucketKeys) / i.KmsReuseSeconds) + subjectKeys;
    }

    /// <summary>Base RPU that loads the peak hour within the load window, rounded up to Redshift Serverless's steps of 8.</summary>
    private int RedshiftRpu(double peakHourEvents)
    {
        var window = 3_600 * Inputs.WarehouseLoadWindowShare;
        var rpu = peakHourEvents / (Inputs.WarehouseEventsPerSecondPerRpu * window);
        var step = (int)AwsQuotas.RedshiftMinBaseRpu.Value;
        return Math.Max(step, Ceiling(rpu / step) * step);
    }

    /// <summary>The largest daily volume the configured base RPU loads within the window (the 1 B row's headroom).</summary>
    public double EventsPerDayAtConfiguredRpu =>
        Inputs.RedshiftBaseRpu * Inputs.WarehouseEventsPerSecondPerRpu * 3_600 * Inputs.WarehouseLoadWindowShare * 24 / Inputs.PeakToAverage;

    private static int Ceiling(double value) => (int)Math.Ceiling(value - 1e-9);
}
