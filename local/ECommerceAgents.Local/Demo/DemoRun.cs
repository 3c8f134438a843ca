using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Adapters.Warehouse;
using ECommerceAgents.Local.Cost;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using Npgsql;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Local.Demo;

public sealed record DemoOptions
{
    public int Users { get; init; } = 800;

    /// <summary>Sized to finish in about a minute on this 2-core machine.</summary>
    public int Events { get; init; } = 20_000;

    /// <summary>Events per second sent through the API; 0 sends as fast as the API takes them.</summary>
    public double Rate { get; init; }

    public int Seed { get; init; } = 42;

    public int LogLines { get; init; } = 400;

    /// <summary>The dashboard's port (0: none).</summary>
    public int DashboardPort { get; init; }

    /// <summary>Runs after the report, while the API and the dashboard still serve (the CLI's --hold, the browser test).</summary>
    public Func<DemoReport, Uri?, Task>? WhileServing { get; init; }

    /// <summary>Shoppers who, beside the generated shop, ask for their export and then for erasure (<see cref="DemoPrivacy"/>).</summary>
    public int PrivacyShoppers { get; init; } = DemoPrivacy.DefaultShoppers;

    /// <summary>Kill and restart the local servers during traffic and drain (<c>--chaos</c>); null runs undisturbed.</summary>
    public ChaosOptions? Chaos { get; init; }

    /// <summary>Runs after the report on the run's own host (the deploy check's API tour), before <see cref="WhileServing"/>.</summary>
    public Func<LocalHost, CancellationToken, Task>? AfterReport { get; init; }
}

/// <summary>What a phase reports while it runs: done so far of a total, and a short detail.</summary>
public delegate void DemoProgress(string phase, double done, double total, string detail);

/// <summary>
/// The main job: a seeded shop through the whole platform on the local stack. Its own resources (a run prefix, a
/// Redis prefix, a warehouse database) keep runs apart, so the books of one run can be balanced exactly.
/// </summary>
/// <remarks>
/// Well-formed events (valid, duplicated, late, bot) go through the HTTP API in batches of 10. The injected malformed
/// and schema-violating records are what a misbehaving producer writing to the stream directly sends (the API would
/// refuse them with 400), so they go to Kinesis as they are and must come out as exactly the quarantine.
/// </remarks>
public static class DemoRun
{
    public const string BotNetworks = "198.51.100.0/24";

    public static async Task<DemoReport> RunAsync(LocalStack stack, DemoOptions options, DemoProgress progress, TextWriter functionLog, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var runId = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture) + options.Seed.ToString(CultureInfo.InvariantCulture);
        progress("stack", 0, 1, "provisioning run " + runId);
        var acknowledgements = new AcknowledgementLog(functionLog); // StreamProcessor's acknowledged writes, for accept → write latency
        var (hostOwned, names, warehouse) = await StartIsolatedAsync(stack, "demo-" + runId, acknowledgements, ct, options.Chaos is not null);
        await using var host = hostOwned;
        await using var dashboard = options.DashboardPort > 0
            ? await Dashboard.DashboardServer.StartAsync(host.ApiBase!, host.AdminKey, warehouse, stack.Options.RepositoryRoot, options.DashboardPort, ct)
            : null;
        progress("stack", 1, 1, dashboard is null ? $"API on {host.ApiBase}" : $"dashboard on {dashboard.Address}");

        // The shop's traffic: the generator ends at the last full hour, so every partition is closed when the batch runs.
        var end = new DateTimeOffset(DateTime.UtcNow.Year, DateTime.UtcNow.Month, DateTime.UtcNow.Day, DateTime.UtcNow.Hour, 0, 0, TimeSpan.Zero).AddSeconds(-1);
        var manifest = new DemoManifest(runId, options.Seed, options.Users, options.Events, end, TimeSpan.FromHours(2), options.LogLines) { PrivacyShoppers = options.PrivacyShoppers }.WithWarehouse(stack);
        var generator = manifest.Generator();
        var records = generator.Generate();
        var truth = generator.Truth;
        await manifest.SaveAsync(stack, ct);

