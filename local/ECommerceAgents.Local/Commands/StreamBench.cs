using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using ECommerceAgents.Domain;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Validation;
using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Benchmarks;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Local.Stack.Latency;
using ECommerceAgents.Local.Stack.Servers;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using ConnectionMultiplexer = StackExchange.Redis.ConnectionMultiplexer;

namespace ECommerceAgents.Local.Commands;

/// <summary>
/// <c>bench stream</c>: StreamProcessor's CPU cost per event against plain deserialisation, and the store requests of a
/// fixed, seeded 1,000-event batch against the local stack.
/// </summary>
internal static class StreamBench
{
    public static Command Create(Option<string?> state)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var seconds = new Option<double>("--seconds") { Description = "Seconds of measurement for each of the two CPU paths (after warm-up), shared by the rounds.", DefaultValueFactory = _ => 6 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of each CPU path (and, with --aws-latency, measured 500-record batches); each figure is the median of the rounds, with min and max.", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup")
        {
            Description = "With --aws-latency: unmeasured 500-record batches before the measured ones, through both functions: they open the connections and compile each method of the batch path at its first call (this tool runs without tiered compilation, as Lambda runs the native AOT binary), so no measured round pays for either.",
            DefaultValueFactory = _ => StreamShardBench.DefaultWarmup,
        };
        var latency = new AwsLatencySwitch();
        var command = new Command("stream", "Validate + enrich throughput against parse-only (median of the rounds, with min and max), allocations per event, and requests per 1,000 events to DynamoDB, Redis and Firehose; with --aws-latency also records/s per shard for full batches and their time split by store.")
        {
            json, seconds, rounds, warmup,
        };
        latency.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(rounds) < 1) throw new CliException("--rounds must be at least 1", 2);
            if (parse.GetValue(warmup) < 1) throw new CliException("--warmup must be at least 1", 2);
            var result = new JsonObject();
            Cpu(result, TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(rounds));
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            await latency.StartAsync(parse, stack, ct, recordActivity: true);
            await StoresAsync(result, stack, ct);
            if (stack.Latency is { } simulation)
            {
                AwsLatencySwitch.Describe(result, stack);
                await StreamShardBench.RunAsync(result, stack, simulation, parse.GetValue(rounds), parse.GetValue(warmup), ct);
                if (!parse.GetValue(json)) Console.WriteLine(StreamShardBench.Summary(result));
            }

            Console.WriteLine(parse.GetValue(json) ? result.ToJsonString() : result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }

    /// <summary>Records as the event source mapping hands them to the function, on one shard from <paramref name="firstSequence"/>.</summary>
    internal static KinesisEvent BatchOf(IReadOnlyList<GeneratedRecord> records, long firstSequence) => new()
    {
        Records = records.Select((r, i) => new KinesisEventRecord
        {
            Kinesis = new KinesisRecord { PartitionKey = r.PartitionKey, SequenceNumber = (firstSequence + (i * 1000L)).ToString(CultureInfo.InvariantCulture), Data = KinesisRecord.Encode(r.Data), ApproximateArrivalTimestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 },
            EventId = "shardId-000000000000:" + (firstSequence + (i * 1000L)).ToString(CultureInfo.InvariantCulture),
        }).ToArray(),
    };

    /// <summary>The same payloads, one thread: deserialise only, then the processor's validate + enrich path (JSON out included).</summary>
    private static void Cpu(JsonObject result, TimeSpan duration, int rounds)
    {
        var clock = TimeProvider.System;
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 3, Users = 400, Events = 6000, MalformedRate = 0, SchemaViolationRate = 0, DuplicateRate = 0, BotRate = 0, End = DateTimeOffset.UtcNow });
        var payloads = generator.Generate().Select(r => r.Data).ToArray();
        var inputs = payloads.Select((p, i) => new StreamInput(new StreamPosition("shardId-000000000000", (1000 + i).ToString(CultureInfo.InvariantCulture)), "k", p, DateTimeOffset.UtcNow)).ToArray();

        int ParseOnly()
        {
            foreach (var p in payloads) _ = JsonSerializer.Deserialize(p, DomainJson.TrackedEvent);
            return payloads.Length;
        }

        using var enricher = new OfflineEnricher("benchmark-key-0123456789abcdef", new ProcessorOptions(), clock);
        int Full()
        {
            // Batches of 500, as the event source mapping delivers them, each against empty state (no I/O).
            for (var start = 0; start < inputs.Length; start += 500)
            {
                enricher.Enrich(new ArraySegment<StreamInput>(inputs, start, Math.Min(500, inputs.Length - start)));
            }

            return inputs.Length;
        }

        // Alternate the two, round by round, so the machine's noise hits both alike; each figure is the median of its
        // rounds (issue 16), and the ratio is taken within each round, from the two paths measured side by side.
        WarmUp(ParseOnly);
        WarmUp(Full);
        var parseOnly = new List<double>(rounds);
        var full = new List<double>(rounds);
        var ratios = new List<double>(rounds);
        var allocated = new List<double>(rounds);
        for (var round = 0; round < rounds; round++)
        {
            var p = Measure(duration / rounds, ParseOnly, out _);
            var f = Measure(duration / rounds, Full, out var a);
            parseOnly.Add(p);
            full.Add(f);
            ratios.Add(f / p);
            allocated.Add(a);
        }

        result["rounds"] = rounds;
        BenchFigure.Of(full).WriteTo(result, "eventsPerSecond");
        BenchFigure.Of(parseOnly).WriteTo(result, "parseOnlyEventsPerSecond");
        BenchFigure.Of(ratios).WriteTo(result, "ratio", 3);
        BenchFigure.Of(allocated).WriteTo(result, "allocatedBytesPerEvent");
        result["cpuPayloads"] = payloads.Length;
        result["cpuPayloadBytesAvg"] = Math.Round(payloads.Average(p => p.Length));
    }

    /// <summary>Runs a path until the JIT has optimised its hot paths (tiered compilation promotes after repeated calls).</summary>
    private static void WarmUp(Func<int> round)
    {
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(1.5)) round();
    }

    /// <summary>One round: events per second over <paramref name="duration"/>, and the bytes this thread allocated per event.</summary>
    private static double Measure(TimeSpan duration, Func<int> round, out double allocatedPerEvent)
    {
        GC.Collect();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        long events = 0;
        while (watch.Elapsed < duration) events += round();
        watch.Stop();
        allocatedPerEvent = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / (double)events;
        return events / watch.Elapsed.TotalSeconds;
    }

    /// <summary>A fixed, seeded 1,000-event batch through the real function code against the local stack, counting requests at each store.</summary>
    private static async Task StoresAsync(JsonObject result, LocalStack stack, CancellationToken ct)
    {
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 7, Users = 60, Events = 1200, End = DateTimeOffset.UtcNow, Span = TimeSpan.FromMinutes(90) });
        var records = generator.Generate().Take(1000).ToArray();
        var names = ResourceBindings.FromPrefix("bench-" + Guid.NewGuid().ToString("N")[..8]);
        await stack.ProvisionAsync(names, ct);
        var port = LocalPorts.Free().Firehose;
        var firehose = new Uri($"http://127.0.0.1:{port}");
        var endpoints = stack.Endpoints with { Firehose = stack.Latency?.Proxy(firehose, AwsRequestClassifier.Firehose) ?? firehose };
        var processor = await FunctionCatalog.Find("LogTransformer")!.Create!(new FunctionEnvironment(stack.Endpoints, names, new Dictionary<string, string>()) { Output = TextWriter.Null }, ct);
        await using var sources = new LocalEventSources(stack, names: names, firehosePort: port, transforms: LocalEventSources.Processors(processor));
        await sources.StartAsync(ct, rawArchive: false);
        var s3 = stack.Latency is null ? stack.S3Client : S3ClientFactory.Create(endpoints); // under the simulation, through its proxy

        var dynamo = (AmazonDynamoDBClient)DynamoDbClientFactory.Create(endpoints);
        var dynamoRequests = 0;
        dynamo.BeforeRequestEvent += (_, _) => Interlocked.Increment(ref dynamoRequests);
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Options(endpoints.Redis!));
        var redisPrefix = names.Table(Tables.Profiles).Replace("-profiles", ":", StringComparison.Ordinal);
        var env = new FunctionEnvironment(endpoints, names, new Dictionary<string, string>()) { Output = TextWriter.Null };
        var function = StreamProcessorFunction.Create(env, "benchmark-key-0123456789abcdef",
            new StreamStateStore(dynamo, names), new RedisDedupWindow(redis, new RedisKeys(redisPrefix), new ProcessorOptions().DedupWindow), new FirehoseEnrichedSink(StreamClients.Firehose(endpoints), names.DeliveryStream(DeliveryStreams.Enriched)),
            new S3Quarantine(s3, names), new RedisRealtimeProjection(redis, new RealtimeOptions { KeyPrefix = redisPrefix }), new S3RealtimeJournal(s3, names));

        var kinesis = BatchOf(records, 49_000_000_000L);

        var commandsBefore = await RedisCommandsAsync(stack);
        var firehoseBefore = sources.Firehose!.Calls;
        var watch = Stopwatch.StartNew();
        var response = await function.HandleAsync(kinesis, LambdaInvocation.Local(TimeSpan.FromMinutes(5)), ct);
        watch.Stop();
        var firehoseCalls = sources.Firehose.Calls - firehoseBefore;
        var commandsAfter = await RedisCommandsAsync(stack);
        var redisCommands = commandsAfter - commandsBefore - 1; // the INFO that read "before" is counted in "after"

        // What the batch is, and which DynamoDB items it touches.
        var valid = records.Where(r => r.Fault is Fault.None or Fault.Late or Fault.Duplicate or Fault.Bot).GroupBy(r => r.EventId).Select(g => g.First()).ToArray();
        var parser = new EventParser(SchemaRegistry.Default, TimeProvider.System);
        var events = valid.Select(r => parser.Parse(r.Data)).OfType<ParsedEvent>().ToArray();
        var subjects = events.Where(e => EventTypes.IsInteraction(e.Type)).Select(e => e.Event.UserId ?? e.Event.AnonymousId).Distinct().Count();
        var counts = await CountItemsAsync(stack, names, ct);
        var distinctEntities = counts.Where(c => c.Key is not "dedup").Sum(c => c.Value);

        result["workload"] = new JsonObject
        {
            ["records"] = records.Length,
            ["validEvents"] = events.Length,
            ["quarantined"] = records.Count(r => r.Fault is Fault.Malformed or Fault.SchemaViolation),
            ["duplicates"] = records.Length - records.Where(r => r.EventId is not null).DistinctBy(r => r.EventId).Count() ,
            ["bots"] = records.Count(r => r.Fault == Fault.Bot),
            ["users"] = events.Select(e => e.Event.UserId).Where(u => u is not null).Distinct().Count(),
            ["subjects"] = subjects,
            ["products"] = events.Select(e => e.Event.Data.Sku).Where(s => s is not null).Distinct().Count(),
            ["orders"] = events.Select(e => e.Event.Data.OrderId).Where(o => o is not null).Distinct().Count(),
            ["items"] = new JsonObject(counts.Select(c => new KeyValuePair<string, JsonNode?>(c.Key, c.Value))),
        };
        result["distinctEntities"] = distinctEntities;
        result["dynamoRequestsPer1000"] = dynamoRequests;
        result["dynamoRequestsOverEntities"] = dynamoRequests - distinctEntities;
        result["redisCommandsPer1000"] = redisCommands;
        result["firehoseCallsPer1000"] = firehoseCalls;
        result["batchMilliseconds"] = Math.Round(watch.Elapsed.TotalMilliseconds);
        result["batchFailures"] = response.BatchItemFailures.Count;
        await ((IAsyncDisposable)function).DisposeAsync();
        await redis.DisposeAsync();
        dynamo.Dispose();
    }

    internal static async Task<long> RedisCommandsAsync(LocalStack stack)
    {
        var parts = stack.Endpoints.Redis!.Split(':');
        await using var resp = await Resp.ConnectAsync(parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture), CancellationToken.None);
        var stats = await resp.CommandAsync(CancellationToken.None, "INFO", "commandstats");
        return stats.Split('\n').Where(l => l.StartsWith("cmdstat_", StringComparison.Ordinal))
            .Sum(l => long.Parse(l.Split(':')[1].Split(',')[0].Split('=')[1], CultureInfo.InvariantCulture));
    }

    private static async Task<Dictionary<string, int>> CountItemsAsync(LocalStack stack, ResourceBindings names, CancellationToken ct)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var table in Tables.All)
        {
            var count = 0;
            Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>? start = null;
            do
            {
                var page = await stack.DynamoDbClient.ScanAsync(new Amazon.DynamoDBv2.Model.ScanRequest { TableName = names.Table(table), ExclusiveStartKey = start, Select = Select.COUNT }, ct);
                count += page.Count ?? 0;
                start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);
            if (count > 0) counts[table.Id] = count;
        }

        return counts;
    }
}
