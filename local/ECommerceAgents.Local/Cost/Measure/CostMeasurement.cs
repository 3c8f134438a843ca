using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Local.Commands;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Cost.Measure;

/// <summary>How much <c>cost --measure</c> runs.</summary>
public sealed record MeasureOptions
{
    /// <summary>Measured 500-record batches of <c>bench stream --aws-latency</c> (each also counted, plus one warm-up batch).</summary>
    public int Rounds { get; init; } = 5;

    /// <summary>Measured seconds of <c>bench api</c>'s load loop (after its 2 s warm-up, which is counted too).</summary>
    public TimeSpan ApiDuration { get; init; } = TimeSpan.FromSeconds(3);

    public int ApiConcurrency { get; init; } = 8;

    /// <summary>Time the batches under the AWS latency simulation (off in tests: the simulation changes the stack's endpoints).</summary>
    public bool TimeBatches { get; init; } = true;

    public int LatencySeed { get; init; } = 19;
}

/// <summary>
/// The stream phase: the bench's batches through StreamProcessor, what they were (records sent; records that fail to
/// parse or validate; duplicates; bots; distinct event ids among the records that parse, which is what the enriched
/// and bot zones should receive) and what they billed.
/// </summary>
public sealed record StreamPhase(int Batches, long Records, long Quarantined, long Duplicates, long Bots, long DistinctValidEvents, Usage Usage, long RedisCommands)
{
    /// <summary>The records went sealed, as the API puts them with crypto-shredding on (ECA_MASTER_KEY or ECA_KMS_KEY_ID).</summary>
    public bool Sealed { get; init; }

    /// <summary>The enriched records LogTransformer partitioned after the warm-up batch (bytes in), and its time for them.</summary>
    public (long Bytes, TimeSpan Time, long Invocations) Partitioner { get; init; }
}

/// <summary>The API phase: the bench's request bodies through the ingest API, each with an Idempotency-Key.</summary>
public sealed record ApiPhase(long Requests, long Events, int Errors, Usage Usage, long RedisCommands);

/// <summary>The stream bench's per-shard timing of a 500-record batch under the AWS latency simulation (medians).</summary>
public sealed record BatchTiming(double ModelledMs, double EventSourceOverheadMs, double WallMs, double CpuMs, double CpuAtVcpuShareMs, double VcpuShare, int Rounds)
{
    /// <summary>What Lambda bills: the function's own time (the modelled batch less the event source mapping's overhead).</summary>
    public double BilledMs => ModelledMs - EventSourceOverheadMs;
}

/// <summary>
/// <c>cost --measure</c>: runs the stream benchmark's and the API benchmark's workloads through the real function code
/// against the local servers, with a <see cref="MeteringProxy"/> in front of DynamoDB, Kinesis, S3 and Firehose and
/// Redis counted on the server, then times the stream benchmark's batches under the AWS latency simulation. Whatever
/// the code does at run time is what is counted: nothing per event is typed in.
/// </summary>
public static class CostMeasurement
{
    public static async Task<MeasuredRun> RunAsync(LocalStack stack, MeasureOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(options);
        if (stack.Latency is not null) throw new InvalidOperationException("cost --measure counts on the servers directly: start it without the AWS latency simulation running");
        StreamPhase stream;
        ApiPhase api;
        await using (var meters = await MeteredEndpoints.StartAsync(stack.DirectEndpoints, cancellationToken).ConfigureAwait(false))
        {
            stream = await StreamAsync(stack, meters, options.Rounds, cancellationToken).ConfigureAwait(false);
            api = await ApiAsync(stack, meters, options, cancellationToken).ConfigureAwait(false);
        }

        var timing = options.TimeBatches ? await TimeAsync(stack, options, cancellationToken).ConfigureAwait(false) : null;
        return new MeasuredRun(stream, api, timing);
    }