        var catalogImportedAt = DateTimeOffset.UtcNow;
        await ImportCatalogAsync(host, generator, progress, ct);
        var catalogDoneAt = DateTimeOffset.UtcNow;
        var accepted = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var apiRetries = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var phase = "traffic";
        ChaosSchedule? chaos = null;
        Task chaosRun = Task.CompletedTask;
        if (options.Chaos is { } chaosOptions)
        {
            var byName = stack.Servers.Concat(host.FirehoseServer is { } f ? [f] : Array.Empty<Stack.Servers.LocalServer>()).ToDictionary(s => s.Name, StringComparer.Ordinal);
            var victims = chaosOptions.Servers.Select(n => byName.TryGetValue(n, out var s) ? s : throw new CliException($"chaos: no local server named '{n}' runs here (servers: {string.Join(", ", byName.Keys)})", 2)).ToArray();
            chaos = new ChaosSchedule(victims, chaosOptions, () => phase, progress);
            chaosRun = chaos.RunAsync(ct);
        }

        var sendStarted = Stopwatch.GetTimestamp();
        var (apiRequests, direct) = await SendTrafficAsync(host, records, truth, options.Rate, accepted, progress, apiRetries, options.Chaos is not null, ct);
        var sendSeconds = Stopwatch.GetElapsedTime(sendStarted).TotalSeconds;
        var logsSent = await SendLogsAsync(host, options, ct);
        using var privacyApi = new HttpClient { BaseAddress = host.ApiBase, Timeout = TimeSpan.FromSeconds(60) };
        if (manifest.Privacy.Count > 0) await DemoPrivacy.SendAsync(privacyApi, host.AdminKey, manifest.Privacy, ct);

        phase = "drain";
        progress("drain", 0, 1, "waiting for the stream and the delivery streams");
        await host.DrainAsync(TimeSpan.FromMinutes(3), ct);
        var realtimeReplayed = 0;
        if (chaos is not null)
        {
            // Kills still to come happen during the drain; once every server is back, drain again so that whatever a
            // late kill held up has gone through, then replay the real-time work deferred while Redis was down.
            await chaosRun;
            await host.DrainAsync(TimeSpan.FromMinutes(3), ct);
            progress("drain", 0.9, 1, "rebuilding the real-time store from the journal");
            var rebuild = await RealtimeRebuild.RunAsync(host.Environment, ct);
            realtimeReplayed = rebuild.ReplayedByShard.Values.Sum();
            if (rebuild.StillStale.Count > 0) throw new CliException("chaos: the real-time store is still stale after the rebuild: " + string.Join(", ", rebuild.StillStale), 1);
            await host.DrainAsync(TimeSpan.FromMinutes(3), ct);
        }

        progress("drain", 1, 1, "drained");

