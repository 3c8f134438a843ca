using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.Kms;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Benchmarks;
using ECommerceAgents.Local.Cost;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Local.Stack.Latency;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Commands;

/// <summary>
/// <c>bench stream --aws-latency</c>'s per-shard figure (issue 19): full batches through StreamProcessor one after
/// another, as the event source mapping delivers one shard's batches (parallelization factor 1), each against AWS-like
/// latencies. A batch's time in AWS is modelled as the event source mapping's overhead, plus the batch's wall-clock time
/// here, plus its CPU time stretched to the vCPU share of the function's memory.
/// </summary>
internal static class StreamShardBench
{
    /// <summary>The event source mapping's own time per batch (polling, invoking), assumed by issue 19.</summary>
    public const double EventSourceOverheadMs = 20;

    /// <summary>Lambda gives one vCPU at 1,769 MB, and a proportional share below.</summary>
    public const double MemoryMbPerVcpu = 1769;

    /// <summary>The vCPU share Lambda gives a function of <paramref name="memoryMb"/> (at most one).</summary>
    public static double VcpuShare(double memoryMb) => Math.Min(1.0, memoryMb / MemoryMbPerVcpu);

    public const int ShardRecordsPerSecond = 1000;
    public const int ShardBytesPerSecond = 1024 * 1024;
    public const int TargetRecordsPerSecondPerShard = 2000;

    private static readonly AwsStore[] SplitStores = [AwsStore.DynamoDb, AwsStore.S3, AwsStore.Firehose, AwsStore.Redis, AwsStore.Kinesis];

    /// <summary>Unmeasured batches before the measured ones (see <c>--warmup</c>).</summary>
    public const int DefaultWarmup = 3;

    private sealed record Round(double WallMs, double CpuMs, double DirectWallMs, long Bytes, Dictionary<string, double> BusyMs, Dictionary<string, double> PhaseMs);

    /// <summary>
    /// <paramref name="warmup"/> unmeasured batches, then <paramref name="rounds"/> measured ones; every figure is the
    /// median of the rounds. Each batch also runs through a second function that calls the servers directly, on
    /// resources of its own: its CPU time is the function's, without the proxies' share of this process.
    /// </summary>
    public static async Task RunAsync(JsonObject result, LocalStack stack, AwsLatencySimulation latency, int rounds, int warmup, CancellationToken ct)
    {
        var sizing = new CostInputs(); // the batch size and memory the CDK app configures (a test holds them equal)
        var batchSize = sizing.StreamProcessorBatchSize;
        await using var simulated = await ShardFunction.StartAsync(stack, port => latency.Proxy(port, AwsRequestClassifier.Firehose), stack.Endpoints, ct);
        await using var direct = await ShardFunction.StartAsync(stack, port => port, stack.DirectEndpoints, ct);
        var measured = new List<Round>(rounds);
        for (var batchNumber = 0; batchNumber < warmup + rounds; batchNumber++)
        {
            // The measured rounds keep the workload seeds 71, 72, ... whatever the warm-up's length.
            var round = batchNumber - warmup + 1;
            var records = Records(round > 0 ? round : 1000 + batchNumber, batchSize);
            var sequence = 49_000_000_000L + (batchNumber * 10_000_000L);
            // With sealing on (ECA_MASTER_KEY or ECA_KMS_KEY_ID), each function gets the records as its own API would
            // have sealed them, under keys in its own table: made here, before the timed invocation.
            var batch = StreamBench.BatchOf(await simulated.SealAsync(records, ct), sequence);
            var (directWall, cpu) = await InvokeAsync(direct.Function, StreamBench.BatchOf(await direct.SealAsync(records, ct), sequence), ct);
            latency.Activity!.Clear();
            simulated.Log.GetStringBuilder().Clear();
            var started = Stopwatch.GetTimestamp();
            await InvokeAsync(simulated.Function, batch, ct);
            var ended = Stopwatch.GetTimestamp();
            if (round <= 0) continue;
            var phases = Phases(simulated.Log.ToString());
            var busy = new Dictionary<string, double>(StringComparer.Ordinal) { ["anyStore"] = latency.Activity.BusyMilliseconds(started, ended) };
            foreach (var store in SplitStores) busy[Key(store)] = latency.Activity.BusyMilliseconds(started, ended, store);
            var bytes = batch.Records.Sum(r => (long)Convert.FromBase64String(r.Kinesis.Data).Length);
            measured.Add(new Round(Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds, cpu, directWall, bytes, busy, phases));
        }

        result["warmupBatches"] = warmup;
        result["sealed"] = simulated.Sealed;
        Report(result, measured, batchSize, sizing.StreamProcessorMemoryMb);
    }

