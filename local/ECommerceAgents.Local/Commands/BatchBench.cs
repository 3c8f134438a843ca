using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Validation;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using Npgsql;

namespace ECommerceAgents.Local.Commands;

/// <summary>
/// <c>bench batch</c>: the batch's throughput on generated days of 10k and 100k events (1M with <c>--million</c>), with
/// phase timings, and the 15-minute ceiling extrapolated from the measured per-partition throughput. The enriched zone is
/// filled by the real enrichment code (validator + planner, no stores) in Firehose-sized GZIP objects, with 1 % of lines
/// written twice (Firehose at-least-once); only the batch itself is timed, as `batch --date` runs it.
/// </summary>
internal static class BatchBench
{
    private const double LambdaSeconds = 900;
    private const double SafetyShare = 0.8;
    private const double LambdaMemoryMb = 3008;

    public static Command Create(Option<string?> state)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var sizes = new Option<string>("--sizes") { Description = "Comma-separated day sizes in events.", DefaultValueFactory = _ => "10000,100000" };
        var million = new Option<bool>("--million") { Description = "Also a 1,000,000-event day (several minutes here)." };
        var partitionEvents = new Option<int>("--partition-events") { Description = "Size of the single large partition the 15-minute ceiling is measured on.", DefaultValueFactory = _ => 50_000 };
        var command = new Command("batch", "Batch throughput (events/s) for generated 10k and 100k-event days, phase timings and the 15-minute ceiling estimate.")
        {
            json, sizes, million, partitionEvents,
        };
        command.SetAction(async (parse, ct) =>
        {
            var days = parse.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s.Trim(), CultureInfo.InvariantCulture)).ToList();
            if (parse.GetValue(million)) days.Add(1_000_000);
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            var runs = new JsonArray();
            foreach (var size in days)
            {
                runs.Add(await RunAsync(stack, size, ct));
            }

            var large = await LargePartitionAsync(stack, parse.GetValue(partitionEvents), ct);
            var result = new JsonObject
            {
                ["runs"] = runs,
                ["largePartition"] = large,
                ["ceiling"] = Ceiling(large),
                ["machine"] = $"{Environment.ProcessorCount} cores; PostgreSQL 15 and s3rver on loopback; one process",
            };
            Console.WriteLine(parse.GetValue(json) ? result.ToJsonString() : result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }

