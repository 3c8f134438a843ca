using System.Text.Json.Nodes;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Cost.Measure;

/// <summary>What one <c>cost --measure</c> run counted, and the model inputs that follow from it.</summary>
public sealed record MeasuredRun(StreamPhase Stream, ApiPhase Api, BatchTiming? Timing)
{
    private const string StreamSource = "measured by `cost --measure`: the `bench stream` batches (500 generated records each, faults included) through StreamProcessor against the local servers, counted by the metering proxies";
    private const string ApiSource = "measured by `cost --measure`: the `bench api` request bodies (10 events each, one Idempotency-Key per request) through the ingest API, counted by the metering proxies";

    /// <summary>Items StreamProcessor wrote to the dedup table (markers, while it keeps them there).</summary>
    public long DedupItemsWritten => Stream.Usage.Tables.Where(t => t.Key.EndsWith("-" + Tables.Dedup.Id, StringComparison.Ordinal)).Sum(t => t.Value.ItemsWritten);

    /// <summary>The share of the stream's units (write or read) on the tables a provisioned stage provisions (<see cref="CostInputs.HotTables"/>).</summary>
    public double HotShare(Func<TableUsage, double> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var all = Stream.Usage.Tables.Values.Sum(units);
        var hot = Stream.Usage.Tables.Where(t => CostInputs.HotTables.Any(id => t.Key.EndsWith("-" + id, StringComparison.Ordinal))).Sum(t => units(t.Value));
        return all == 0 ? 1 : hot / all;
    }

    /// <summary>The baseline with every figure this run measured put in, each marked measured with its source.</summary>
    public CostInputs ToInputs(CostInputs baseline)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var events = (double)Math.Max(1, Stream.Records);
        var requests = (double)Math.Max(1, Api.Requests);
        var apiEvents = (double)Math.Max(1, Api.Events);
        var firehose = Stream.Usage.Firehose;
        var kinesis = Api.Usage.Kinesis;
        var measured = new List<InputSource>();
        double Per1000(double count) => count / events * 1_000;
        double Add(string name, double value, string unit, string source)
        {
            measured.Add(new InputSource(name, Math.Round(value, 4), unit, source, true));
            return value;
        }

