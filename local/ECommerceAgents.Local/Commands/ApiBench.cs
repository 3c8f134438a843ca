using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Kms;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Validation;
using ECommerceAgents.Functions.Api;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Local.Benchmarks;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace ECommerceAgents.Local.Commands;

/// <summary>
/// <c>bench api</c>: a bounded load of 10-event batches on loopback, from a .NET load loop in this process (HttpClient,
/// HTTP/1.1 keep-alive, a fixed number of concurrent connections). Four measurements in each round: the stream
/// stand-in's own PutRecords ceiling (500-record calls), the API end to end with the stream, the API alone with a sink
/// that acknowledges at once, and <see cref="BareKestrelEndpoint"/> under the same load as the API alone (issue 19: the
/// API-only figure is its share of bare Kestrel, measured in the same round, not an absolute rate).
/// </summary>
internal static class ApiBench
{
    private const int EventsPerRequest = 10;

    public static Command Create(Option<string?> state)
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var seconds = new Option<double>("--seconds") { Description = "Measured seconds of each load phase (after a 2 s warm-up).", DefaultValueFactory = _ => 8 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent connections of the end-to-end load.", DefaultValueFactory = _ => 24 };
        var apiConcurrency = new Option<int>("--api-concurrency") { Description = "Concurrent connections of the API-only and bare-Kestrel loads.", DefaultValueFactory = _ => 32 };
        var inFlight = new Option<int>("--calls-in-flight") { Description = "PutRecords calls the API's writer keeps in flight.", DefaultValueFactory = _ => 2 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of the four measurements; each figure is the median of the rounds, with min and max.", DefaultValueFactory = _ => 3 };
        var latency = new AwsLatencySwitch();
        var command = new Command("api", "Load the ingest API with 10-event batches on loopback: end to end with the Kinesis stand-in, its PutRecords ceiling, the API alone and a bare Kestrel endpoint (median of the rounds, with min and max).")
        {
            json, seconds, concurrency, apiConcurrency, inFlight, rounds,
        };
        latency.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            await latency.StartAsync(parse, stack, ct);
            if (parse.GetValue(rounds) < 1) throw new CliException("--rounds must be at least 1", 2);
            var result = await RunAsync(stack, TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(concurrency), parse.GetValue(apiConcurrency), parse.GetValue(inFlight), parse.GetValue(rounds), ct);
            Console.WriteLine(parse.GetValue(json) ? result.ToJsonString() : result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return command;
    }

    public static async Task<JsonObject> RunAsync(LocalStack stack, TimeSpan duration, int concurrency, int apiConcurrency, int callsInFlight, int rounds, CancellationToken ct)
    {
        var environment = await EnvironmentAsync(stack, ct);
        var names = environment.Names;

        var bodies = Bodies();
        var streamRecords = StreamRecords(bodies);
        var result = new JsonObject
        {
            ["loadGenerator"] = ".NET load loop in the same process: HttpClient over SocketsHttpHandler, HTTP/1.1 keep-alive, closed loop (each connection sends its next request when the last is answered)",
            ["eventsPerRequest"] = EventsPerRequest,
            ["requestBytes"] = (int)bodies.Average(b => b.Length),
            ["recordBytes"] = (int)streamRecords.Average(r => r.Data.Length),
            ["cores"] = Environment.ProcessorCount,
            ["sealed"] = environment.Setting(SettingNames.MasterKey) is not null || environment.Setting(SettingNames.KmsKeyId) is not null,
        };
        AwsLatencySwitch.Describe(result, stack);

        // Each round runs the four measurements in turn, so the machine's noise hits them alike; each figure is the median
        // of its rounds, with min and max (issue 16), and a ratio (share of the ceiling, share of bare Kestrel) is taken
        // within each round. The API alone and bare Kestrel swap places every round, so neither always runs second.
        var kinesis = StreamClients.Kinesis(environment.Endpoints);

        // Where an end-to-end request's time goes: its wait in the writer (the queue for a free call, then the call), and
        // each PutRecords round trip to the stand-in, timed on a client built as StreamClients builds it.
        var callLog = new LatencyLog();
        var writerLog = new LatencyLog();
        var endpoints = environment.Endpoints;
        using var timedHttp = new HttpClient(new LatencyLog.TimingHandler(callLog, new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(2) })) { Timeout = TimeSpan.FromSeconds(30) };
        var timedKinesis = new KinesisClient(new SigV4JsonClient(timedHttp, AwsJsonService.Kinesis, endpoints.Kinesis!, endpoints.Region, AwsHttp.Credentials(endpoints)));
        var writer = new KinesisEventStreamWriter(timedKinesis, names.Stream(Streams.Events), maxCallsInFlight: callsInFlight);
        var writerWaits = new List<double[]>(rounds);
        var callTimes = new List<double[]>(rounds);
        var ceilings = new List<double>(rounds);
        var ceilingCallTimes = new List<double[]>(rounds);
        var e2e = new List<LoadResult>(rounds);
        var apiOnly = new List<LoadResult>(rounds);
        var bare = new List<LoadResult>(rounds);
        for (var round = 0; round < rounds; round++)
        {
            // 1. The stand-in's own ceiling: 500-record PutRecords calls of the records the API puts, straight from here, 4 in flight.
            var (ceiling, ceilingCalls) = await StreamCeilingAsync(stack.Latency is null ? stack.KinesisClient : kinesis, names, streamRecords, duration, ct);
            ceilings.Add(ceiling);
            ceilingCallTimes.Add(ceilingCalls);

            // 2. End to end: the API on Kestrel, group-committing into the Kinesis stand-in.
            writerLog.Clear();
            callLog.Clear();
            var run = await ApiLoadAsync(environment, new LatencyLog.TimedWriter(writerLog, writer), bodies, concurrency, duration, ct);
            e2e.Add(run);
            writerWaits.Add(writerLog.TakeSorted(run.Began, run.Ended));
            callTimes.Add(callLog.TakeSorted(run.Began, run.Ended));

            // 3. and 4. The API alone (the same app, its stream writer swapped for a sink that acknowledges at once) and a
            // bare Kestrel endpoint that reads the same body and answers 202, under the same load loop.
            var apiFirst = round % 2 == 0;
            if (apiFirst) apiOnly.Add(await ApiLoadAsync(environment, new AcknowledgingSink(), bodies, apiConcurrency, duration, ct));
            bare.Add(await BareLoadAsync(bodies, apiConcurrency, duration, ct));
            if (!apiFirst) apiOnly.Add(await ApiLoadAsync(environment, new AcknowledgingSink(), bodies, apiConcurrency, duration, ct));
        }

        var (calls, records) = writer.Sent;
        result["rounds"] = rounds;
        BenchFigure.Of(ceilings).WriteTo(result, "streamCeilingRecordsPerSecond");
        BenchFigure.Of(ceilingCallTimes.Select(c => LatencyLog.Percentile(c, 0.50))).WriteTo(result, "streamCeilingCallP50Ms", 2);
        BenchFigure.Of(ceilingCallTimes.Select(c => LatencyLog.Percentile(c, 0.99))).WriteTo(result, "streamCeilingCallP99Ms", 2);
        BenchFigure.Of(e2e.Select(r => r.RequestsPerSecond)).WriteTo(result, "requestsPerSecond");
        BenchFigure.Of(e2e.Select(r => r.RequestsPerSecond * EventsPerRequest)).WriteTo(result, "eventsPerSecond");
        BenchFigure.Of(e2e.Select(r => r.P50)).WriteTo(result, "p50Ms", 2);
        BenchFigure.Of(e2e.Select(r => r.P99)).WriteTo(result, "p99Ms", 2);
        result["errors"] = e2e.Sum(r => r.Errors);
        result["concurrency"] = concurrency;
        result["callsInFlight"] = callsInFlight;
        BenchFigure.Of(e2e.Select((r, i) => r.RequestsPerSecond * EventsPerRequest / ceilings[i])).WriteTo(result, "endToEndShareOfCeiling", 3);
        BenchFigure.Of(writerWaits.Select(w => LatencyLog.Percentile(w, 0.50))).WriteTo(result, "writerWaitP50Ms", 2);
        BenchFigure.Of(writerWaits.Select(w => LatencyLog.Percentile(w, 0.99))).WriteTo(result, "writerWaitP99Ms", 2);
        BenchFigure.Of(callTimes.Select(w => LatencyLog.Percentile(w, 0.50))).WriteTo(result, "putRecordsCallP50Ms", 2);
        BenchFigure.Of(callTimes.Select(w => LatencyLog.Percentile(w, 0.99))).WriteTo(result, "putRecordsCallP99Ms", 2);
        result["putRecordsCalls"] = calls;
        result["recordsPerPutRecordsCall"] = calls == 0 ? 0 : Math.Round((double)records / calls, 1);
        result["endToEndCpuRounds"] = new JsonArray(e2e.Select(r => (JsonNode)r.Cpu).ToArray());
        BenchFigure.Of(e2e.Select(r => r.Gc.PauseMs / duration.TotalSeconds)).WriteTo(result, "endToEndGcPauseMsPerSecond", 1);
        result["endToEndGen2CollectionsRounds"] = new JsonArray(e2e.Select(r => (JsonNode)r.Gc.Gen2).ToArray());
        BenchFigure.Of(apiOnly.Select(r => r.RequestsPerSecond)).WriteTo(result, "apiOnlyRequestsPerSecond");
        BenchFigure.Of(apiOnly.Select(r => r.P50)).WriteTo(result, "apiOnlyP50Ms", 2);
        BenchFigure.Of(apiOnly.Select(r => r.P99)).WriteTo(result, "apiOnlyP99Ms", 2);
        result["apiOnlyErrors"] = apiOnly.Sum(r => r.Errors);
        result["apiOnlyConcurrency"] = apiConcurrency;
        result["apiOnlyCpuRounds"] = new JsonArray(apiOnly.Select(r => (JsonNode)r.Cpu).ToArray());
        BenchFigure.Of(bare.Select(r => r.RequestsPerSecond)).WriteTo(result, "bareKestrelRequestsPerSecond");
        BenchFigure.Of(bare.Select(r => r.P99)).WriteTo(result, "bareKestrelP99Ms", 2);
        result["bareKestrelErrors"] = bare.Sum(r => r.Errors);
        BenchFigure.Of(apiOnly.Select((r, i) => r.RequestsPerSecond / bare[i].RequestsPerSecond)).WriteTo(result, "apiOnlyShareOfBareKestrel", 3);

        // CPU per request is steadier than a rate on a shared machine: the load loop costs both the same, so the difference
        // is the API's own work per request (middleware, validation, the answer) beyond reading the body.
        BenchFigure.Of(apiOnly.Select(r => r.CpuMicrosecondsPerRequest)).WriteTo(result, "apiOnlyCpuMicrosecondsPerRequest");
        BenchFigure.Of(bare.Select(r => r.CpuMicrosecondsPerRequest)).WriteTo(result, "bareKestrelCpuMicrosecondsPerRequest");
        BenchFigure.Of(apiOnly.Select((r, i) => r.CpuMicrosecondsPerRequest - bare[i].CpuMicrosecondsPerRequest)).WriteTo(result, "apiCpuMicrosecondsPerRequestBeyondBare");
        result["bareKestrelCpuRounds"] = new JsonArray(bare.Select(r => (JsonNode)r.Cpu).ToArray());
        result["targets"] = new JsonObject
        {
            ["endToEndShareOfCeiling"] = ">= 0.7",
            ["p99Ms"] = "<= 50",
            ["apiOnlyShareOfBareKestrel"] = ">= 0.5",
        };
        return result;
    }

    /// <summary>The API's environment on resources of its own, with rate limits out of the way.</summary>
    internal static async Task<FunctionEnvironment> EnvironmentAsync(LocalStack stack, CancellationToken ct)
    {
        var names = ResourceBindings.FromPrefix("bench-api-" + Guid.NewGuid().ToString("N")[..8]);
        await stack.ProvisionAsync(names, ct);
        return LocalFunctions.Environment(stack, new Dictionary<string, string>
        {
            [SettingNames.RateLimitRps] = "10000000",
            [SettingNames.RateLimitBurst] = "10000000",
            [SettingNames.RedisPrefix] = names.Table(Tables.Profiles) + ":",
        }) with { Names = names, Output = TextWriter.Null };
    }

    /// <summary>
    /// 2,000 request bodies of 10 generated events each, as producers send them (no lineage: the API stamps it). A
    /// request carries one client's events, as a browser or app tracker batches its own visitor's (the reference's
    /// SDKs send one device's events per request; its cost page assumes 10 per request): each stream key's events, in
    /// time order, in full requests of 10, the requests ordered by their first event.
    /// </summary>
    internal static byte[][] Bodies()
    {
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 11, Users = 500, Events = 30_000, MalformedRate = 0, SchemaViolationRate = 0, DuplicateRate = 0, BotRate = 0, LateRate = 0, End = DateTimeOffset.UtcNow });
        var requests = generator.Generate().Where(r => r.EventId is not null)
            .GroupBy(r => r.PartitionKey, StringComparer.Ordinal)
            .SelectMany(key => key.Chunk(EventsPerRequest).Where(c => c.Length == EventsPerRequest))
            .OrderBy(c => c[0].EventTime).ThenBy(c => c[0].EventId, StringComparer.Ordinal)
            .Take(2_000);
        return requests.Select(c => Encoding.UTF8.GetBytes("[" + string.Join(",", c.Select(r =>
        {
            var node = JsonNode.Parse(r.Data)!.AsObject();
            node.Remove("lineage");
            return node.ToJsonString();
        })) + "]")).ToArray();
    }

    /// <summary>
    /// The records the API puts for these bodies, byte for byte in size: each event with the lineage the API splices in,
    /// under the partition key the API gives it. The ceiling is measured on these, not on the bare events, because the
    /// stand-in's cost grows with a record's bytes (it decodes and re-encodes every record's base64).
    /// </summary>
    private static PutRecordsRequestEntry[] StreamRecords(byte[][] bodies)
    {
        var validator = new IngestValidator(new EventParser(SchemaRegistry.Default, TimeProvider.System));
        var lineage = new IngestLineage("api", DateTimeOffset.UtcNow, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Guid.NewGuid().ToString("N"));
        return bodies.SelectMany(b => validator.Validate(b, lineage).Accepted).Select(a => new PutRecordsRequestEntry(a.Record, a.PartitionKey)).ToArray();
    }

    /// <summary>PutRecords calls straight from here; under the AWS latency simulation through its proxy, as the API's own go.</summary>
    private static async Task<(double RecordsPerSecond, double[] CallMs)> StreamCeilingAsync(KinesisClient client, ResourceBindings names, PutRecordsRequestEntry[] records, TimeSpan duration, CancellationToken ct)
    {
        var calls = records.Chunk(500).ToArray();
        var stream = names.Stream(Streams.Events);
        long sent = 0;
        var next = -1;
        var log = new LatencyLog();
        async Task Worker(DateTime until)
        {
            while (DateTime.UtcNow < until)
            {
                var call = calls[(int)((uint)Interlocked.Increment(ref next) % (uint)calls.Length)];
                var callStarted = Stopwatch.GetTimestamp();
                var put = await client.PutRecordsAsync(stream, call, ct);
                log.Add(callStarted);
                Interlocked.Add(ref sent, put.Outcomes.Count(o => o.Succeeded));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Worker(DateTime.UtcNow.AddSeconds(1)))); // warm-up
        sent = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Worker(DateTime.UtcNow + duration)));
        var ended = Stopwatch.GetTimestamp();
        return (sent / Stopwatch.GetElapsedTime(started, ended).TotalSeconds, log.TakeSorted(started, ended));
    }

    /// <summary>One load phase: its rate, latencies, errors and CPU, and the Stopwatch timestamps its measured window began and ended at.</summary>
    internal sealed record LoadResult(double RequestsPerSecond, double P50, double P99, int Errors, JsonObject Cpu, long Began, long Ended)
    {
        /// <summary>This process's CPU time per request (API and load loop), in microseconds.</summary>
        public double CpuMicrosecondsPerRequest { get; init; }

        /// <summary>This process's garbage-collection pauses within the window: their total, and the collections of generation 2.</summary>
        public (double PauseMs, int Gen2) Gc { get; init; }
    }

    /// <summary>The API on Kestrel with the given stream writer, under the load loop.</summary>
    internal static async Task<LoadResult> ApiLoadAsync(FunctionEnvironment environment, IEventStreamWriter writer, byte[][] bodies, int concurrency, TimeSpan duration, CancellationToken ct, bool idempotencyKeys = false)
    {
        var dynamo = DynamoDbClientFactory.Create(environment.Endpoints);
        var redis = await ConnectionMultiplexer.ConnectAsync(RedisConnectionFactory.Options(environment.Endpoints.Redis!));
        var port = LocalPorts.Free().Api;
        // With ECA_MASTER_KEY or ECA_KMS_KEY_ID set, the API seals personal fields at the door, as deployed (null: clear).
        var keyring = SubjectKeyringFactory.Create(environment.Endpoints, environment.Names, dynamo, environment.Setting, environment.Clock);
        await using var app = ApiApplication.Build(environment, ApiOptions.From(environment), new ApiClients(dynamo, redis, writer, ApiClients.SearchClient(environment), keyring), new IPEndPoint(IPAddress.Loopback, port));
        var (_, key) = await app.Services.GetRequiredService<IApiKeyStore>().CreateAsync("bench", ApiRole.Ingest, ct);
        await app.StartAsync(ct);
        try
        {
            return await LoadAsync(port, key, bodies, concurrency, duration, ct, idempotencyKeys);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The bare endpoint under the same load loop (the key header is sent and ignored).</summary>
    private static async Task<LoadResult> BareLoadAsync(byte[][] bodies, int concurrency, TimeSpan duration, CancellationToken ct)
    {
        var port = LocalPorts.Free().Api;
        await using var app = BareKestrelEndpoint.Build(new IPEndPoint(IPAddress.Loopback, port));
        await app.StartAsync(ct);
        try
        {
            return await LoadAsync(port, "bare-kestrel-reads-no-key", bodies, concurrency, duration, ct);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// The load loop: <paramref name="concurrency"/> connections, each posting its next body when the last is answered;
    /// with <paramref name="idempotencyKeys"/> each request carries a new Idempotency-Key, as ApiIngestClient sends.
    /// </summary>
    private static async Task<LoadResult> LoadAsync(int port, string key, byte[][] bodies, int concurrency, TimeSpan duration, CancellationToken ct, bool idempotencyKeys = false)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}/"),
        };
        http.DefaultRequestHeaders.Add(ApiApplication.KeyHeader, key);
        var next = -1;
        var errors = 0;

        async Task<List<double>> Worker(DateTime until)
        {
            var latencies = new List<double>(4096);
            while (DateTime.UtcNow < until)
            {
                var body = bodies[(int)((uint)Interlocked.Increment(ref next) % (uint)bodies.Length)];
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = content };
                    if (idempotencyKeys) request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString("N"));
                    using var response = await http.SendAsync(request, ct);
                    await response.Content.LoadIntoBufferAsync(ct);
                    if (response.StatusCode != HttpStatusCode.Accepted) Interlocked.Increment(ref errors);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            return latencies;
        }

        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Worker(DateTime.UtcNow.AddSeconds(2))));
        errors = 0;
        var cpuBefore = CpuSample.Take();
        var (pauseBefore, gen2Before) = (GC.GetTotalPauseDuration(), GC.CollectionCount(2));
        var began = Stopwatch.GetTimestamp();
        var all = (await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Worker(DateTime.UtcNow + duration)))).SelectMany(l => l).ToArray();
        var ended = Stopwatch.GetTimestamp();
        var elapsed = Stopwatch.GetElapsedTime(began, ended).TotalSeconds;
        var cpuAfter = CpuSample.Take();
        var cpu = cpuAfter.Since(cpuBefore, elapsed);
        var cpuSeconds = (cpuAfter.Process - cpuBefore.Process).TotalSeconds;
        Array.Sort(all);
        return new LoadResult(all.Length / elapsed, LatencyLog.Percentile(all, 0.50), LatencyLog.Percentile(all, 0.99), errors, cpu, began, ended)
        {
            CpuMicrosecondsPerRequest = all.Length == 0 ? 0 : cpuSeconds * 1e6 / all.Length,
            Gc = ((GC.GetTotalPauseDuration() - pauseBefore).TotalMilliseconds, GC.CollectionCount(2) - gen2Before),
        };
    }

    /// <summary>Where the time goes: this process (API + load loop) against the whole machine (the rest is the local servers).</summary>
    private sealed record CpuSample(TimeSpan Process, long MachineBusy, long MachineTotal)
    {
        public static CpuSample Take()
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
            var idle = fields[3] + fields[4];
            return new CpuSample(self.TotalProcessorTime, fields.Sum() - idle, fields.Sum());
        }

        public JsonObject Since(CpuSample before, double seconds)
        {
            var cores = Environment.ProcessorCount;
            var machine = MachineTotal == before.MachineTotal ? 0 : (double)(MachineBusy - before.MachineBusy) / (MachineTotal - before.MachineTotal);
            var process = (Process - before.Process).TotalSeconds / (seconds * cores);
            return new JsonObject
            {
                ["machineBusyPercent"] = Math.Round(100 * machine, 1),
                ["thisProcessPercent"] = Math.Round(100 * process, 1),
                ["otherProcessesPercent"] = Math.Round(100 * Math.Max(0, machine - process), 1),
                ["note"] = "this process = the API and the load loop; other processes = the local servers (kinesalite for the stream, redis, dynalite)",
            };
        }
    }

    /// <summary>The stream writer of the API-only measurement: acknowledges every record at once, writes nothing.</summary>
    private sealed class AcknowledgingSink : IEventStreamWriter
    {
        public Task<StreamWriteResult> WriteAsync(IReadOnlyList<AcceptedEvent> events, CancellationToken cancellationToken) =>
            Task.FromResult(new StreamWriteResult(events.Count, [], null));
    }
}
