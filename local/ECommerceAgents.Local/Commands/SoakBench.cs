using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Local.Benchmarks;
using ECommerceAgents.Local.Demo;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Local.Commands;

/// <summary>
/// <c>bench soak --minutes N</c>: steady ingest through the whole local pipeline (API → Kinesis → StreamProcessor →
/// DynamoDB, Redis, Firehose → S3) at a fixed rate, on resources of its own, loopback only; it stops by itself. Reports
/// per minute the throughput sent and processed (events whose last write StreamProcessor acknowledged), API errors and
/// latency, and this process's memory, then the memory growth and the drift of the processed rate between the first
/// and the last minute, and what was lost or doubled: every accepted event's id looked up in the enriched and bot zones.
/// </summary>
internal static class SoakBench
{
    public static Command Create(Option<string?> state)
    {
        var minutes = new Option<double>("--minutes") { Description = "How long to run.", DefaultValueFactory = _ => 10 };
        var rate = new Option<int>("--rate") { Description = "Events per second through the API (10-event requests).", DefaultValueFactory = _ => 500 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var functionLog = new Option<string?>("--function-log") { Description = "Write the functions' JSON log lines to this file (default: discarded)." };
        var latency = new AwsLatencySwitch();
        var command = new Command("soak", "Steady ingest through the whole local pipeline for N minutes: memory growth, throughput drift, errors.") { minutes, rate, json, functionLog };
        latency.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            await using var stack = StackContext.Open(parse.GetValue(state), Console.Error);
            await stack.UpAsync(ct);
            await latency.StartAsync(parse, stack, ct);
            await using var log = parse.GetValue(functionLog) is { } path ? TextWriter.Synchronized(new StreamWriter(path)) : TextWriter.Null;
            var result = await RunAsync(stack, TimeSpan.FromMinutes(parse.GetValue(minutes)), parse.GetValue(rate), log, ct);
            AwsLatencySwitch.Describe(result, stack);
            Console.WriteLine(parse.GetValue(json) ? result.ToJsonString() : result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return result["errors"]!.GetValue<long>() == 0 && result["lost"]!.GetValue<long>() == 0 && result["doubled"]!.GetValue<long>() == 0 ? 0 : 1;
        });
        return command;
    }

    private static async Task<JsonObject> RunAsync(Stack.LocalStack stack, TimeSpan duration, int rate, TextWriter functionLog, CancellationToken ct)
    {
        var prefix = "soak-" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        // StreamProcessor's acknowledged batches (counts only, so the soak's own heap stays flat): the processed rate.
        var acknowledgements = new AcknowledgementLog(functionLog, keepEventIds: false);
        var (host, names, _) = await DemoRun.StartIsolatedAsync(stack, prefix, acknowledgements, ct);
        await using var _host = host;
        using var http = new HttpClient { BaseAddress = host.ApiBase, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("x-api-key", host.AdminKey);
        var source = host.Sources.KinesisSources.Single();

        var minutes = new JsonArray();
        long sent = 0, errors = 0, seed = 1;
        var clock = Stopwatch.StartNew();
        var queue = new Queue<(string Id, string Json)>();
        // The accepted ids, as GUIDs in an array sized for the whole run before minute 1, so keeping them does not show as
        // heap growth (a list of 300,000 strings would add about 30 MB to the figure the soak is there to measure).
        var accepted = new Guid[(int)Math.Min(int.MaxValue - 64, rate * duration.TotalSeconds * 1.05 + 1000)];
        var acceptedCount = 0;
        var windows = new List<(DateTimeOffset Start, DateTimeOffset End)>();
        double? firstHeap = null;
        var minuteIndex = 0;
        while (clock.Elapsed < duration)
        {
            var minuteStart = clock.Elapsed;
            var windowStart = DateTimeOffset.UtcNow;
            var minuteEnd = TimeSpan.FromTicks(Math.Min((minuteStart + TimeSpan.FromMinutes(1)).Ticks, duration.Ticks));
            long minuteSent = 0, minuteErrors = 0;
            var deliveredBefore = source.Stats.RecordsDelivered;
            var latencies = new List<double>();
            while (clock.Elapsed < minuteEnd)
            {
                // Ten events a request, paced to the rate; fresh events from the generator (new ids), one seed after another.
                if (queue.Count < 10)
                {
                    var generator = new TrafficGenerator(new TrafficOptions { Seed = (int)seed++, Users = 200, Events = 5000, MalformedRate = 0, SchemaViolationRate = 0, DuplicateRate = 0, BotRate = 0 });
                    foreach (var r in generator.Generate().Where(r => r.EventId is not null))
                    {
                        var node = JsonNode.Parse(r.Data)!.AsObject();
                        node.Remove("lineage");
                        queue.Enqueue((r.EventId!, node.ToJsonString()));
                    }
                }

                var request = Enumerable.Range(0, 10).Select(_ => queue.Dequeue()).ToArray();
                var body = "[" + string.Join(",", request.Select(e => e.Json)) + "]";
                using var content = new StringContent(body, Encoding.UTF8);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsync("v1/events", content, ct);
                    if ((int)response.StatusCode == 202)
                    {
                        minuteSent += 10;
                        foreach (var e in request)
                        {
                            if (acceptedCount == accepted.Length) Array.Resize(ref accepted, accepted.Length * 2);
                            accepted[acceptedCount++] = Guid.Parse(e.Id);
                        }
                    }
                    else
                    {
                        minuteErrors++;
                    }
                }
                catch (HttpRequestException)
                {
                    minuteErrors++;
                }

                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                var due = TimeSpan.FromSeconds((sent + minuteSent) / (double)rate);
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed, ct);
            }

            windows.Add((windowStart, DateTimeOffset.UtcNow));
            sent += minuteSent;
            errors += minuteErrors;
            var seconds = (clock.Elapsed - minuteStart).TotalSeconds;
            latencies.Sort();
            var heap = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
            firstHeap ??= heap;
            using var self = Process.GetCurrentProcess();
            var eventsPerSecond = minuteSent / seconds;
            minuteIndex++;
            minutes.Add((JsonNode)new JsonObject
            {
                ["minute"] = minuteIndex,
                ["eventsPerSecond"] = Math.Round(eventsPerSecond, 1),
                ["recordsDeliveredPerSecond"] = Math.Round((source.Stats.RecordsDelivered - deliveredBefore) / seconds, 1),
                ["apiErrors"] = minuteErrors,
                ["p99Ms"] = latencies.Count == 0 ? 0 : Math.Round(latencies[(int)Math.Ceiling(0.99 * latencies.Count) - 1], 1),
                ["heapMB"] = Math.Round(heap, 1),
                ["workingSetMB"] = Math.Round(self.WorkingSet64 / 1048576.0, 1),
            });
            await Console.Error.WriteLineAsync($"soak minute {minuteIndex}: {eventsPerSecond:0} events/s, {minuteErrors} errors, heap {heap:0.0} MB");
        }

