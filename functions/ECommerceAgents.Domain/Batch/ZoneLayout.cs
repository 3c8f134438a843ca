using System.Globalization;

namespace ECommerceAgents.Domain.Batch;

/// <summary>
/// The key layout of every bucket, defined once: the prefixes of the zones and how their object keys are built (the
/// domain, the functions, the resource definitions, the CDK app, the CLI and the tests all read it from here).
/// Partitions are Hive-style (<c>key=value/</c>) so Glue crawlers and Athena see them.
/// </summary>
public static class ZoneLayout
{
    // The raw bucket.
    public const string RawArchive = "raw/";

    // The landing bucket.
    public const string CatalogIncoming = "catalog/incoming/";
    public const string CatalogReports = "catalog/reports/";

    /// <summary>The last completed catalog import (its content fingerprint and report), to skip a file seen before.</summary>
    public const string CatalogLatestReport = CatalogReports + "latest.json";

    // The quarantine bucket.
    public const string Quarantine = "quarantine/";

    /// <summary>Where <c>eca redrive</c> moves a quarantined record once it is back on the stream.</summary>
    public const string QuarantineRedriven = "quarantine-redriven/";

    /// <summary>Where Lambda's S3 on-failure destination writes failed stream batches (its own, fixed key format).</summary>
    public const string FailedBatches = "aws/lambda/";

    /// <summary>StreamProcessor's real-time work deferred while Redis was down, per shard, until it is replayed.</summary>
    public const string RealtimePending = "realtime-pending/";

    // The enriched bucket (the zone is a Firehose partition key: bot traffic never mixes with real users).
    public const string EnrichedEvents = "events/";
    public const string EnrichedBots = "bots/";

    // The logs bucket.
    public const string LogsZone = "logs/";

    // The processed bucket.
    public const string ProcessedEvents = "events/";
    public const string ProcessedOrderLines = "order-lines/";
    public const string ProcessedCatalog = "catalog/";
    public const string Quality = "quality/";
    public const string SearchOutbox = "search-outbox/";
    public const string SearchExport = "search-export/";
    public const string PartFile = "part-00000.parquet";

    // The data catalog's tables over the processed zone (Glue; the CDK app defines them, BatchLoader adds their partitions).
    public const string CatalogEventsTable = "processed_events";
    public const string CatalogOrderLinesTable = "order_lines";

    public static string EnrichedPrefix(PartitionId p) => EnrichedEvents + p.Path;

    public static string EventsKey(PartitionId p) => ProcessedEvents + p.Path + PartFile;

    public static string OrderLinesKey(PartitionId p) => ProcessedOrderLines + p.Path + PartFile;

    public static string QualityKey(PartitionId p) => Quality + p.Path + "report.json";

    public static string MetricsOutboxKey(string dt) => SearchOutbox + "metrics/dt=" + dt + "/daily-metrics.ndjson";

    public static string CatalogReportKey(string importId) => CatalogReports + importId + ".json";

    public static string CatalogCopyKey(string dt, string importId) => ProcessedCatalog + "dt=" + dt + "/" + importId + ".jsonl.gz";

    public static string ProductsOutboxKey(string dt, string importId) => SearchOutbox + "products/dt=" + dt + "/" + importId + ".ndjson";

    /// <summary>
    /// The quarantine, narrowed as far as given: <c>quarantine/</c>, <c>…reason=R/</c>, <c>…reason=R/dt=D/</c> or
    /// <c>…reason=R/dt=D/hr=H/</c>.
    /// </summary>
    public static string QuarantinePrefix(string? reason = null, string? dt = null, string? hr = null)
    {
        if (reason is null) return Quarantine;
        var prefix = Quarantine + "reason=" + reason + "/";
        if (dt is null) return prefix;
        prefix += "dt=" + dt + "/";
        return hr is null ? prefix : prefix + "hr=" + hr + "/";
    }

    /// <summary>A quarantined object: <c>quarantine/reason=R/dt=D/hr=H/NAME.json</c>; the name makes a redelivery overwrite its own copy.</summary>
    public static string QuarantineKey(string reason, string dt, string hr, string name) => QuarantinePrefix(reason, dt, hr) + name + ".json";

