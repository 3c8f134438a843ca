using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace ECommerceAgents.Domain.Logs;

/// <summary>One record of a Firehose transformation batch, with its data still base64 as it arrived.</summary>
public sealed record LogInputRecord(string RecordId, string Data, long ApproximateArrivalTimestamp);

/// <summary>
/// The answer for one record. <see cref="Data"/> is base64: the normalised lines for <c>Ok</c>, the original data
/// untouched for <c>ProcessingFailed</c>, empty for <c>Dropped</c>.
/// </summary>
public sealed record LogOutputRecord(string RecordId, string Result, string Data, IReadOnlyDictionary<string, string>? PartitionKeys);

/// <summary>Puts records back into the logs delivery stream (PutRecordBatch), for the response's overflow.</summary>
public interface ILogReingestion
{
    Task ReingestAsync(IReadOnlyList<byte[]> records, CancellationToken cancellationToken);
}

public sealed record LogTransformOptions
{
    /// <summary>Lambda's response limit is 6 MB (6,291,456 bytes); like AWS's blueprint we stop at 6,000,000 to keep room for the envelope.</summary>
    public int ResponseBudgetBytes { get; init; } = 6_000_000;

    /// <summary>Largest decompressed CloudWatch Logs payload accepted; bigger is treated as a gzip bomb.</summary>
    public int MaxDecompressedBytes { get; init; } = 6 * 1024 * 1024;

    /// <summary>Size of the log-event groups an oversized CloudWatch Logs record is split into before re-ingestion.</summary>
    public int SplitChunkBytes { get; init; } = 512 * 1024;

    /// <summary>Log-group name prefixes stripped to get a service name (<c>/aws/lambda/eca-checkout</c> → <c>checkout</c>).</summary>
    public IReadOnlyList<string> ServicePrefixes { get; init; } = ["eca-"];

    /// <summary>A line time further than this before its arrival partitions by arrival time (a bad clock must not create old partitions).</summary>
    public TimeSpan MaxPast { get; init; } = TimeSpan.FromDays(7);

    public TimeSpan MaxFuture { get; init; } = TimeSpan.FromHours(1);
}

/// <summary>Counts of one invocation, for EMF metrics.</summary>
public sealed class LogBatchStats
{
    public int Records { get; set; }

    public int Ok { get; set; }

    public int Dropped { get; set; }

    public int Failed { get; set; }

    public int ControlMessages { get; set; }

    public int LinesIn { get; set; }

    public int LinesOut { get; set; }

    public int NoiseLines { get; set; }

    public int Reingested { get; set; }

    public int ReingestedRecords { get; set; }

    public int Split { get; set; }

    public long ResponseBytes { get; set; }

    public Dictionary<string, int> FailureReasons { get; } = new(StringComparer.Ordinal);

    public MaskCounts Masked { get; } = new();

    internal void Fail(string reason)
    {
        Failed++;
        FailureReasons[reason] = FailureReasons.GetValueOrDefault(reason) + 1;
    }
}

public sealed record LogBatchResult(IReadOnlyList<LogOutputRecord> Records, LogBatchStats Stats);

/// <summary>
/// LogTransformer's domain service. For each record of a Firehose transformation batch, in order, exactly one answer:
/// <list type="bullet">
/// <item>a CloudWatch Logs <c>CONTROL_MESSAGE</c>, or lines that are all health-check noise: <c>Dropped</c>;</item>
/// <item>a <c>DATA_MESSAGE</c> or a service's own JSON / text line(s): <c>Ok</c>, the normalised, masked lines joined
/// by <c>'\n'</c> (no trailing newline: the delivery stream appends one), partitioned by service, dt and hr;</item>
/// <item>base64 garbage, corrupt gzip, a gzip bomb, invalid UTF-8 or a malformed JSON record: <c>ProcessingFailed</c>
/// with the original data untouched.</item>
/// </list>
/// The response stays under the budget: <c>Ok</c> records that would cross it are re-ingested (their original bytes)
/// into the delivery stream and answered <c>Dropped</c>, as AWS's CloudWatch Logs processor blueprint does. A record
/// that could never fit on its own is split by log events (CloudWatch Logs) or failed (a single direct line).
/// </summary>
public sealed class LogBatchTransformer(LogTransformOptions options, ILogReingestion reingestion)
{
    public const string Ok = "Ok";
    public const string Dropped = "Dropped";
    public const string ProcessingFailed = "ProcessingFailed";