        if (logsSent != manifest.Logs) throw new CliException($"sent {logsSent.Sent} log lines, the run's manifest says {manifest.Logs.Sent}", 1);
        // The traffic's days, and the catalog's: its product_upserted events are stamped when it was imported, which in the
        // hour after midnight (UTC) is the day after the traffic's.
        var dates = records.Where(r => r.EventId is not null).Select(r => r.EventTime.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Append(catalogImportedAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append(catalogDoneAt.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var partitions = new List<Domain.Batch.PartitionSummary>();
        for (var i = 0; i < dates.Length; i++)
        {
            progress("batch", i, dates.Length, "day " + dates[i]);
            var day = await BatchRunner.RunAsync(host.Environment, dates[i], null, null, ct);
            partitions.AddRange(day.Partitions);
        }

        progress("batch", dates.Length, dates.Length, $"{partitions.Count} partitions");
        // The privacy shoppers' exports and erasures, each completed by a batch run (exports and erasure need no new partition).
        var privacy = manifest.Privacy.Count == 0 ? [] : await DemoPrivacy.RunAsync(stack, manifest.Stores, privacyApi, host.AdminKey, manifest.Privacy,
            () => BatchRunner.RunAsync(host.Environment, dates[^1], null, null, ct), progress, ct);
        progress("reconcile", 0, 1, "reading every store");
        var report = await DemoReconciliation.ReconcileAsync(stack, manifest.Stores, truth, generator.Catalog, logsSent, ct, killed: chaos is not null,
            realtimeExtra: DemoPrivacy.CounterTotals(manifest.Privacy));
        report = report with { Checks = [.. report.Checks, .. privacy] };
        if (chaos is not null)
        {
            var processor = host.Sources.KinesisSources.Single(s => s.FunctionName == "StreamProcessor").Stats;
            var demoChaos = new DemoChaos(options.Chaos!.Outage.TotalSeconds, options.Chaos.Gap.TotalSeconds, chaos.Kills, new ChaosRetries
            {
                Api = truth.ApiRetries,
                ApiRetriedEvents = truth.ApiRetriedEvents,
                ApiByReason = new SortedDictionary<string, long>(apiRetries, StringComparer.Ordinal),
                StreamProcessorRetries = processor.Retries,
                StreamProcessorFunctionErrors = processor.FunctionErrors,
                StreamProcessorPartialFailures = processor.PartialFailures,
                StreamProcessorBisections = processor.Bisections,
                RecordsSentToOnFailure = processor.RecordsSentToOnFailure,
                RealtimeBatchesReplayed = realtimeReplayed,
            });
            report = report with { Chaos = demoChaos, Checks = [.. report.Checks, .. demoChaos.Checks(options.Chaos.Servers)] };
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var sent = records.Count;
        report = report with
        {
            RunId = runId,
            Seed = options.Seed,
            Users = options.Users,
            RecordsSent = sent,
            ApiRequests = apiRequests,
            SentDirectToStream = direct,
            SendSeconds = Math.Round(sendSeconds, 1),
            EventsPerSecond = Math.Round(sent / Math.Max(sendSeconds, 0.001)),
            TotalSeconds = Math.Round(elapsed.TotalSeconds, 1),
            Latency = AcceptToWriteLatency.Compute(accepted, acknowledgements.FirstAcknowledged),
            Cost = CostModel.PriceRun(sent, TimeSpan.FromSeconds(sendSeconds), CostStage.Prod),
        };
        progress("reconcile", 1, 1, report.Balanced ? "the books balance" : "the books do not balance");
        if (options.AfterReport is { } after) await after(host, ct);
        if (options.WhileServing is { } serving) await serving(report, dashboard?.Address);
        return report;
    }

    /// <summary>
    /// Balances the books of a finished run again, from its manifest: the generator is re-run with the run's seed, size
    /// and end (it is deterministic), and every store is read as it is now. The report's send figures stay empty.
    /// </summary>
    public static async Task<DemoReport> ReconcileRunAsync(LocalStack stack, string runId, CancellationToken ct)
    {
        var manifest = await DemoManifest.LoadAsync(stack, runId, ct);
        var generator = manifest.Generator();
        generator.Generate();
        var report = await DemoReconciliation.ReconcileAsync(stack, manifest.Stores, generator.Truth, generator.Catalog, manifest.Logs, ct,
            realtimeExtra: DemoPrivacy.CounterTotals(manifest.Privacy));
        return report with { RunId = runId, Seed = manifest.Seed, Users = manifest.Users, Latency = await DemoReconciliation.LatencyAsync(stack, manifest.Stores.Names, ct) };
    }

    /// <summary>
    /// The whole local platform on resources of its own (tables, stream, buckets, Redis prefix, warehouse database), so a
    /// run's books can be balanced without the stack's other data.
    /// </summary>
    internal static async Task<(LocalHost Host, ResourceBindings Names, string Warehouse)> StartIsolatedAsync(LocalStack stack, string prefix, TextWriter functionLog, CancellationToken ct, bool chaos = false)
    {
        var names = ResourceBindings.FromPrefix(prefix);
        await stack.ProvisionAsync(names, ct);
        var warehouse = await CreateWarehouseAsync(stack, prefix.Replace('-', '_'), ct);
        var settings = new Dictionary<string, string>(names.ToEnvironment(), StringComparer.Ordinal)
        {
            [SettingNames.BotNetworks] = BotNetworks,
            [SettingNames.RedisPrefix] = prefix + ":",
            [ServiceEndpoints.WarehouseVariable] = warehouse,
            [AcknowledgementLog.Setting] = "true",
        };
        var host = await LocalHost.StartAsync(stack, new LocalHostOptions
        {
            Names = names,
            Endpoints = stack.Endpoints with { Warehouse = warehouse },
            Settings = settings,
            FunctionOutput = functionLog,
            // Under chaos the Firehose stand-in runs as a killable process with a spool, and Lambda's event source
            // mapping retries a failing batch until the stores are back (-1, AWS's default) instead of giving it up.
            FirehoseServer = chaos
                ? new Stack.Servers.FirehoseServer(stack.Options.Ports.Firehose, stack.Options.StateDirectory,
                    Stack.Servers.FirehoseServer.FindLauncher() ?? throw new CliException("chaos: eca.dll is not beside this program, so the Firehose server cannot be started", 1), [prefix])
                : null,
            StreamProcessor = chaos ? new LocalHostOptions().StreamProcessor with { MaximumRetryAttempts = -1 } : new LocalHostOptions().StreamProcessor,
        }, ct);
        return (host, names, warehouse);
    }

    private static async Task<string> CreateWarehouseAsync(LocalStack stack, string database, CancellationToken ct)
    {
        var server = new NpgsqlConnectionStringBuilder(stack.Endpoints.Warehouse ?? throw new CliException("the local stack has no warehouse", 1));
        var admin = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync(ct);
            await using var create = new NpgsqlCommand($"create database \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }

        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = database }.ConnectionString;
    }

    /// <summary>The generator's catalog as a CSV upload to the landing zone; CatalogImport runs on its Object Created event.</summary>
    private static async Task<int> ImportCatalogAsync(LocalHost host, TrafficGenerator generator, DemoProgress progress, CancellationToken ct)
    {
        progress("catalog", 0, 1, $"{generator.Catalog.Count} products");
        var csv = new StringBuilder("sku,title,category,brand,price,currency,stock\n");
        static string Quoted(string text) => "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        foreach (var p in generator.Catalog)
        {
            csv.Append(Quoted(p.Sku)).Append(',').Append(Quoted(p.Title)).Append(',').Append(Quoted(p.Category)).Append(',').Append(Quoted(p.Brand)).Append(',')
                .Append(p.Price.ToString(CultureInfo.InvariantCulture)).Append(',').Append(p.Currency).Append(',').Append(p.Stock.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        var names = host.Environment.Names;
        await host.Stack.S3Client.PutObjectAsync(new PutObjectRequest
        {
            BucketName = names.Bucket(Buckets.Landing),
            Key = ZoneLayout.CatalogIncoming + "demo-catalog.csv",
            InputStream = new MemoryStream(Encoding.UTF8.GetBytes(csv.ToString())),
        }, ct);
        await host.DrainAsync(TimeSpan.FromMinutes(2), ct);
        progress("catalog", 1, 1, $"{generator.Catalog.Count} products imported");
        return generator.Catalog.Count;
    }

    private static async Task<(int Requests, int Direct)> SendTrafficAsync(LocalHost host, IReadOnlyList<GeneratedRecord> records, GroundTruth truth, double rate, Dictionary<string, DateTimeOffset> accepted, DemoProgress progress,
        System.Collections.Concurrent.ConcurrentDictionary<string, long> retryReasons, bool chaos, CancellationToken ct)
    {
        var names = host.Environment.Names;
        var faults = records.Where(r => r.Fault is Fault.Malformed or Fault.SchemaViolation).ToArray();
        var wellFormed = records.Where(r => r.Fault is not (Fault.Malformed or Fault.SchemaViolation)).ToArray();

        // A misbehaving producer writes straight to the stream.
        var put = await host.Stack.KinesisClient.PutRecordsAsync(names.Stream(Streams.Events), faults.Select(f => new PutRecordsRequestEntry(f.Data, f.PartitionKey)).ToArray(), ct);
        if (!put.AllSucceeded) throw new CliException("the stream refused the injected fault records", 1);

        using var http = new HttpClient { BaseAddress = host.ApiBase, Timeout = TimeSpan.FromSeconds(60) };
        // Retries 503, 429, 409 and connection failures with the same idempotency key, counted in the ground truth.
        // Under chaos it must ride out a server's restart and the 30 s lease of a key whose request a kill cut short.
        var client = new ApiIngestClient(http, host.AdminKey, chaos ? new ApiRetryPolicy { MaxAttempts = 40, MaxDelay = TimeSpan.FromSeconds(4) } : null, truth)
        {
            Retrying = retry => retryReasons.AddOrUpdate(retry.Reason, 1, (_, n) => n + 1),
        };
        var batches = wellFormed.Chunk(10).ToArray();
        var sent = 0;
        var requests = 0;
        var clock = Stopwatch.StartNew();
        var gate = new SemaphoreSlim(4);
        var pending = new List<Task>();
        foreach (var batch in batches)
        {
            if (rate > 0)
            {
                var due = TimeSpan.FromSeconds(sent / rate);
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, ct);
            }

            await gate.WaitAsync(ct);
            sent += batch.Length;
            pending.Add(PostAsync(batch));
            if (requests % 25 == 0) progress("traffic", sent + faults.Length, records.Count, $"{Math.Round(sent / Math.Max(clock.Elapsed.TotalSeconds, 0.001)):N0} events/s through the API");
        }

        await Task.WhenAll(pending);
        progress("traffic", records.Count, records.Count, $"{requests} API requests ({client.Retries} retried), {faults.Length} faulty records straight to the stream");
        return (requests, faults.Length);

        async Task PostAsync(GeneratedRecord[] batch)
        {
            try
            {
                var body = "[" + string.Join(",", batch.Select(AsProducerSends)) + "]";
                var answer = await client.PostAsync("v1/events", body, batch.Length, cancellationToken: ct);
                if ((int)answer.Status != 202)
                {
                    throw new CliException($"the API answered {(int)answer.Status} after {answer.Attempts} attempt(s): {answer.Body}", 1);
                }

                var acceptedAt = DateTimeOffset.UtcNow; // the 202 in hand: where accept → write latency starts
                lock (accepted)
                {
                    foreach (var r in batch.Where(r => r.EventId is not null)) accepted.TryAdd(r.EventId!, acceptedAt);
                }

                Interlocked.Increment(ref requests);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    /// <summary>The generator stamps lineage as a producer behind the stream would see it; through the API the platform stamps it.</summary>
    private static string AsProducerSends(GeneratedRecord record)
    {
        var node = JsonNode.Parse(record.Data)!.AsObject();
        node.Remove("lineage");
        return node.ToJsonString();
    }

    /// <summary>Service logs into the logs delivery stream (LogTransformer): JSON and text lines, some with PII, some health checks.</summary>
    private static async Task<DemoLogs> SendLogsAsync(LocalHost host, DemoOptions options, CancellationToken ct)
    {
        var firehose = StreamClients.Firehose(host.Environment.Endpoints with { Firehose = new Uri($"http://127.0.0.1:{host.Stack.Options.Ports.Firehose}") });
        var random = new Random(options.Seed);
        var services = new[] { "checkout", "catalog", "search", "payments" };
        var lines = new List<byte[]>();
        var health = 0;
        for (var i = 0; i < options.LogLines; i++)
        {
            var service = services[random.Next(services.Length)];
            var at = DateTimeOffset.UtcNow.AddSeconds(-random.Next(3600)).ToString("O", CultureInfo.InvariantCulture);
            string line;
            if (i % 10 == 0)
            {
                line = $"{at} INFO GET /healthz 200";
                health++;
            }
            else if (i % 7 == 0)
            {
                line = $$"""{"timestamp":"{{at}}","level":"ERROR","service":"{{service}}","message":"payment declined for shopper{{i}}@example.com card 4111 1111 1111 1111","requestId":"req-{{i}}"}""";
            }
            else
            {
                line = $$"""{"timestamp":"{{at}}","level":"INFO","service":"{{service}}","message":"handled request {{i}}","requestId":"req-{{i}}","durationMs":{{random.Next(5, 300)}}}""";
            }

            lines.Add(Encoding.UTF8.GetBytes(line + "\n"));
        }

        // A well-behaved producer retries while Firehose is unreachable (the chaos run may have it down just now).
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var put = await firehose.PutRecordBatchAsync(host.Environment.Names.DeliveryStream(DeliveryStreams.Logs), lines, ct);
                if (!put.AllSucceeded) throw new CliException("the logs delivery stream refused records", 1);
                break;
            }
            catch (Exception ex) when (ex is not CliException && !ct.IsCancellationRequested && attempt < 60)
            {
                await Task.Delay(500, ct);
            }
        }

        return new DemoLogs(lines.Count, health);
    }

    internal static async IAsyncEnumerable<(string Key, string Line)> GzipLinesAsync(LocalStack stack, string bucket, string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var key in KeysAsync(stack, bucket, prefix, ct))
        {
            // Firehose zones are GZIP; outbox, export and .json objects are plain: told apart by the GZIP magic bytes.
            using var reader = new StreamReader(new MemoryStream(Domain.Batch.Gzip.Decompress(await ReadAsync(stack, bucket, key, ct))));
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.Length > 0) yield return (key, line);
            }
        }
    }

    internal static async IAsyncEnumerable<string> KeysAsync(LocalStack stack, string bucket, string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        string? token = null;
        do
        {
            var page = await stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token }, ct);
            foreach (var o in page.S3Objects ?? []) yield return o.Key;
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    internal static async Task<byte[]> ReadAsync(LocalStack stack, string bucket, string key, CancellationToken ct)
    {
        using var response = await stack.S3Client.GetObjectAsync(bucket, key, ct);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, ct);
        return buffer.ToArray();
    }

    internal static EventParquet Parquet { get; } = new();
}

public sealed record DemoLogs(int Sent, int HealthChecks);