    private static async Task<JsonObject> RunAsync(LocalStack stack, int events, CancellationToken ct)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var names = ResourceBindings.FromPrefix("bench-" + id);
        await stack.ProvisionAsync(names, ct);
        var database = "bench_" + id;
        var admin = new NpgsqlConnectionStringBuilder(stack.Endpoints.Warehouse) { Database = "postgres", Pooling = false }.ConnectionString;
        await Sql(admin, $"create database {database}", ct);
        var warehouse = new NpgsqlConnectionStringBuilder(stack.Endpoints.Warehouse) { Database = database }.ConnectionString;
        try
        {
            var day = DateTime.UtcNow.Date.AddDays(-2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var setup = Stopwatch.StartNew();
            var (objects, lines, bytes) = await FillEnrichedAsync(stack, names, day, events, ct);
            var setupSeconds = setup.Elapsed.TotalSeconds;

            var environment = new FunctionEnvironment(stack.Endpoints with { Warehouse = warehouse }, names, new Dictionary<string, string>()) { Output = TextWriter.Null };
            var allocatedBefore = GC.GetTotalAllocatedBytes();
            var result = await BatchRunner.RunAsync(environment, day, null, null, ct);
            var allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
            var partitions = result.Partitions.ToArray();
            var phases = new PhaseTimings();
            foreach (var p in partitions) phases.Add(p.Timings);
            var biggest = partitions.MaxBy(p => p.Events)!;
            return new JsonObject
            {
                ["events"] = events,
                ["enrichedLines"] = lines,
                ["enrichedObjects"] = objects,
                ["enrichedBytesUncompressed"] = bytes,
                ["loaded"] = result.Events,
                ["partitions"] = partitions.Length,
                ["seconds"] = Math.Round(result.Elapsed.TotalSeconds, 2),
                ["eventsPerSecond"] = Math.Round(result.Events / result.Elapsed.TotalSeconds),
                ["phasesMs"] = new JsonObject
                {
                    ["read"] = Math.Round(phases.ReadMs),
                    ["compact"] = Math.Round(phases.CompactMs),
                    ["parquet"] = Math.Round(phases.ParquetMs),
                    ["warehouse"] = Math.Round(phases.WarehouseMs),
                    ["qualityAndWatermark"] = Math.Round(phases.QualityMs + (phases.TotalMs - phases.ReadMs - phases.CompactMs - phases.ParquetMs - phases.WarehouseMs - phases.QualityMs)),
                    ["partitionsTotal"] = Math.Round(phases.TotalMs),
                    ["perInvocationOverhead"] = Math.Round(result.Elapsed.TotalMilliseconds - phases.TotalMs),
                },
                ["partitionEventsPerSecond"] = Math.Round(result.Events / (phases.TotalMs / 1000)),
                ["largestPartition"] = new JsonObject
                {
                    ["partition"] = biggest.Partition,
                    ["events"] = biggest.Events,
                    ["ms"] = Math.Round(biggest.Timings.TotalMs),
                    ["eventsPerSecond"] = Math.Round(biggest.Events / (biggest.Timings.TotalMs / 1000)),
                },
                ["allocatedBytesPerEvent"] = Math.Round((double)allocated / Math.Max(1, result.Events)),
                ["qualityPassed"] = partitions.Count(p => p.QualityPassed),
                ["setupSeconds"] = Math.Round(setupSeconds, 1),
            };
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Sql(admin, $"drop database if exists {database} with (force)", ct);
            foreach (var bucket in new[] { Buckets.Enriched, Buckets.Processed, Buckets.Quarantine })
            {
                await EmptyAsync(stack, names.Bucket(bucket), ct);
            }
        }
    }

    /// <summary>
    /// One Lambda invocation loads one partition, so the ceiling is what one partition can hold and still finish in 80 %
    /// of 15 minutes (measured throughput of one large partition × 720 s), and what fits 70 % of the function's memory
    /// (peak managed-heap growth per event during that partition's load).
    /// </summary>
    private static JsonObject Ceiling(JsonObject large)
    {
        var perSecond = D(large["eventsPerSecond"]!);
        var bytesPerEvent = D(large["peakHeapBytesPerEvent"]!);
        var timeCeiling = perSecond * LambdaSeconds * SafetyShare;
        var memoryCeiling = bytesPerEvent > 0 ? LambdaMemoryMb * 1024 * 1024 * 0.7 / bytesPerEvent : double.PositiveInfinity;
        return new JsonObject
        {
            ["basis"] = $"one partition of {large["events"]} events loaded in {large["ms"]} ms ({large["phasesMs"]!.ToJsonString()})",
            ["partitionEventsPerSecond"] = perSecond,
            ["eventsPerPartitionWithin15Minutes"] = Math.Round(timeCeiling),
            ["peakHeapBytesPerEvent"] = Math.Round(bytesPerEvent),
            ["eventsPerPartitionWithin3008MB"] = double.IsInfinity(memoryCeiling) ? null : Math.Round(memoryCeiling),
            ["eventsPerPartitionCeiling"] = Math.Round(Math.Min(timeCeiling, memoryCeiling)),
            ["limitedBy"] = timeCeiling <= memoryCeiling ? "time" : "memory",
            ["assumes"] = "80 % of Lambda's 900 s; 70 % of 3008 MB for the partition's working set; Lambda at 3008 MB has 2 vCPUs, like this machine",
        };
    }