        await host.DrainAsync(TimeSpan.FromMinutes(3), ct);

        // Drift is measured on what was processed (events whose every write StreamProcessor acknowledged within each
        // window), not on the paced send rate, which is flat by construction.
        var processedPerSecond = SoakWindows.ProcessedPerSecond(windows, acknowledgements.Batches);
        for (var i = 0; i < minutes.Count; i++) minutes[i]!["processedPerSecond"] = Math.Round(processedPerSecond[i], 1);
        var sendRates = minutes.Select(m => m!["eventsPerSecond"]!.GetValue<double>()).ToArray();
        var processedDrift = SoakWindows.DriftPercent(processedPerSecond);
        var sendDrift = SoakWindows.DriftPercent(sendRates);
        var lastHeap = minutes.Count == 0 ? 0 : minutes[^1]!["heapMB"]!.GetValue<double>();
        var processed = source.Stats.RecordsDelivered;

        // Lost and doubled are counted where the events end up, not in deliveries: every accepted event must be in the
        // enriched zone (or the bot zone) exactly once.
        var landed = new HashSet<Guid>();
        long doubled = 0;
        foreach (var zone in new[] { ZoneLayout.EnrichedEvents, ZoneLayout.EnrichedBots })
        {
            await foreach (var (_, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Resources.Buckets.Enriched), zone, ct))
            {
                if (!landed.Add(Guid.Parse(JsonNode.Parse(line)!["eventId"]!.GetValue<string>()))) doubled++;
            }
        }

        var lost = accepted.Take(acceptedCount).LongCount(id => !landed.Contains(id));
        var result = new JsonObject
        {
            ["minutes"] = Math.Round(clock.Elapsed.TotalMinutes, 2),
            ["targetEventsPerSecond"] = rate,
            ["eventsSent"] = sent,
            ["recordsProcessed"] = processed,
            ["invocations"] = source.Stats.Invocations,
            ["partialFailures"] = source.Stats.PartialFailures,
            ["retries"] = source.Stats.Retries,
            ["recordsRedelivered"] = source.Stats.RecordsRedelivered,
            // Issue 19: at most 0.01. Redeliveries come from contention (two shards updating one item) and faults.
            ["redeliveredShare"] = source.Stats.RecordsDelivered == 0 ? 0 : Math.Round((double)source.Stats.RecordsRedelivered / (source.Stats.RecordsDelivered - source.Stats.RecordsRedelivered), 4),
            ["conflictRetries"] = acknowledgements.ConflictRetries,
            ["eventsLanded"] = landed.Count,
            ["lost"] = lost,
            ["doubled"] = doubled,
            ["errors"] = errors + source.Stats.FunctionErrors,
            ["eventsAcknowledged"] = acknowledgements.Batches.Sum(b => (long)b.Events),
            ["throughputDriftPercent"] = processedDrift is { } drift ? Math.Round(drift, 1) : null,
            ["sendRateDriftPercent"] = sendDrift is { } paced ? Math.Round(paced, 1) : null,
            ["heapGrowthMB"] = Math.Round(lastHeap - (firstHeap ?? 0), 1),
            ["perMinute"] = minutes,
            ["measures"] = "this process holds the API, StreamProcessor, the Kinesis poller and the Firehose stand-in; heap after a full collection at the end of each minute; processed = events whose last write StreamProcessor acknowledged within the minute; drift = last minute's processed rate against the first's",
        };
        if (processedPerSecond.Length > 0) BenchFigure.Of(processedPerSecond).WriteTo(result, "processedPerSecondOverMinutes", 1);
        return result;
    }
}