    /// <summary>
    /// A quarantine object of several records, one JSON record a line (StreamProcessor's: one per micro-batch, reason
    /// and arrival hour): <c>quarantine/reason=R/dt=D/hr=H/NAME.jsonl</c>.
    /// </summary>
    public static string QuarantineBatchKey(string reason, DateTimeOffset at, string name) => QuarantineKey(reason, at, name) + "l";

    /// <summary>The records a quarantine object holds: a line each in a <c>.jsonl</c> object, else the whole body.</summary>
    public static IReadOnlyList<ReadOnlyMemory<byte>> QuarantineRecords(string key, byte[] body)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(body);
        if (!key.EndsWith(".jsonl", StringComparison.Ordinal)) return [body];
        var records = new List<ReadOnlyMemory<byte>>();
        ReadOnlyMemory<byte> memory = body;
        while (memory.Length > 0)
        {
            var end = memory.Span.IndexOf((byte)'\n');
            var line = end < 0 ? memory : memory[..end];
            if (line.Length > 0) records.Add(line);
            memory = end < 0 ? ReadOnlyMemory<byte>.Empty : memory[(end + 1)..];
        }

        return records;
    }

    /// <summary>A JSON-lines quarantine object of <paramref name="records"/>, each followed by a newline (what <see cref="QuarantineRecords"/> reads).</summary>
    public static byte[] QuarantineBody(IEnumerable<ReadOnlyMemory<byte>> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var body = new MemoryStream();
        foreach (var record in records)
        {
            body.Write(record.Span);
            body.WriteByte((byte)'\n');
        }

        return body.ToArray();
    }

    /// <summary>
    /// A quarantined record's identity: its stream position (<c>shard/sequence/sub-sequence</c>), which a retried
    /// micro-batch writes again under another object; null for a record without one (the batch layer's, the indexer's).
    /// Readers count a record once by it.
    /// </summary>
    public static string? QuarantinePosition(ReadOnlyMemory<byte> record)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(record);
            var root = document.RootElement;
            if (root.ValueKind != System.Text.Json.JsonValueKind.Object || !root.TryGetProperty("shardId", out var shard) || !root.TryGetProperty("sequenceNumber", out var sequence)) return null;
            return $"{shard.GetString()}/{sequence.GetString()}/{(root.TryGetProperty("subSequenceNumber", out var sub) ? sub.GetRawText() : "")}";
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>The partition keys of the enriched zone's prefix, in the order it uses them.</summary>
    public static readonly IReadOnlyList<string> EnrichedPartitionKeyNames = ["zone", "type", "dt", "hr"];

    /// <summary>
    /// An enriched record's partition keys (<c>zone</c>, <c>type</c>, <c>dt</c>, <c>hr</c>), read from the
    /// <c>partition</c> object StreamProcessor writes into it: what the enriched delivery stream's prefix is built from
    /// (LogTransformer returns them to Firehose as <c>partitionKeyFromLambda</c>). Throws <see cref="FormatException"/>
    /// naming what is missing or unsafe in a key (empty, a slash, or a zone other than events/bots).
    /// </summary>
    public static IReadOnlyDictionary<string, string> EnrichedPartitionKeys(ReadOnlyMemory<byte> record)
    {
        System.Text.Json.JsonDocument document;
        try
        {
            document = System.Text.Json.JsonDocument.Parse(record);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new FormatException("the record is not JSON: " + ex.Message, ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object || !document.RootElement.TryGetProperty("partition", out var partition) || partition.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                throw new FormatException("the record has no partition object");
            }

            var keys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var name in EnrichedPartitionKeyNames)
            {
                var value = partition.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
                if (string.IsNullOrEmpty(value)) throw new FormatException($"partition.{name} is missing or not a string");
                if (value.Contains('/', StringComparison.Ordinal) || value is "." or "..") throw new FormatException($"partition.{name} '{value}' is not a single path segment");
                keys[name] = value;
            }

            if (keys["zone"] + "/" is not (EnrichedEvents or EnrichedBots)) throw new FormatException($"partition.zone '{keys["zone"]}' is neither events nor bots");
            return keys;
        }
    }

    /// <summary>A quarantined object filed under the UTC date and hour of <paramref name="at"/>.</summary>
    public static string QuarantineKey(string reason, DateTimeOffset at, string name)
    {
        var utc = at.UtcDateTime;
        return QuarantineKey(reason, utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), utc.ToString("HH", CultureInfo.InvariantCulture), name);
    }
}