    /// <summary>One partition of <paramref name="events"/> product views (real enriched lines, ids and times rewritten into one hour), loaded alone.</summary>
    private static async Task<JsonObject> LargePartitionAsync(LocalStack stack, int events, CancellationToken ct)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var names = ResourceBindings.FromPrefix("bench-" + id);
        await stack.ProvisionAsync(names, ct);
        var database = "bench_" + id;
        var admin = new NpgsqlConnectionStringBuilder(stack.Endpoints.Warehouse) { Database = "postgres", Pooling = false }.ConnectionString;
        await Sql(admin, $"create database {database}", ct);
        var warehouse = new NpgsqlConnectionStringBuilder(stack.Endpoints.Warehouse) { Database = database }.ConnectionString;
        try
        {
            var day = DateTime.UtcNow.Date.AddDays(-2).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var hour = DateTimeOffset.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).AddHours(10);
            var templates = await EnrichedLinesAsync(day, 20_000, ct);
            var views = templates.Where(l => l.Contains("\"type\":\"product_view\"", StringComparison.Ordinal)).ToArray();
            var lines = new List<byte[]>(events);
            for (var i = 0; i < events; i++)
            {
                var node = JsonNode.Parse(views[i % views.Length])!.AsObject();
                node["eventId"] = new Guid(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)).AsSpan(0, 16)).ToString();
                node["eventTime"] = hour.AddMilliseconds(i * 3_600_000.0 / events).ToString("O", CultureInfo.InvariantCulture);
                node["partition"]!["dt"] = day;
                node["partition"]!["hr"] = "10";
                lines.Add(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()));
            }

            var bucket = names.Bucket(Buckets.Enriched);
            var chunks = lines.Chunk(5000).Select((c, i) => (Key: $"events/type=product_view/dt={day}/hr=10/bench-enriched-1-{i:D4}.gz", Body: Gzip.Compress(Gzip.JoinLines(c.Select(x => (ReadOnlyMemory<byte>)x))))).ToArray();
            await Parallel.ForEachAsync(chunks, ct, async (p, token) =>
            {
                using var stream = new MemoryStream(p.Body);
                await stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = p.Key, InputStream = stream, ContentType = "application/gzip" }, token);
            });
            lines.Clear();
            var environment = new FunctionEnvironment(stack.Endpoints with { Warehouse = warehouse }, names, new Dictionary<string, string>()) { Output = TextWriter.Null };
            // Migrate first (an empty hour), so the measured invocation is the partition's load alone.
            await BatchRunner.RunAsync(environment, day, "23", null, ct);
            using var sampler = new HeapSampler();
            var result = await BatchRunner.RunAsync(environment, day, "10", null, ct);
            var p = result.Partitions.Single();
            return new JsonObject
            {
                ["partition"] = p.Partition,
                ["events"] = p.Events,
                ["objects"] = chunks.Length,
                ["ms"] = Math.Round(p.Timings.TotalMs),
                ["eventsPerSecond"] = Math.Round(p.Events / (p.Timings.TotalMs / 1000)),
                ["phasesMs"] = new JsonObject
                {
                    ["read"] = Math.Round(p.Timings.ReadMs),
                    ["compact"] = Math.Round(p.Timings.CompactMs),
                    ["parquet"] = Math.Round(p.Timings.ParquetMs),
                    ["warehouse"] = Math.Round(p.Timings.WarehouseMs),
                    ["quality"] = Math.Round(p.Timings.QualityMs),
                },
                ["peakHeapGrowthBytes"] = sampler.PeakGrowth,
                ["peakHeapBytesPerEvent"] = Math.Round((double)sampler.PeakGrowth / Math.Max(1, p.Events)),
            };
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Sql(admin, $"drop database if exists {database} with (force)", ct);
            foreach (var bucket in new[] { Buckets.Enriched, Buckets.Processed, Buckets.Quarantine }) await EmptyAsync(stack, names.Bucket(bucket), ct);
        }
    }

    private static async Task<List<string>> EnrichedLinesAsync(string day, int events, CancellationToken ct)
    {
        await Task.Yield();
        var end = DateTimeOffset.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).AddHours(21);
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 23, Users = 800, Events = events, End = end, Span = TimeSpan.FromHours(19), MalformedRate = 0, SchemaViolationRate = 0, BotRate = 0 });
        var records = generator.Generate();
        using var enricher = new OfflineEnricher("bench-key-0123456789abcdef", new ProcessorOptions(), TimeProvider.System);
        var lines = new List<string>();
        foreach (var batch in Inputs(records).Chunk(500))
        {
            ct.ThrowIfCancellationRequested();
            foreach (var json in enricher.Enrich(batch)) lines.Add(System.Text.Encoding.UTF8.GetString(json.Span));
        }

        return lines;
    }

    /// <summary>The generated records as one shard's stream inputs, in order.</summary>
    private static IEnumerable<StreamInput> Inputs(IReadOnlyList<GeneratedRecord> records) =>
        records.Select((r, i) => new StreamInput(new StreamPosition("shardId-000000000000", (i + 1).ToString(CultureInfo.InvariantCulture)), r.PartitionKey, r.Data, DateTimeOffset.UtcNow));

    private static double D(JsonNode node) => double.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);

    private static async Task<(int Objects, int Lines, long Bytes)> FillEnrichedAsync(LocalStack stack, ResourceBindings names, string day, int events, CancellationToken ct)
    {
        var end = DateTimeOffset.ParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).AddHours(21);
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 17, Users = Math.Max(50, events / 25), Events = events, End = end, Span = TimeSpan.FromHours(19), MalformedRate = 0, SchemaViolationRate = 0 });
        var records = generator.Generate();
        var clock = TimeProvider.System;
        using var enricher = new OfflineEnricher("bench-key-0123456789abcdef", new ProcessorOptions { BotNetworks = ProcessorOptions.ParseNetworks("198.51.100.0/24") }, clock);
        var byPartition = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
        var random = new Random(17);
        foreach (var batch in Inputs(records).Chunk(500))
        {
            foreach (var json in enricher.Enrich(batch))
            {
                var partition = JsonNode.Parse(json.Span)!["partition"]!;
                var prefix = $"{partition["zone"]}/type={partition["type"]}/dt={partition["dt"]}/hr={partition["hr"]}/";
                if (!byPartition.TryGetValue(prefix, out var list)) byPartition[prefix] = list = [];
                var line = json.ToArray();
                list.Add(line);
                if (random.NextDouble() < 0.01) list.Add(line);
            }
        }

        var bucket = names.Bucket(Buckets.Enriched);
        int objects = 0, lines = 0;
        long bytes = 0;
        var puts = new List<(string Key, byte[] Body)>();
        foreach (var (prefix, list) in byPartition)
        {
            var part = 0;
            foreach (var chunk in list.Chunk(5000))
            {
                var body = Gzip.Compress(Gzip.JoinLines(chunk.Select(c => (ReadOnlyMemory<byte>)c)));
                puts.Add((prefix + $"bench-enriched-1-{part++:D4}.gz", body));
                lines += chunk.Length;
                bytes += chunk.Sum(c => (long)c.Length + 1);
            }
        }

        await Parallel.ForEachAsync(puts, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (p, token) =>
        {
            using var stream = new MemoryStream(p.Body);
            await stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = p.Key, InputStream = stream, ContentType = "application/gzip" }, token);
            Interlocked.Increment(ref objects);
        });
        return (objects, lines, bytes);
    }

    private static async Task EmptyAsync(LocalStack stack, string bucket, CancellationToken ct)
    {
        string? token = null;
        do
        {
            var page = await stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, ContinuationToken = token }, ct);
            var keys = (page.S3Objects ?? []).Select(o => o.Key).ToArray();
            await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (k, t) => await stack.S3Client.DeleteObjectAsync(bucket, k, t));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    private static async Task Sql(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Samples the managed heap every 50 ms; the peak above the starting size approximates a partition's working set.</summary>
    private sealed class HeapSampler : IDisposable
    {
        private readonly long _baseline = GC.GetTotalMemory(true);
        private readonly Timer _timer;
        private long _peak;

        public HeapSampler() => _timer = new Timer(_ => Interlocked.Exchange(ref _peak, Math.Max(Interlocked.Read(ref _peak), GC.GetTotalMemory(false))), null, 0, 50);

        public long PeakGrowth => Math.Max(0, Interlocked.Read(ref _peak) - _baseline);

        public void Dispose() => _timer.Dispose();
    }
}