    /// <summary>StreamProcessor as Lambda builds it, on resources of its own, with a Firehose stand-in on a free port.</summary>
    internal sealed class ShardFunction : IAsyncDisposable
    {
        private LocalEventSources _sources = null!;

        public IFunctionHandler Function { get; private set; } = null!;

        /// <summary>The door's sealing under the function's own key table, when sealing is configured.</summary>
        private DoorEncryption? _door;

        public bool Sealed => _door is not null;

        /// <summary>
        /// The records as the API would put them on the stream: each valid event's personal fields sealed under its
        /// subject's key (the subject is its user, anonymous or device partition key) and that key made a pseudonym.
        /// Faulty records go as they are, as a producer writing to the stream sends them.
        /// </summary>
        public async Task<IReadOnlyList<GeneratedRecord>> SealAsync(IReadOnlyList<GeneratedRecord> records, CancellationToken ct)
        {
            if (_door is null) return records;
            var sealable = records.Select((r, i) => (r, i)).Where(x => x.r.Type is not null && x.r.Fault is not (Fault.Malformed or Fault.SchemaViolation) && SubjectOf(x.r.PartitionKey) is not null).ToArray();
            var accepted = sealable.Select(x => new AcceptedEvent(x.i, x.r.EventId ?? "", x.r.Type!, x.r.PartitionKey, x.r.Data) { Subject = SubjectOf(x.r.PartitionKey) }).ToArray();
            var protectedEvents = await _door.ProtectAsync(accepted, ct);
            var result = records.ToArray();
            foreach (var e in protectedEvents) result[e.Index] = result[e.Index] with { Data = e.Record, PartitionKey = e.PartitionKey };
            return result;
        }

        private static string? SubjectOf(string partitionKey) =>
            partitionKey.StartsWith("user:", StringComparison.Ordinal) || partitionKey.StartsWith("anon:", StringComparison.Ordinal) || partitionKey.StartsWith("device:", StringComparison.Ordinal)
                ? partitionKey
                : null;

        /// <summary>The function's log lines (its metrics among them).</summary>
        public StringWriter Log { get; } = new();

        /// <summary>Delivers what the enriched stream buffered (its records pass LogTransformer, the partitioner) and returns its counters.</summary>
        public async Task<FirehoseStats> FlushEnrichedAsync(CancellationToken ct)
        {
            await _sources.DrainAsync(TimeSpan.FromSeconds(60), ct);
            return _sources.DeliveryStream(DeliveryStreams.Enriched).Stats;
        }

        public static async Task<ShardFunction> StartAsync(LocalStack stack, Func<Uri, Uri> firehose, ServiceEndpoints endpoints, CancellationToken ct)
        {
            var names = ResourceBindings.FromPrefix("bench-shard-" + Guid.NewGuid().ToString("N")[..8]);
            await stack.ProvisionAsync(names, ct);
            var port = LocalPorts.Free().Firehose;
            var shard = new ShardFunction();
            var environment = LocalFunctions.Environment(stack, new Dictionary<string, string> { [SettingNames.RedisPrefix] = names.Table(Tables.Profiles) + ":" }) with
            {
                Names = names,
                Endpoints = endpoints with { Firehose = firehose(new Uri($"http://127.0.0.1:{port}")) },
                Output = TextWriter.Synchronized(shard.Log),
            };
            var processor = await FunctionCatalog.Find("LogTransformer")!.Create!(environment with { Endpoints = stack.Endpoints, Output = TextWriter.Null }, ct);
            // Delivery only when asked (FlushEnrichedAsync, disposal): a background flush would share the CPU with the batch
            // being timed, and in AWS Firehose's work is not on the function's.
            shard._sources = new LocalEventSources(stack, firehoseOptions: new LocalFirehoseOptions { BufferInterval = TimeSpan.FromHours(1) }, names: names, firehosePort: port,
                transforms: LocalEventSources.Processors(processor));
            await shard._sources.StartAsync(ct, rawArchive: false);
            shard.Function = await StreamProcessorFunction.CreateAsync(environment, ct);
            var keyring = SubjectKeyringFactory.Create(environment.Endpoints, names, stack.DynamoDbClient, environment.Setting, TimeProvider.System);
            shard._door = keyring is null ? null : new DoorEncryption(keyring);
            return shard;
        }

