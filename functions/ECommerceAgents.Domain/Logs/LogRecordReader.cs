using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace ECommerceAgents.Domain.Logs;

/// <summary>What one Firehose record came to: normalised lines, nothing to keep, or a failure.</summary>
internal enum RecordOutcome
{
    Ok,
    Dropped,
    Failed,
}

/// <summary>
/// Reads one Firehose record of the logs delivery stream: decodes base64, unpacks a CloudWatch Logs payload (bounded
/// gzip) or takes a service's direct line(s), and writes the normalised, masked lines into a buffer, with the partition
/// keys of the first line written.
/// </summary>
internal sealed class LogRecordReader(LogTransformOptions options)
{
    public RecordOutcome Transform(LogInputRecord record, LogNormaliser normaliser, ArrayBufferWriter<byte> buffer, LogBatchStats stats,
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
            return RecordOutcome.Failed;
        }

        original = length == decoded.Length ? decoded : decoded.AsSpan(0, length).ToArray();
        var arrival = SafeEpochMilliseconds(record.ApproximateArrivalTimestamp);
        var writer = new LineWriter(this, normaliser, buffer, stats, arrival);
        var outcome = BoundedGzip.IsGzip(original)
            ? TransformCloudWatch(original, ref writer, out payload)
            : TransformDirect(original, ref writer);
        keys = writer.Keys;
        return outcome;
    }

    private RecordOutcome TransformCloudWatch(byte[] original, ref LineWriter writer, out CloudWatchLogsMessage? payload)
    {
        payload = null;
        switch (BoundedGzip.TryDecompress(original, options.MaxDecompressedBytes, out var json))
        {
            case GzipFailure.TooLarge:
                writer.Stats.Fail("gzip_too_large");
                return RecordOutcome.Failed;
            case GzipFailure.Corrupt:
                writer.Stats.Fail("gzip_corrupt");
                return RecordOutcome.Failed;
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
            writer.Stats.Fail("cloudwatch_payload");
            return RecordOutcome.Failed;
        }

        if (message.MessageType == "CONTROL_MESSAGE")
        {
            writer.Stats.ControlMessages++;
            return RecordOutcome.Dropped;
        }

        payload = message;
        var source = new LogSource("cloudwatch", message.LogGroup, message.LogStream, message.Owner);
        var service = ServiceFromLogGroup(message.LogGroup);
        foreach (var e in message.LogEvents)
        {
            writer.Stats.LinesIn++;
            var context = new LineContext(source, service, e.Timestamp > 0 ? SafeEpochMilliseconds(e.Timestamp) : writer.Arrival);
            writer.Write(e.Message ?? string.Empty, context, cloudWatch: true);
        }

        return writer.Keys is null ? RecordOutcome.Dropped : RecordOutcome.Ok;
    }

    private static RecordOutcome TransformDirect(byte[] original, ref LineWriter writer)
    {
        if (!Utf8.IsValid(original) || original.AsSpan().Contains((byte)0))
        {
            writer.Stats.Fail("invalid_utf8");
            return RecordOutcome.Failed;
        }

        var text = Encoding.UTF8.GetString(original);
        var directContext = new LineContext(LogSource.Direct, "unknown", writer.Arrival);
        foreach (var line in DirectLines(text))
        {
            writer.Stats.LinesIn++;
            if (!writer.Write(line, directContext, cloudWatch: false))
            {
                writer.Stats.Fail("malformed_json");
                return RecordOutcome.Failed;
            }
        }

        return writer.Keys is null ? RecordOutcome.Dropped : RecordOutcome.Ok;
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

    private static DateTimeOffset SafeEpochMilliseconds(long ms) =>
        ms is > 0 and < 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.UnixEpoch;

    /// <summary>Writes one record's lines, '\n'-separated, into the buffer; the first line written sets the partition keys.</summary>
    private struct LineWriter(LogRecordReader reader, LogNormaliser normaliser, ArrayBufferWriter<byte> buffer, LogBatchStats stats, DateTimeOffset arrival)
    {
        private bool _first = true;

        public readonly LogBatchStats Stats => stats;

        public readonly DateTimeOffset Arrival => arrival;

        public Dictionary<string, string>? Keys { get; private set; }

        /// <summary>Writes one line; false when it is malformed JSON and the record must fail.</summary>
        public bool Write(string line, in LineContext context, bool cloudWatch)
        {
            var mark = buffer.WrittenCount;
            if (!_first) buffer.Write("\n"u8);
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
                    if (_first)
                    {
                        Keys = reader.PartitionKeys(time, service, arrival);
                        _first = false;
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
    }
}