        var inputs = baseline with
        {
            DynamoRequestsPer1000Events = Add("DynamoDB requests per 1,000 events", Per1000(Stream.Usage.DynamoRequests), "requests", StreamSource),
            DynamoWriteUnitsPer1000Events = Add("DynamoDB write units per 1,000 events", Per1000(Stream.Usage.WriteUnits), "WRU",
                $"{StreamSource}; each write billed on the larger of the item before and after, in 1 KB units, refused conditional writes included ({Stream.Usage.ConditionalFailures} of them), batch items each"),
            DynamoReadUnitsPer1000Events = Add("DynamoDB read units per 1,000 events", Per1000(Stream.Usage.ReadUnits), "RRU", $"{StreamSource}; 4 KB units of the items returned, halved for eventually consistent reads"),
            DedupMarkersPer1000Events = Add("Dedup markers per 1,000 events", Per1000(DedupItemsWritten), "items", $"{StreamSource}: items written to the dedup table"),
            RedisCommandsPer1000Events = Add("Redis commands per 1,000 events", Per1000(Stream.RedisCommands), "commands", $"{StreamSource}; INFO commandstats before and after (the dedup window's commands included)"),
            DedupRedisCommandsPerEvent = Add("Dedup Redis commands per event", 0, "commands", $"{StreamSource}: counted in the Redis commands per 1,000 events"),
            FirehoseCallsPer1000Events = Add("Firehose calls per 1,000 events", Per1000(firehose.Calls), "PutRecordBatch", StreamSource),
            EnrichedRecordBytes = (int)Math.Round(Add("Enriched record size", firehose.Events == 0 ? baseline.EnrichedRecordBytes : (double)(firehose.Bytes - (firehose.Events - firehose.Records)) / firehose.Events, "bytes", $"{StreamSource}: mean enriched event (Firehose bytes, less the delimiters, per event: records are packed up to 500 per Firehose record)")),
            ValidFraction = Add("Events reaching the enriched zone", firehose.Events / events, "fraction", $"{StreamSource}: events in the Firehose records per record in the batches"),
            EnrichedBilledKbPerEvent = Add("Enriched Firehose billed KB per event", firehose.BilledKb / events, "KB", $"{StreamSource}: each Firehose record rounded up to 5 KB ({firehose.Records / events:0.###} records per event)"),
            S3PutsPer1000Events = Add("Function S3 PUTs per 1,000 events", Per1000(Stream.Usage.S3Puts), "requests", StreamSource),
            S3GetsPer1000Events = Add("Function S3 GETs per 1,000 events", Per1000(Stream.Usage.S3Gets), "requests", StreamSource),
            KinesisRecordsPerEvent = Add("Kinesis records per event", kinesis.Records / apiEvents, "records", ApiSource),
            KinesisBilledKbPerEvent = Add("Kinesis billed KB per event", kinesis.BilledKb / apiEvents, "KB", $"{ApiSource}: data blob plus partition key, each record rounded up to 1 KB"),
            KinesisPayloadUnitsPerEvent = Add("Kinesis PUT payload units per event", kinesis.PayloadUnits / apiEvents, "25 KB units", $"{ApiSource}: each record rounded up to 25 KB"),
            RawArchiveBilledKbPerEvent = Add("Raw archive Firehose billed KB per event", kinesis.ArchiveBilledKb / apiEvents, "KB", $"{ApiSource}: each Kinesis record's data rounded up to 5 KB, as the raw-archive Firehose reads it"),
            KinesisWireBytesPerEvent = (int)Math.Round(Add("Kinesis wire bytes per event", (double)Api.Usage.WireOf("kinesis").RequestBytes / apiEvents, "bytes", $"{ApiSource}: PutRecords request bodies")),
            FirehoseWireBytesPerEvent = (int)Math.Round(Add("Firehose wire bytes per event", (double)Stream.Usage.WireOf("firehose").RequestBytes / events, "bytes", $"{StreamSource}: PutRecordBatch request bodies")),
            HotTableWriteShare = Add("Hot-table share of the stream's write units", HotShare(t => t.WriteUnits), "fraction", $"{StreamSource}: write units on {string.Join(", ", CostInputs.HotTables)} over all"),
            HotTableReadShare = Add("Hot-table share of the stream's read units", HotShare(t => t.ReadUnits), "fraction", $"{StreamSource}: read units on {string.Join(", ", CostInputs.HotTables)} over all"),
            ApiWriteUnitsPerRequest = Add("Api write units per request", Api.Usage.WriteUnits / requests, "WRU", $"{ApiSource} ({Api.Usage.ConditionalFailures} refused conditional writes)"),
            ApiReadUnitsPerRequest = Add("Api read units per request", Api.Usage.ReadUnits / requests, "RRU", ApiSource),
            ApiRedisCommandsPerRequest = Add("Api Redis commands per request", Api.RedisCommands / requests, "commands", $"{ApiSource}; INFO commandstats before and after"),
        };
        if (Stream.Partitioner is { Bytes: > 0 } partitioner)
        {
            // In process, single-threaded and CPU-bound: its time is CPU time, stretched to the vCPU share Lambda gives
            // LogTransformer's memory, per Firehose's 1 MB processor buffer.
            var share = Commands.StreamShardBench.VcpuShare(baseline.LogTransformerMemoryMb);
            var perMb = partitioner.Time.TotalSeconds / (partitioner.Bytes / 1_048_576.0);
            inputs = inputs with
            {
                PartitionerSecondsPerInvocation = Add("Partitioner seconds per invocation", perMb / share, "s",
                    $"{StreamSource}: LogTransformer partitioned {partitioner.Bytes / 1_048_576.0:0.00} MB of enriched records in {partitioner.Invocations} in-process invocations after the warm-up batch, {partitioner.Time.TotalMilliseconds:0.0} ms: {perMb * 1_000:0.0} ms per MB, stretched to {share:0.###} vCPU ({baseline.LogTransformerMemoryMb} MB; 1,769 MB = 1 vCPU) for a 1 MB invocation"),
            };
        }

