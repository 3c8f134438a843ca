using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Validation;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local;

public sealed record ReplayResult(int Objects, int Records, int SkippedQuarantined, int Batches, IReadOnlyList<string> EventDates, IReadOnlyList<BatchDayResult> Batch);

/// <summary>
/// A backfill from the raw archive: every record that arrived on the day (<c>raw/dt=&lt;day&gt;/</c>, in arrival order) goes
/// through the real StreamProcessor handler in Kinesis-shaped batches of 500 on a replay shard, then the batch runs for
/// every event-time day the records touch. StreamProcessor drops event ids it has already processed (its dedup markers),
/// so replaying a day that was processed leaves every store as it was; records already in the quarantine are not
/// replayed (they would be quarantined again under a new stream position — <c>redrive</c> is their path).
/// </summary>
public static class Replay
{
    public static string ShardFor(string date) => "shardId-replay-" + date.Replace("-", "", StringComparison.Ordinal);

    public static async Task<ReplayResult> RunAsync(FunctionEnvironment environment, string date, Func<Task> flushFirehose, TextWriter? progress, CancellationToken cancellationToken, string? shardId = null, bool runBatch = true)
    {
        using var s3 = S3ClientFactory.Create(environment.Endpoints);
        var raw = new S3ObjectStore(s3, environment.Names.Bucket(Buckets.Raw));
        var quarantine = new S3ObjectStore(s3, environment.Names.Bucket(Buckets.Quarantine));
        var objects = (await raw.ListAsync($"{ZoneLayout.RawArchive}dt={date}/", cancellationToken).ConfigureAwait(false)).OrderBy(o => o.Key, StringComparer.Ordinal).ToArray();

        var quarantined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reason in Enum.GetValues<FailureReason>().Select(r => r.Name()))
        {
            foreach (var o in await quarantine.ListAsync(ZoneLayout.QuarantinePrefix(reason, date), cancellationToken).ConfigureAwait(false))
            {
                if (await quarantine.GetAsync(o.Key, cancellationToken).ConfigureAwait(false) is not { } body) continue;
                foreach (var line in ZoneLayout.QuarantineRecords(o.Key, body))
                {
                    using var doc = JsonDocument.Parse(line);
                    if (doc.RootElement.TryGetProperty("payloadBase64", out var p) && p.GetString() is { } b64) quarantined.Add(Hash(Convert.FromBase64String(b64)));
                }
            }
        }

        var records = new List<byte[]>();
        var skipped = 0;
        var dates = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var o in objects)
        {
            var body = await raw.GetAsync(o.Key, cancellationToken).ConfigureAwait(false);
            if (body is null) continue;
            foreach (var line in Gzip.Lines(Gzip.Decompress(body)))
            {
                var bytes = line.ToArray();
                if (quarantined.Contains(Hash(bytes)))
                {
                    skipped++;
                    continue;
                }

                records.Add(bytes);
                if (EventDate(bytes) is { } d) dates.Add(d);
            }
        }

        progress?.WriteLine($"replay {date}: {records.Count} record(s) from {objects.Length} raw object(s), {skipped} already quarantined and skipped");
        var shard = shardId ?? ShardFor(date);
        var streamProcessor = await FunctionCatalog.Find("StreamProcessor")!.Create!(environment, cancellationToken).ConfigureAwait(false);
        var batches = 0;
        try
        {
            for (var start = 0; start < records.Count; start += 500)
            {
                var chunk = records.Skip(start).Take(500).Select((data, i) =>
                {
                    var sequence = (start + i + 1).ToString("D21", CultureInfo.InvariantCulture);
                    return new KinesisEventRecord
                    {
                        Kinesis = new KinesisRecord { PartitionKey = "replay", SequenceNumber = sequence, Data = KinesisRecord.Encode(data), ApproximateArrivalTimestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 },
                        EventId = shard + ":" + sequence,
                        EventSourceArn = "arn:aws:kinesis:" + environment.Endpoints.Region + ":000000000000:stream/replay",
                    };
                }).ToArray();
                for (var attempt = 1; ; attempt++)
                {
                    var payload = JsonSerializer.SerializeToUtf8Bytes(new KinesisEvent { Records = chunk }, LambdaEventsJsonContext.Default.KinesisEvent);
                    var response = JsonSerializer.Deserialize(await streamProcessor.InvokeAsync(payload, LambdaInvocation.Local(TimeSpan.FromMinutes(5)), cancellationToken).ConfigureAwait(false), LambdaEventsJsonContext.Default.StreamsEventResponse)!;
                    batches++;
                    if (response.BatchItemFailures.Count == 0) break;
                    if (attempt == 5) throw new InvalidOperationException($"StreamProcessor kept failing from {response.BatchItemFailures[0].ItemIdentifier}");
                    var from = response.BatchItemFailures[0].ItemIdentifier;
                    chunk = chunk.SkipWhile(r => r.Kinesis.SequenceNumber != from).ToArray();
                }
            }
        }
        finally
        {
            if (streamProcessor is IAsyncDisposable d) await d.DisposeAsync().ConfigureAwait(false);
        }

        await flushFirehose().ConfigureAwait(false);
        var results = new List<BatchDayResult>();
        if (runBatch)
        {
            foreach (var d in dates) results.Add(await BatchRunner.RunAsync(environment, d, null, progress, cancellationToken).ConfigureAwait(false));
        }

        return new ReplayResult(objects.Length, records.Count, skipped, batches, [.. dates], results);
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>The event-time day of a raw record, when it is JSON with an eventTime.</summary>
    private static string? EventDate(byte[] line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("eventTime", out var t) && t.TryGetDateTimeOffset(out var at)
                ? at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