        public async ValueTask DisposeAsync()
        {
            if (Function is IAsyncDisposable disposable) await disposable.DisposeAsync();
            await _sources.DisposeAsync();
        }
    }

    /// <summary>
    /// The batch's own timing of each write phase, from StreamProcessor's <c>LatencyMs.*</c> metrics: the read, the
    /// enriched send, the entity writes, the markers and the writes alongside them, each from its start to its end.
    /// </summary>
    private static Dictionary<string, double> Phases(string log)
    {
        var phases = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.Contains("\"LatencyMs.", StringComparison.Ordinal)) continue;
            using var document = JsonDocument.Parse(line);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name.StartsWith("LatencyMs.", StringComparison.Ordinal) && property.Value.ValueKind == JsonValueKind.Number)
                {
                    phases[property.Name["LatencyMs.".Length..]] = property.Value.GetDouble();
                }
            }
        }

        return phases;
    }

    /// <summary>A batch of generated traffic (valid events with the usual share of faults), a new seed each round.</summary>
    internal static GeneratedRecord[] Records(int round, int count) =>
        new TrafficGenerator(new TrafficOptions { Seed = 70 + round, Users = 200, Events = count + (count / 4), End = DateTimeOffset.UtcNow, Span = TimeSpan.FromMinutes(90) })
            .Generate().Take(count).ToArray();

    /// <summary>Invokes the function with one batch as Lambda would (JSON in, JSON out): its wall-clock and this process's CPU milliseconds.</summary>
    internal static async Task<(double WallMs, double CpuMs)> InvokeAsync(IFunctionHandler function, KinesisEvent batch, CancellationToken ct)
    {
        var payload = JsonSerializer.SerializeToUtf8Bytes(batch, LambdaEventsJsonContext.Default.KinesisEvent);
        var cpuBefore = ProcessCpu();
        var started = Stopwatch.GetTimestamp();
        var response = await function.InvokeAsync(payload, LambdaInvocation.Local(TimeSpan.FromMinutes(2)), ct);
        var wall = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var cpu = (ProcessCpu() - cpuBefore).TotalMilliseconds;
        if (JsonSerializer.Deserialize(response, LambdaEventsJsonContext.Default.StreamsEventResponse)?.BatchItemFailures.Count is not 0)
        {
            throw new CliException("bench stream: a batch reported failed records", 1);
        }

        return (wall, cpu);
    }

    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static string Key(AwsStore store) => store switch
    {
        AwsStore.DynamoDb => "dynamoDb",
        AwsStore.S3 => "s3",
        AwsStore.Firehose => "firehose",
        AwsStore.Redis => "redis",
        AwsStore.Kinesis => "kinesis",
        _ => store.ToString().ToLowerInvariant(),
    };

    private static void Report(JsonObject result, List<Round> rounds, int batchSize, int memoryMb)
    {
        var share = VcpuShare(memoryMb);
        double Modelled(Round r) => EventSourceOverheadMs + r.WallMs + (r.CpuMs * ((1 / share) - 1));
        var perShard = BenchFigure.Of(rounds.Select(r => batchSize * 1000.0 / Modelled(r)));
        perShard.WriteTo(result, "recordsPerSecondPerShard");
        BenchFigure.Of(rounds.Select(r => r.Bytes * 1000.0 / Modelled(r))).WriteTo(result, "bytesPerSecondPerShard");
        var split = new JsonObject
        {
            ["modelled"] = Median(rounds.Select(Modelled)),
            ["eventSourceMappingOverhead"] = EventSourceOverheadMs,
            ["wallClock"] = Median(rounds.Select(r => r.WallMs)),
            ["cpu"] = Median(rounds.Select(r => r.CpuMs)),
            ["wallClockWithoutLatency"] = Median(rounds.Select(r => r.DirectWallMs)),
            ["cpuAtVcpuShare"] = Median(rounds.Select(r => r.CpuMs / share)),
        };
        foreach (var key in rounds[0].BusyMs.Keys) split[key] = Median(rounds.Select(r => r.BusyMs[key]));
        split["notWaitingOnAStore"] = Median(rounds.Select(r => r.WallMs - r.BusyMs["anyStore"]));
        result["batchMs"] = split;
        result["cpuMsRounds"] = new JsonArray(rounds.Select(r => (JsonNode)Math.Round(r.CpuMs, 1)).ToArray());
        var phases = new JsonObject();
        foreach (var key in rounds.SelectMany(r => r.PhaseMs.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            phases[key] = Median(rounds.Select(r => r.PhaseMs.GetValueOrDefault(key)));
        }

        // In the order the writer runs them: read, enriched send, then the entities (the cursor alongside), then the
        // markers; the quarantine and the real-time writes run alongside from the start.
        result["phaseMs"] = phases;
        result["perShard"] = new JsonObject
        {
            ["batchRecords"] = batchSize,
            ["measuredRounds"] = rounds.Count,
            ["memoryMb"] = memoryMb,
            ["vcpuShare"] = Math.Round(share, 3),
            ["shardLimit"] = $"{ShardRecordsPerSecond} records/s and {ShardBytesPerSecond} bytes/s (1 MB/s) of writes per shard",
            ["targetRecordsPerSecondPerShard"] = TargetRecordsPerSecondPerShard,
            ["meetsTarget"] = perShard.Median >= TargetRecordsPerSecondPerShard,
            ["measures"] = "median of the rounds; modelled batch ms = event source mapping overhead plus wall clock here plus CPU times (1/vcpuShare - 1). " +
                "CPU is the CPU time of this process while the same batch runs through a second function that calls the servers directly (wallClockWithoutLatency; Redis still through its proxy, which the node announces): the function, plus the in-process Firehose stand-in, so a slight overestimate. " +
                "Store figures are the wall-clock ms with at least one call to that store in flight (overlapping calls count once); each is its own median, so they do not add up.",
        };
    }

    private static double Median(IEnumerable<double> values) => Math.Round(BenchFigure.Of(values).Median, 1);

    /// <summary>The text summary of the per-shard figures, printed above the JSON.</summary>
    public static string Summary(JsonObject result)
    {
        var split = result["batchMs"]!.AsObject();
        var shard = result["perShard"]!.AsObject();
        var c = CultureInfo.InvariantCulture;
        string Ms(string key) => split[key]!.GetValue<double>().ToString("0.0", c);
        return string.Create(c, $"""
            per shard, AWS latency simulation ({shard["batchRecords"]}-record batches, median of {shard["measuredRounds"]} rounds):
              records/s per shard: {result["recordsPerSecondPerShard"]} (min {result["recordsPerSecondPerShardMin"]}, max {result["recordsPerSecondPerShardMax"]}); target {TargetRecordsPerSecondPerShard}; a shard accepts {ShardRecordsPerSecond} records/s and 1 MB/s
              bytes/s per shard: {result["bytesPerSecondPerShard"]}
              batch: {Ms("modelled")} ms modelled = {Ms("eventSourceMappingOverhead")} ms event source mapping + {Ms("wallClock")} ms wall clock + CPU {Ms("cpu")} ms stretched to {Ms("cpuAtVcpuShare")} ms at {shard["vcpuShare"]} vCPU ({shard["memoryMb"]} MB); without the simulation the batch takes {Ms("wallClockWithoutLatency")} ms here
              waiting on: DynamoDB {Ms("dynamoDb")} ms, S3 {Ms("s3")} ms, Firehose {Ms("firehose")} ms, Redis {Ms("redis")} ms, Kinesis {Ms("kinesis")} ms; any store {Ms("anyStore")} ms; not waiting {Ms("notWaitingOnAStore")} ms
            """);
    }
}