        if (Timing is { } t)
        {
            inputs = inputs with
            {
                StreamProcessorSecondsPerBatch = Add("StreamProcessor seconds per 500-record batch", t.BilledMs / 1_000, "s",
                    $"measured by `cost --measure` with `bench stream --aws-latency`'s per-shard run (median of {t.Rounds} rounds): {t.WallMs:0.0} ms wall clock under the AWS latency simulation + CPU {t.CpuMs:0.0} ms stretched to {t.CpuAtVcpuShareMs:0.0} ms at {t.VcpuShare:0.###} vCPU ({baseline.StreamProcessorMemoryMb} MB; 1,769 MB = 1 vCPU); the event source mapping's {t.EventSourceOverheadMs:0} ms is not billed"),
            };
        }

        return inputs with { Measured = measured };
    }

    /// <summary>The raw counts, for the CLI's --json and the tests.</summary>
    public JsonObject ToJson() => new()
    {
        ["stream"] = new JsonObject
        {
            ["sealed"] = Stream.Sealed,
            ["batches"] = Stream.Batches,
            ["records"] = Stream.Records,
            ["quarantined"] = Stream.Quarantined,
            ["duplicates"] = Stream.Duplicates,
            ["bots"] = Stream.Bots,
            ["distinctValidEvents"] = Stream.DistinctValidEvents,
            ["redisCommands"] = Stream.RedisCommands,
            ["dedupItemsWritten"] = DedupItemsWritten,
            ["partitioner"] = new JsonObject { ["bytes"] = Stream.Partitioner.Bytes, ["ms"] = Math.Round(Stream.Partitioner.Time.TotalMilliseconds, 2), ["invocations"] = Stream.Partitioner.Invocations },
            ["usage"] = UsageJson(Stream.Usage),
        },
        ["api"] = new JsonObject
        {
            ["requests"] = Api.Requests,
            ["events"] = Api.Events,
            ["errors"] = Api.Errors,
            ["redisCommands"] = Api.RedisCommands,
            ["usage"] = UsageJson(Api.Usage),
        },
        ["batchTiming"] = Timing is not { } t ? null : new JsonObject
        {
            ["modelledMs"] = t.ModelledMs, ["eventSourceOverheadMs"] = t.EventSourceOverheadMs, ["billedMs"] = Math.Round(t.BilledMs, 1),
            ["wallClockMs"] = t.WallMs, ["cpuMs"] = t.CpuMs, ["cpuAtVcpuShareMs"] = t.CpuAtVcpuShareMs, ["vcpuShare"] = t.VcpuShare, ["rounds"] = t.Rounds,
        },
    };

    private static JsonObject UsageJson(Usage usage)
    {
        var tables = new JsonObject();
        foreach (var (name, t) in usage.Tables.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            tables[name] = new JsonObject
            {
                ["writeRequests"] = t.WriteRequests, ["itemsWritten"] = t.ItemsWritten, ["conditionalFailures"] = t.ConditionalFailures, ["writeUnits"] = t.WriteUnits, ["indexWriteUnits"] = t.IndexWriteUnits,
                ["readRequests"] = t.ReadRequests, ["itemsRead"] = t.ItemsRead, ["readUnits"] = t.ReadUnits,
            };
        }

        JsonObject Records(RecordUsage r) => new()
        {
            ["calls"] = r.Calls, ["records"] = r.Records, ["failedRecords"] = r.FailedRecords, ["bytes"] = r.Bytes, ["billedKb"] = r.BilledKb,
            ["payloadUnits"] = r.PayloadUnits, ["archiveBilledKb"] = r.ArchiveBilledKb, ["events"] = r.Events, ["aggregatedRecords"] = r.AggregatedRecords,
        };

        var wire = new JsonObject();
        foreach (var (service, w) in usage.Wire) wire[service] = new JsonObject { ["requests"] = w.Requests, ["requestBytes"] = w.RequestBytes, ["responseBytes"] = w.ResponseBytes };
        return new JsonObject
        {
            ["dynamoDb"] = new JsonObject
            {
                ["requests"] = usage.DynamoRequests, ["writeUnits"] = usage.WriteUnits, ["readUnits"] = usage.ReadUnits, ["conditionalFailures"] = usage.ConditionalFailures, ["tables"] = tables,
            },
            ["kinesis"] = Records(usage.Kinesis),
            ["firehose"] = Records(usage.Firehose),
            ["s3"] = new JsonObject { ["puts"] = usage.S3Puts, ["gets"] = usage.S3Gets, ["deletes"] = usage.S3Deletes },
            ["wire"] = wire,
        };
    }
}