    // {"recordId":"…","result":"ProcessingFailed","data":"…","metadata":{"partitionKeys":{"service":"…","dt":"yyyy-MM-dd","hr":"HH"}}},
    private const int RecordOverhead = 140;

    public async Task<LogBatchResult> TransformAsync(IReadOnlyList<LogInputRecord> records, CancellationToken cancellationToken)
    {
        var stats = new LogBatchStats { Records = records.Count };
        var normaliser = new LogNormaliser();
        var answers = new LogOutputRecord[records.Count];
        var reingest = new List<byte[]>();
        long used = 32;
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);

        // Room kept for answering every later record Dropped, so accepting an Ok record can never push the total over.
        var reserve = new long[records.Count + 1];
        for (var i = records.Count - 1; i >= 0; i--) reserve[i] = reserve[i + 1] + RecordOverhead + records[i].RecordId.Length;

        for (var i = 0; i < records.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = records[i];
            var outcome = Transform(record, normaliser, buffer, stats, out var original, out var keys, out var payload);
            switch (outcome)
            {
                case Outcome.Dropped:
                    answers[i] = new LogOutputRecord(record.RecordId, Dropped, string.Empty, null);
                    used += RecordOverhead + record.RecordId.Length;
                    break;
                case Outcome.Failed:
                    answers[i] = new LogOutputRecord(record.RecordId, ProcessingFailed, record.Data, null);
                    used += RecordOverhead + record.RecordId.Length + record.Data.Length;
                    break;
                default:
                    var size = RecordOverhead + record.RecordId.Length + Base64Length(buffer.WrittenCount) + KeysLength(keys!);
                    if (used + size + reserve[i + 1] <= options.ResponseBudgetBytes)
                    {
                        answers[i] = new LogOutputRecord(record.RecordId, Ok, Convert.ToBase64String(buffer.WrittenSpan), keys);
                        used += size;
                        stats.LinesOut += LineCount(buffer.WrittenSpan);
                    }
                    else if (size + 32 + reserve[i + 1] > options.ResponseBudgetBytes)
                    {
                        // Could never fit one response: re-ingesting it as it is would loop forever.
                        if (payload is not null)
                        {
                            var pieces = Split(payload);
                            reingest.AddRange(pieces);
                            stats.Split++;
                            stats.ReingestedRecords++;
                            answers[i] = new LogOutputRecord(record.RecordId, Dropped, string.Empty, null);
                            used += RecordOverhead + record.RecordId.Length;
                        }
                        else
                        {
                            stats.Fail("too_large");
                            answers[i] = new LogOutputRecord(record.RecordId, ProcessingFailed, record.Data, null);
                            used += RecordOverhead + record.RecordId.Length + record.Data.Length;
                        }
                    }
                    else
                    {
                        reingest.Add(original!);
                        stats.ReingestedRecords++;
                        answers[i] = new LogOutputRecord(record.RecordId, Dropped, string.Empty, null);
                        used += RecordOverhead + record.RecordId.Length;
                    }

                    break;
            }
        }

        if (reingest.Count > 0)
        {
            // Before answering: if the put fails the invocation fails, and Firehose retries the whole batch.
            await reingestion.ReingestAsync(reingest, cancellationToken).ConfigureAwait(false);
            stats.Reingested = reingest.Count;
        }

        foreach (var a in answers)
        {
            switch (a.Result)
            {
                case Ok: stats.Ok++; break;
                case Dropped: stats.Dropped++; break;
            }
        }

