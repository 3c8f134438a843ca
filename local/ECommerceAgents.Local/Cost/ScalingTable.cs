using System.Globalization;
using System.Text;

namespace ECommerceAgents.Local.Cost;

/// <summary>One figure at one volume: what it is, and the number that is checked against the limit that caps it.</summary>
public sealed record ScalingCell(string Text, double Value, double Limit)
{
    /// <summary>The checked number as a share of its limit; 0 where the row has no limit.</summary>
    public double Utilisation => Limit > 0 ? Value / Limit : 0;

    public bool Over => Limit > 0 && Value > Limit;
}

/// <summary>One area of the scaling model: a figure per volume, what caps it (with the documented value) and what to change past it.</summary>
public sealed record ScalingRow(string Area, IReadOnlyList<ScalingCell> Cells, string CappedBy, string PastIt, IReadOnlyList<AwsQuota> Quotas);

/// <summary>The scaling model as rows, and as the Markdown table README "Scaling model (issue 19)" holds (a test keeps them equal).</summary>
public static class ScalingTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static IReadOnlyList<ScalingRow> Rows(ScalingModel model, IReadOnlyList<double> eventsPerDay)
    {
        ArgumentNullException.ThrowIfNull(model);
        var e = eventsPerDay.Select(model.Estimate).ToArray();
        var i = model.Inputs;
        ScalingCell[] Cells(Func<ScalingEstimate, ScalingCell> cell) => [.. e.Select(cell)];
        return
        [
            new("Load (peak = average × " + N(i.PeakToAverage, "0.#") + ", assumed)",
                Cells(x => new($"{N(x.AverageEventsPerSecond)} → {N(x.PeakEventsPerSecond)} events/s, {N(x.PeakRequestsPerSecond)} requests/s", 0, 0)),
                "—", "`--peak` changes the assumption", []),
            ShardsRow(i, e),
            new("Lambda: StreamProcessor",
                Cells(x => new($"{N(x.StreamProcessorConcurrency)} (one per shard)", x.StreamProcessorConcurrency, AwsQuotas.AccountConcurrency.Value)),
                $"One batch per shard at a time: parallelization factor {i.ParallelizationFactor} (AWS allows {N(AwsQuotas.MaxParallelizationFactor.Value)}); the account's {N(AwsQuotas.AccountConcurrency.Value)} concurrent executions, shared by every function",
                "More shards, not a higher factor (the watermarks are per shard); raise the account quota", [AwsQuotas.MaxParallelizationFactor, AwsQuotas.AccountConcurrency]),
            new("Lambda: Api",
                Cells(x => new($"{N(x.ApiConcurrency)} ({N(x.PeakRequestsPerSecond)} requests/s × {N(i.Cost.ApiSecondsPerRequest * 1_000)} ms)", x.ApiConcurrency, AwsQuotas.AccountConcurrency.Value)),
                $"The account's {N(AwsQuotas.AccountConcurrency.Value)} concurrent executions (one request per environment)",
                "Raise the account quota; or the Fargate front door (issue 18) at steady high rates", [AwsQuotas.AccountConcurrency]),
            new("Lambda: LogTransformer",
                Cells(x => new($"{N(x.LogTransformerConcurrency)} ({N(x.LogMiBPerSecond, "0.00")} MiB/s of our own logs, {N(x.PartitionedMiBPerSecond, "0.00")} MiB/s of enriched events to partition, {N(i.LogTransformerBufferMb)} MB per invocation)", x.LogTransformerConcurrency, AwsQuotas.AccountConcurrency.Value)),
                $"The account's {N(AwsQuotas.AccountConcurrency.Value)}; Firehose keeps at most {N(AwsQuotas.FirehoseLambdaInvocationsPerShard.Value)} invocations outstanding per internal shard",
                "Larger transform buffers (fewer, longer invocations); the shop's own service logs come on top", [AwsQuotas.AccountConcurrency, AwsQuotas.FirehoseLambdaInvocationsPerShard]),
            new("Lambda: BatchLoader (fan-out)",
                Cells(x => new($"{N(x.BatchLoaderConcurrency)} of {i.BatchLoaderReservedConcurrency} reserved ({N(x.BatchSecondsPerPeakHour)} s of loads in the peak hour)", x.BatchSecondsPerPeakHour / 3_600, i.BatchLoaderReservedConcurrency)),
                $"Our reserved concurrency {i.BatchLoaderReservedConcurrency} (so MERGEs do not flood the warehouse)",
                "Raise the reservation with the warehouse's RPU; the largest partition, not the fan-out, binds first (below)", [AwsQuotas.AccountConcurrency]),
            new("Lambda: all functions",
                Cells(x => new($"{N(x.AccountConcurrency)} (ApiStream's {i.ApiStreamReservedConcurrency} and BatchLoader's {i.BatchLoaderReservedConcurrency} reserved included)", x.AccountConcurrency, AwsQuotas.AccountConcurrency.Value)),
                $"{N(AwsQuotas.AccountConcurrency.Value)} concurrent executions per account and Region (adjustable to tens of thousands)",
                "Request the increase before launch; reserved pools leave the shared pool", [AwsQuotas.AccountConcurrency]),
            new("DynamoDB: dedup table",
                Cells(x => new($"{N(x.DedupTableWriteUnits)} WRU/s ({N(i.Cost.DedupMarkersPer1000Events)} markers per 1,000 events + {N(i.ApiWritesPerRequest)} Api writes per request)", x.DedupTableWriteUnits, AwsQuotas.TableWriteUnits.Value)),
                $"On-demand table: {N(AwsQuotas.TableWriteUnits.Value)} WRU/s and {N(AwsQuotas.TableReadUnits.Value)} RRU/s by default (adjustable)",
                "Request the table quota; or drop the per-event marker (issue 18: the watermarks cover Lambda's redelivery, a cheaper window catches client re-sends)", [AwsQuotas.TableWriteUnits]),
            new("DynamoDB: other tables, hot keys",
                Cells(x => new($"{N(x.OtherTablesWriteUnits)} WRU/s and {N(x.ReadUnits)} RRU/s over six tables; one hot item ≤ {N(x.HotItemWritesPerSecond)} writes/s", x.HotItemWritesPerSecond, AwsQuotas.PartitionWriteUnits.Value)),
                $"One partition: {N(AwsQuotas.PartitionWriteUnits.Value)} WCU/s and {N(AwsQuotas.PartitionReadUnits.Value)} RCU/s; an entity is written once per batch per shard ({N(i.BatchMilliseconds)} ms batches), so a hot item grows with shards, not events",
                $"Past {N(AwsQuotas.PartitionWriteUnits.Value)}/s on one item: split its key (product stats as product#n, summed on read)", [AwsQuotas.PartitionWriteUnits, AwsQuotas.PartitionReadUnits]),
            new("Firehose: enriched (Direct PUT)",
                Cells(x => new($"{N(x.EnrichedMiBPerSecond, "0.0")} MiB/s, {N(x.EnrichedRecordsPerSecond)} records/s, {N(x.EnrichedCallsPerSecond)} calls/s, {x.EnrichedActivePartitions} active partitions", x.EnrichedMiBPerSecond, AwsQuotas.FirehoseMiB.Value)),
                $"Per delivery stream (us-east-1): {N(AwsQuotas.FirehoseMiB.Value)} MiB/s, {N(AwsQuotas.FirehoseRecords.Value)} records/s, {N(AwsQuotas.FirehoseCalls.Value)} calls/s (raised together on request); {N(AwsQuotas.FirehoseActivePartitions.Value)} active partitions. The raw archive reads Kinesis: no such quota",
                "Request the increase ahead (Firehose also raises a throttled stream itself, slowly); or one enriched stream per group of shards; or StreamProcessor writes one object per batch (issue 18)", [AwsQuotas.FirehoseMiB, AwsQuotas.FirehoseRecords, AwsQuotas.FirehoseCalls, AwsQuotas.FirehoseActivePartitions]),
            new("Firehose: logs (Direct PUT)",
                Cells(x => new($"{N(x.LogMiBPerSecond, "0.00")} MiB/s ({N(i.Cost.LogBytesPerRequest)} B per request, {N(i.Cost.LogBytesPerBatch)} B per batch)", x.LogMiBPerSecond, AwsQuotas.FirehoseMiB.Value)),
                $"The same {N(AwsQuotas.FirehoseMiB.Value)} MiB/s per delivery stream",
                "Sample access logs; a logs stream per service", [AwsQuotas.FirehoseMiB]),
            new("S3 objects",
                Cells(x => new($"{N(x.ObjectsPerDay)} objects/day ({N(x.QuarantineObjectsPerDay)} quarantine); busiest prefix {N(x.PeakPutsPerPrefix)} PUT/s", x.PeakPutsPerPrefix, AwsQuotas.S3PutsPerPrefix.Value)),
                $"{N(AwsQuotas.S3PutsPerPrefix.Value)} PUT/s per partitioned prefix (S3 splits busy prefixes, with 503s meanwhile); no limit on objects",
                "One quarantine object per batch and reason instead of one per record; the prefixes already split by reason, day and hour", [AwsQuotas.S3PutsPerPrefix]),
            new("KMS requests",
                Cells(x => new($"{N(x.KmsRequestsPerSecond, "0.00")} requests/s (stream data keys, SecureStrings, S3 Bucket Keys, subject key-encryption keys)", x.KmsRequestsPerSecond, AwsQuotas.KmsSymmetric.Value)),
                $"One shared quota for Decrypt, Encrypt and GenerateDataKey: {N(AwsQuotas.KmsSymmetric.Value)}/s per account in us-east-1 ({N(AwsQuotas.KmsSymmetricElsewhere.Value)} in most Regions), calls AWS services make for us included",
                "Keep S3 Bucket Keys on (without them every quarantine PUT is a GenerateDataKey); the quota is shared with the account's other workloads", [AwsQuotas.KmsSymmetric, AwsQuotas.KmsSymmetricElsewhere]),
            new("Batch partitions per hour",
                Cells(x => new($"{x.PartitionsPerHour}; the largest {N(x.LargestPartitionEvents)} events: {N(x.LargestPartitionSeconds)} s, {N(x.LargestPartitionMemoryMb)} MB", Math.Max(x.LargestPartitionSeconds / AwsQuotas.FunctionTimeout.Value, x.LargestPartitionMemoryMb / i.Cost.BatchLoaderMemoryMb), 1)),
                $"Lambda: {N(AwsQuotas.FunctionTimeout.Value)} s per invocation, {N(AwsQuotas.FunctionMemory.Value)} MB at most (BatchLoader has {N(i.Cost.BatchLoaderMemoryMb)} MB)",
                "Split a partition below the hour (minute buckets or a hash of the event id, one invocation and Parquet file each), or compact on Glue or EMR", [AwsQuotas.FunctionTimeout, AwsQuotas.FunctionMemory]),
            new("Redshift RPU",
                Cells(x => new($"{x.RedshiftRpuNeeded} base RPU to load the peak hour in {N(60 * i.WarehouseLoadWindowShare)} min (configured {i.RedshiftBaseRpu}, max {i.RedshiftMaxRpu})", x.RedshiftRpuNeeded, i.RedshiftBaseRpu)),
                $"Base capacity from {N(AwsQuotas.RedshiftMinBaseRpu.Value)} {AwsQuotas.RedshiftMinBaseRpu.Unit}, up to {N(AwsQuotas.RedshiftMaxBaseRpu.Value)} in us-east-1",
                $"The configured base loads {N(model.EventsPerDayAtConfiguredRpu / 1e9, "0.00")} B events/day; past it raise the base (steps of 8) or the window", [AwsQuotas.RedshiftMinBaseRpu, AwsQuotas.RedshiftMaxBaseRpu]),
            new("API Gateway",
                Cells(x => new($"{N(x.PeakRequestsPerSecond)} requests/s", x.PeakRequestsPerSecond, i.ApiStageRatePerSecond)),
                $"Our prod stage throttle {N(i.ApiStageRatePerSecond)}/s; the account's {N(AwsQuotas.ApiGatewayAccountRate.Value)}/s",
                "Raise the stage throttle (and the account quota), or more events per request", [AwsQuotas.ApiGatewayAccountRate]),
        ];
    }

    private static ScalingRow ShardsRow(ScalingInputs i, ScalingEstimate[] e) => new(
        "Kinesis shards and resharding",
        [.. e.Select(x => new ScalingCell(
            $"{x.ShardsToWrite} to write, {x.ShardsToDrain} to drain; {N(x.RecordsPerShardAtWriteCount)} records/s per shard at the write count",
            x.RecordsPerShardAtWriteCount, i.RecordsPerSecondPerShard))],
        $"A shard takes {N(AwsQuotas.ShardWriteRecords.Value)} records/s and {N(AwsQuotas.ShardWriteMiB.Value)} MiB/s; StreamProcessor drains {N(i.RecordsPerSecondPerShard)}/s per shard (measured), so {(i.RecordsPerSecondPerShard >= AwsQuotas.ShardWriteRecords.Value ? "it keeps up with a full shard" : "a full shard outruns it")}. On demand: {N(AwsQuotas.OnDemandInitialWriteRecords.Value)} records/s at creation, then {N(AwsQuotas.OnDemandPeakMultiple.Value)}× the 30-day peak, up to {N(AwsQuotas.OnDemandMaxWriteGiB.Value)} GB/s",
        $"Keep at least the larger of the two counts: provisioned mode and UpdateShardCount ahead of peaks (each call at most doubles, {N(AwsQuotas.UpdateShardCountPerDay.Value)} a day); StreamProcessor already runs at {N(AwsQuotas.FullVcpuMemory.Value)} MB, one full vCPU, so a faster drain means fewer DynamoDB round trips per batch",
        [AwsQuotas.FullVcpuMemory, AwsQuotas.ShardWriteRecords, AwsQuotas.ShardWriteMiB, AwsQuotas.OnDemandInitialWriteRecords, AwsQuotas.OnDemandPeakMultiple, AwsQuotas.OnDemandMaxWriteGiB, AwsQuotas.UpdateShardCountPerDay]);

    /// <summary>The README's table: one row per area, a column per volume; a cell over its limit is bold with its share.</summary>
    public static string Markdown(IReadOnlyList<ScalingRow> rows, IReadOnlyList<double> eventsPerDay)
    {
        var sb = new StringBuilder();
        sb.Append("| Area | ").Append(string.Join(" | ", eventsPerDay.Select(Volume))).Append(" | What caps it (documented value) | Past it |\n");
        sb.Append("|---|").Append(string.Concat(eventsPerDay.Select(_ => "---|"))).Append("---|---|\n");
        foreach (var row in rows)
        {
            sb.Append("| ").Append(row.Area).Append(" | ")
              .Append(string.Join(" | ", row.Cells.Select(CellText)))
              .Append(" | ").Append(row.CappedBy).Append(" | ").Append(row.PastIt).Append(" |\n");
        }

        return sb.ToString();
    }

    /// <summary>The quotas the table names, each with its value and page.</summary>
    public static string QuotasMarkdown()
    {
        var sb = new StringBuilder("| Quota or limit | Documented value | Adjustable | Page |\n|---|---:|---|---|\n");
        foreach (var q in AwsQuotas.All)
        {
            sb.Append("| ").Append(q.Name).Append(" | ").Append(N(q.Value)).Append(' ').Append(q.Unit)
              .Append(" | ").Append(q.Adjustable ? "yes" : "no").Append(" | ").Append(q.Url).Append(" |\n");
        }

        return sb.ToString();
    }

    public static string CellText(ScalingCell cell) =>
        cell.Limit <= 0 ? cell.Text
        : cell.Over ? $"**{cell.Text} · {Percent(cell.Utilisation)}**"
        : $"{cell.Text} · {Percent(cell.Utilisation)}";

    public static string Volume(double eventsPerDay) =>
        eventsPerDay >= 1e9 ? N(eventsPerDay / 1e9, "0.##") + " B/day" : N(eventsPerDay / 1e6, "0.##") + " M/day";

    private static string Percent(double share) => N(share * 100) + " %";

    private static string N(double value, string format = "N0") => value.ToString(format, Invariant);
}