    /// <summary>The stream bench's batches (the warm-up one and one per round), through StreamProcessor as Lambda builds it.</summary>
    private static async Task<StreamPhase> StreamAsync(LocalStack stack, MeteredEndpoints meters, int rounds, CancellationToken ct)
    {
        var batchSize = new CostInputs().StreamProcessorBatchSize;
        await using var shard = await StreamShardBench.ShardFunction.StartAsync(stack, meters.Firehose, meters.Endpoints, ct).ConfigureAwait(false);
        // With sealing on, the records are sealed as the API would have put them, keys made before the first batch: the
        // keys' writes are the API's (counted in its phase), the key reads at StreamProcessor are this phase's.
        var batches = new List<(GeneratedRecord[] Generated, IReadOnlyList<GeneratedRecord> Sent)>();
        for (var round = 0; round <= rounds; round++)
        {
            var generated = StreamShardBench.Records(round, batchSize);
            batches.Add((generated, await shard.SealAsync(generated, ct).ConfigureAwait(false)));
        }

        meters.Tally.Take(); // the function's start-up calls and the sealing are not the workload's
        var redisBefore = await StreamBench.RedisCommandsAsync(stack).ConfigureAwait(false);
        long records = 0, quarantined = 0, duplicates = 0, bots = 0, valid = 0;
        (long Bytes, TimeSpan Time, long Invocations) afterWarmup = default;
        for (var round = 0; round <= rounds; round++)
        {
            var (generated, sent) = batches[round];
            await StreamShardBench.InvokeAsync(shard.Function, StreamBench.BatchOf(sent, 49_000_000_000L + (round * 10_000_000L)), ct).ConfigureAwait(false);
            if (round == 0)
            {
                // The partitioner's first invocation pays its JIT: its time counts from the second batch on.
                var warm = await shard.FlushEnrichedAsync(ct).ConfigureAwait(false);
                afterWarmup = (warm.TransformBytes, warm.TransformTime, warm.TransformInvocations);
            }

            records += generated.Length;
            quarantined += generated.Count(r => r.Fault is Fault.Malformed or Fault.SchemaViolation);
            duplicates += generated.Count(r => r.Fault == Fault.Duplicate);
            bots += generated.Count(r => r.Fault == Fault.Bot);
            valid += generated.Where(r => r.Fault is not (Fault.Malformed or Fault.SchemaViolation)).Select(r => r.EventId).Distinct().Count();
        }

        var redis = await StreamBench.RedisCommandsAsync(stack).ConfigureAwait(false) - redisBefore - 1; // the INFO that read "before"
        var usage = meters.Tally.Take();
        var enriched = await shard.FlushEnrichedAsync(ct).ConfigureAwait(false);
        return new StreamPhase(rounds + 1, records, quarantined, duplicates, bots, valid, usage, redis)
        {
            Sealed = shard.Sealed,
            Partitioner = (enriched.TransformBytes - afterWarmup.Bytes, enriched.TransformTime - afterWarmup.Time, enriched.TransformInvocations - afterWarmup.Invocations),
        };
    }

    /// <summary>The API bench's load loop on its request bodies, each request with an Idempotency-Key, into the metered stream.</summary>
    private static async Task<ApiPhase> ApiAsync(LocalStack stack, MeteredEndpoints meters, MeasureOptions options, CancellationToken ct)
    {
        var environment = await ApiBench.EnvironmentAsync(stack, ct).ConfigureAwait(false) with { Endpoints = meters.Endpoints };
        var writer = new CountingWriter(new KinesisEventStreamWriter(StreamClients.Kinesis(meters.Endpoints), environment.Names.Stream(Streams.Events)));
        meters.Tally.Take();
        var redisBefore = await StreamBench.RedisCommandsAsync(stack).ConfigureAwait(false);
        var load = await ApiBench.ApiLoadAsync(environment, writer, ApiBench.Bodies(), options.ApiConcurrency, options.ApiDuration, ct, idempotencyKeys: true).ConfigureAwait(false);
        var redis = await StreamBench.RedisCommandsAsync(stack).ConfigureAwait(false) - redisBefore - 1;
        return new ApiPhase(writer.Requests, writer.Events, load.Errors, meters.Tally.Take(), redis);
    }

    /// <summary><c>bench stream --aws-latency</c>'s per-shard run, as is: the batch's modelled time and its CPU at Lambda's vCPU share.</summary>
    private static async Task<BatchTiming> TimeAsync(LocalStack stack, MeasureOptions options, CancellationToken ct)
    {
        var latency = await stack.StartAwsLatencyAsync(options.LatencySeed, recordActivity: true, ct).ConfigureAwait(false);
        var result = new JsonObject();
        await StreamShardBench.RunAsync(result, stack, latency, options.Rounds, StreamShardBench.DefaultWarmup, ct).ConfigureAwait(false);
        var split = result["batchMs"]!.AsObject();
        double Ms(string key) => split[key]!.GetValue<double>();
        return new BatchTiming(Ms("modelled"), Ms("eventSourceMappingOverhead"), Ms("wallClock"), Ms("cpu"), Ms("cpuAtVcpuShare"),
            result["perShard"]!["vcpuShare"]!.GetValue<double>(), options.Rounds);
    }

    /// <summary>The API's stream writer, counting the requests that reached it (one call per request) and their events.</summary>
    private sealed class CountingWriter(IEventStreamWriter inner) : IEventStreamWriter
    {
        private long _requests;
        private long _events;

        public long Requests => Interlocked.Read(ref _requests);

        public long Events => Interlocked.Read(ref _events);

        public async Task<StreamWriteResult> WriteAsync(IReadOnlyList<AcceptedEvent> events, CancellationToken cancellationToken)
        {
            var result = await inner.WriteAsync(events, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _events, result.Written);
            return result;
        }
    }
}