        stats.ResponseBytes = used;
        stats.Masked.Add(normaliser.Masked);
        return new LogBatchResult(answers, stats);
    }

    private enum Outcome
    {
        Ok,
        Dropped,
        Failed,
    }

    private Outcome Transform(LogInputRecord record, LogNormaliser normaliser, ArrayBufferWriter<byte> buffer, LogBatchStats stats,
        out byte[]? original, out Dictionary<string, string>? keys, out CloudWatchLogsMessage? payload)
    {
        original = null;
        keys = null;
        payload = null;
        buffer.ResetWrittenCount();

        var decoded = new byte[(record.Data.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(record.Data, decoded, out var length))
        {
            stats.Fail("base64");
            return Outcome.Failed;
        }

        original = length == decoded.Length ? decoded : decoded.AsSpan(0, length).ToArray();
        var arrival = SafeEpochMilliseconds(record.ApproximateArrivalTimestamp);

        if (BoundedGzip.IsGzip(original))
        {
            switch (BoundedGzip.TryDecompress(original, options.MaxDecompressedBytes, out var json))
            {
                case GzipFailure.TooLarge:
                    stats.Fail("gzip_too_large");
                    return Outcome.Failed;
                case GzipFailure.Corrupt:
                    stats.Fail("gzip_corrupt");
                    return Outcome.Failed;
            }

            CloudWatchLogsMessage? message;
            try
            {
                message = JsonSerializer.Deserialize(json, LogsJsonContext.Default.CloudWatchLogsMessage);
            }
            catch (JsonException)
            {
                message = null;
            }

            if (message?.MessageType is not ("DATA_MESSAGE" or "CONTROL_MESSAGE"))
            {
                stats.Fail("cloudwatch_payload");
                return Outcome.Failed;
            }

            if (message.MessageType == "CONTROL_MESSAGE")
            {
                stats.ControlMessages++;
                return Outcome.Dropped;
            }

            payload = message;
            var source = new LogSource("cloudwatch", message.LogGroup, message.LogStream, message.Owner);
            var service = ServiceFromLogGroup(message.LogGroup);
            var first = true;
            foreach (var e in message.LogEvents)
            {
                stats.LinesIn++;
                var context = new LineContext(source, service, e.Timestamp > 0 ? SafeEpochMilliseconds(e.Timestamp) : arrival);
                WriteLine(e.Message ?? string.Empty, context, normaliser, buffer, stats, arrival, ref first, ref keys, cloudWatch: true);
            }

            return keys is null ? Outcome.Dropped : Outcome.Ok;
        }

        if (!Utf8.IsValid(original) || original.AsSpan().Contains((byte)0))
        {
            stats.Fail("invalid_utf8");
            return Outcome.Failed;
        }

        var text = Encoding.UTF8.GetString(original);
        var directContext = new LineContext(LogSource.Direct, "unknown", arrival);
        var firstLine = true;
        foreach (var line in DirectLines(text))
        {
            stats.LinesIn++;
            if (!WriteLine(line, directContext, normaliser, buffer, stats, arrival, ref firstLine, ref keys, cloudWatch: false))
            {
                stats.Fail("malformed_json");
                return Outcome.Failed;
            }
        }

        return keys is null ? Outcome.Dropped : Outcome.Ok;
    }

    /// <summary>Writes one line; false when it is malformed JSON and the record must fail.</summary>
    private bool WriteLine(string line, in LineContext context, LogNormaliser normaliser, ArrayBufferWriter<byte> buffer, LogBatchStats stats,
        DateTimeOffset arrival, ref bool first, ref Dictionary<string, string>? keys, bool cloudWatch)
    {
        var mark = buffer.WrittenCount;
        if (!first) buffer.Write("\n"u8);
        LineOutcome outcome;
        DateTimeOffset time;
        string service;
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            outcome = normaliser.Write(line, context, writer, out time, out service);
            if (outcome == LineOutcome.Malformed && cloudWatch)
            {
                // A CloudWatch message that only looks like JSON is still a log line: keep it as text.
                outcome = normaliser.Write(line, context, writer, out time, out service, asText: true);
            }

            writer.Flush();
        }

        switch (outcome)
        {
            case LineOutcome.Written:
                if (first)
                {
                    keys = PartitionKeys(time, service, arrival);
                    first = false;
                }

                return true;
            case LineOutcome.Noise:
                stats.NoiseLines++;
                Truncate(buffer, mark);
                return true;
            default:
                Truncate(buffer, mark);
                return false;
        }
    }

    private static void Truncate(ArrayBufferWriter<byte> buffer, int length)
    {
        if (buffer.WrittenCount == length) return;
        var kept = buffer.WrittenSpan[..length].ToArray();
        buffer.ResetWrittenCount();
        buffer.Write(kept);
    }

    /// <summary>A direct record is one entry (a stack trace stays whole), unless every line of it is a JSON object (NDJSON).</summary>
    private static IEnumerable<string> DirectLines(string text)
    {
        var trimmed = text.TrimEnd('\n', '\r');
        if (!trimmed.Contains('\n', StringComparison.Ordinal)) return [trimmed];
        var lines = trimmed.Split('\n');
        foreach (var l in lines)
        {
            var t = l.AsSpan().Trim();
            if (t.Length > 0 && t[0] != '{') return [trimmed];
        }

        return lines.Where(l => !string.IsNullOrWhiteSpace(l));
    }

    private Dictionary<string, string> PartitionKeys(DateTimeOffset time, string service, DateTimeOffset arrival)
    {
        if (time < arrival - options.MaxPast || time > arrival + options.MaxFuture) time = arrival;
        var utc = time.UtcDateTime;
        return new Dictionary<string, string>(3, StringComparer.Ordinal)
        {
            ["service"] = SanitiseService(service),
            ["dt"] = utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["hr"] = utc.ToString("HH", CultureInfo.InvariantCulture),
        };
    }

    /// <summary>The service name as an S3 prefix segment: lower case a–z, 0–9, '-', '_' and '.', at most 64 characters.</summary>
    public static string SanitiseService(string service)
    {
        var sb = new StringBuilder(Math.Min(service.Length, 64));
        foreach (var c in service.Trim())
        {
            if (sb.Length == 64) break;
            var l = char.ToLowerInvariant(c);
            sb.Append(l is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' ? l : '-');
        }

        var s = sb.ToString().Trim('-', '.');
        return s.Length == 0 || s == ".." ? "unknown" : s;
    }

    /// <summary><c>/aws/lambda/eca-checkout</c> → <c>checkout</c>; <c>/ecs/orders-api</c> → <c>orders-api</c>.</summary>
    public string ServiceFromLogGroup(string? logGroup)
    {
        if (string.IsNullOrWhiteSpace(logGroup)) return "unknown";
        var name = logGroup.TrimEnd('/');
        var slash = name.LastIndexOf('/');
        if (slash >= 0) name = name[(slash + 1)..];
        foreach (var prefix in options.ServicePrefixes)
        {
            if (prefix.Length > 0 && name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && name.Length > prefix.Length)
            {
                name = name[prefix.Length..];
                break;
            }
        }

        return name.Length == 0 ? "unknown" : name;
    }

    /// <summary>Splits a CloudWatch Logs payload into gzip payloads of about <see cref="LogTransformOptions.SplitChunkBytes"/> of messages each.</summary>
    private List<byte[]> Split(CloudWatchLogsMessage payload)
    {
        var pieces = new List<byte[]>();
        var chunk = new List<CloudWatchLogsMessageEvent>();
        long bytes = 0;
        void Emit()
        {
            if (chunk.Count == 0) return;
            var json = JsonSerializer.SerializeToUtf8Bytes(payload with { LogEvents = chunk.ToArray() }, LogsJsonContext.Default.CloudWatchLogsMessage);
            pieces.Add(BoundedGzip.Compress(json));
            chunk.Clear();
            bytes = 0;
        }

        foreach (var e in payload.LogEvents)
        {
            var size = (e.Message?.Length ?? 0) + 64;
            if (bytes + size > options.SplitChunkBytes) Emit();
            chunk.Add(e);
            bytes += size;
        }

        Emit();
        return pieces;
    }

    private static int Base64Length(int bytes) => (bytes + 2) / 3 * 4;

    private static int KeysLength(Dictionary<string, string> keys)
    {
        var n = 48;
        foreach (var (k, v) in keys) n += k.Length + v.Length + 6;
        return n;
    }

    private static int LineCount(ReadOnlySpan<byte> output) => output.IsEmpty ? 0 : output.Count((byte)'\n') + 1;

    private static DateTimeOffset SafeEpochMilliseconds(long ms) =>
        ms is > 0 and < 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.UnixEpoch;
}

/// <summary>The decoded CloudWatch Logs subscription payload, as Firehose carries it (gzip JSON).</summary>
public sealed record CloudWatchLogsMessage
{
    public string? MessageType { get; init; }

    public string? Owner { get; init; }

    public string? LogGroup { get; init; }

    public string? LogStream { get; init; }

    public IReadOnlyList<string>? SubscriptionFilters { get; init; }

    public IReadOnlyList<CloudWatchLogsMessageEvent> LogEvents { get; init; } = [];
}

public sealed record CloudWatchLogsMessageEvent
{
    public string? Id { get; init; }

    public long Timestamp { get; init; }

    public string? Message { get; init; }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CloudWatchLogsMessage))]
public sealed partial class LogsJsonContext : JsonSerializerContext;
