using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Catalog;

/// <summary>
/// CatalogImport's domain service: one S3 object in, products, events, a search outbox, a processed copy and a report out.
/// <para>
/// The file is streamed once (never loaded): rows are read, validated, cleansed, deduplicated by SKU (first valid row
/// wins: one pass, one set of SKUs in memory), classified, and compared in chunks with the store by content hash.
/// Unchanged products are not touched. The changes are spilled to a temporary file, and only when the whole file is
/// read do the effects go out, in an order that survives a crash at any point: the processed copy and the search outbox
/// (one object each), then the product_upserted events (event ids derived from SKU and old and new content hash, so a
/// retry repeats the same ids and StreamProcessor's dedup drops them), then the catalog items, and the report last.
/// A retry after a crash finds the committed products unchanged and writes the rest; every product it committed before
/// is already in an earlier outbox object and on the stream.
/// </para>
/// <para>
/// A file whose content (ETag and size) is the last one imported is recognised from <c>catalog/reports/latest.json</c>
/// and not read again: its report says unchanged = all and names the import it repeats. Any other file is compared row
/// by row, so importing A, then B, then A again restores A.
/// </para>
/// </summary>
public sealed class CatalogImporter(CleanserOptions cleansing, ICatalogStore store, ICatalogFiles files, IProductEventSink events, CatalogImportOptions options, TimeProvider clock)
{
    public const string Schema = "com.ecommerceagents/product_upserted/1-0-0";
    private readonly CatalogImportContext _context = new(new ProductCleanser(CategoryClassifier.Default, cleansing), store, files, events, options);
    private readonly ICatalogFiles _files = files;
    private readonly CatalogImportOptions _options = options;
    private readonly TimeProvider _clock = clock;
    public const string LatestKey = ZoneLayout.CatalogLatestReport;

    public static string ReportKey(string importId) => ZoneLayout.CatalogReportKey(importId);

    public async Task<ImportReport> ImportAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        var started = _clock.GetUtcNow();
        var importId = started.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture) + "-" + ShortHash($"{bucket}/{key}");
        var phases = new Dictionary<string, double>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();

        var info = await _files.HeadAsync(bucket, key, cancellationToken).ConfigureAwait(false);
        if (info is null)
        {
            return new ImportReport { Status = "not_found", ImportId = importId, Bucket = bucket, Key = key, StartedAt = started, CompletedAt = _clock.GetUtcNow(), Message = "the object does not exist (deleted after the upload, or another bucket)" };
        }

        var baseReport = new ImportReport { Status = "completed", ImportId = importId, Bucket = bucket, Key = key, ETag = info.ETag, Size = info.Size, StartedAt = started };
        if (CatalogRowReader.FormatOf(key) is not { } format)
        {
            return await FinishAsync(baseReport with { Status = "unsupported_format", Message = "expected .csv, .tsv, .jsonl, .ndjson or .json (optionally .gz)" }, null, cancellationToken).ConfigureAwait(false);
        }

        var fingerprint = $"{info.ETag}:{info.Size.ToString(CultureInfo.InvariantCulture)}";
        if (await SameContentAsLatestAsync(bucket, fingerprint, cancellationToken).ConfigureAwait(false) is { } previous)
        {
            phases["check"] = watch.Elapsed.TotalMilliseconds;
            return await FinishAsync(SameContent(baseReport, previous, phases), null, cancellationToken).ConfigureAwait(false);
        }

        using var run = new CatalogImportRun(_context, bucket, key, importId, started);
        var (report, readable) = await ReadAsync(run, baseReport with { Format = format.Format == CatalogFormat.Csv ? "csv" : "jsonl" }, format, cancellationToken).ConfigureAwait(false);
        if (!readable) return await FinishAsync(report, null, cancellationToken).ConfigureAwait(false);
        if (run.Rows == 0)
        {
            return await FinishAsync(report with { Status = "rejected_file", Message = "the file has no rows (an empty export?); nothing was imported" }, null, cancellationToken).ConfigureAwait(false);
        }

        phases["readAndPlan"] = watch.Elapsed.TotalMilliseconds;
        phases["storeLookups"] = run.LookupMilliseconds;
        report = await WriteEffectsAsync(run, report, phases, watch, cancellationToken).ConfigureAwait(false);
        return await FinishAsync(report, fingerprint, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The report of a file whose content is the last one imported: the previous import's counts, all unchanged.</summary>
    private static ImportReport SameContent(ImportReport baseReport, ImportReport previous, Dictionary<string, double> phases) => baseReport with
    {
        Status = "unchanged_same_content",
        Format = previous.Format,
        ContentSha256 = previous.ContentSha256,
        SameContentAs = previous.ImportId,
        Message = $"same content as import {previous.ImportId}, the last one imported: nothing changed",
        Rows = previous.Rows,
        Ok = previous.Ok,
        Rejected = previous.Rejected,
        RejectedByReason = previous.RejectedByReason,
        Duplicates = previous.Duplicates,
        Unchanged = previous.Ok,
        PhaseMilliseconds = phases,
    };

    /// <summary>Reads the whole file into the run; false with the report to finish when the file is rejected as a whole.</summary>
    private async Task<(ImportReport Report, bool Readable)> ReadAsync(CatalogImportRun run, ImportReport report, (CatalogFormat Format, bool Gzip) format, CancellationToken cancellationToken)
    {
        try
        {
            await using var source = await _files.OpenReadAsync(report.Bucket, report.Key, cancellationToken).ConfigureAwait(false);
            using var hashing = new HashingStream(source);
            using var reader = new CatalogRowReader(hashing, format.Format, format.Gzip, gzipLimits: _options.Gzip);
            report = report with { Delimiter = format.Format == CatalogFormat.Csv ? reader.Delimiter.ToString() : null };
            if (reader.HeaderError is { } headerError) return (report with { Status = "rejected_file", Message = headerError }, false);

            await run.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
            hashing.Drain();
            return (report with { ContentSha256 = hashing.Hex() }, true);
        }
        catch (BadCompressedFileException ex)
        {
            // Corrupt, truncated or bomb-like compressed data. Nothing has gone out yet (effects follow the whole
            // read), so the file is rejected as a whole; S3 would only retry the same bytes.
            return (report with { Status = "rejected_file", Message = "the file cannot be decompressed: " + ex.Message + "; nothing was imported" }, false);
        }
    }

    /// <summary>The effects, in the order that survives a crash: copy and outbox, events, products (the report follows).</summary>
    private static async Task<ImportReport> WriteEffectsAsync(CatalogImportRun run, ImportReport report, Dictionary<string, double> phases, Stopwatch watch, CancellationToken cancellationToken)
    {
        var mark = watch.Elapsed;
        var (copyKey, outboxKey) = await run.UploadAsync(cancellationToken).ConfigureAwait(false);
        phases["uploadCopyAndOutbox"] = (watch.Elapsed - mark).TotalMilliseconds;
        mark = watch.Elapsed;
        await run.PublishEventsAsync(cancellationToken).ConfigureAwait(false);
        phases["publishEvents"] = (watch.Elapsed - mark).TotalMilliseconds;
        mark = watch.Elapsed;
        await run.CommitAsync(cancellationToken).ConfigureAwait(false);
        phases["writeProducts"] = (watch.Elapsed - mark).TotalMilliseconds;
        return run.Report(report) with { ProcessedCopy = copyKey, SearchOutbox = outboxKey, PhaseMilliseconds = phases };
    }

    private async Task<ImportReport?> SameContentAsLatestAsync(string bucket, string fingerprint, CancellationToken cancellationToken)
    {
        if (await _files.ReadAsync(bucket, LatestKey, cancellationToken).ConfigureAwait(false) is not { } latestBytes) return null;
        LatestImport? latest;
        try
        {
            latest = JsonSerializer.Deserialize(latestBytes, CatalogJsonContext.Default.LatestImport);
        }
        catch (JsonException)
        {
            return null;
        }

        if (latest is null || latest.Fingerprint != fingerprint) return null;
        if (await _files.ReadAsync(bucket, latest.ReportKey, cancellationToken).ConfigureAwait(false) is not { } reportBytes) return null;
        try
        {
            return JsonSerializer.Deserialize(reportBytes, CatalogJsonContext.Default.ImportReport) is { Status: "completed" } report ? report : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<ImportReport> FinishAsync(ImportReport report, string? fingerprint, CancellationToken cancellationToken)
    {
        report = report with { CompletedAt = _clock.GetUtcNow() };
        var reportKey = ReportKey(report.ImportId);
        await _files.WriteAsync(report.Bucket, reportKey, JsonSerializer.SerializeToUtf8Bytes(report, CatalogJsonContext.Default.ImportReport), "application/json", cancellationToken).ConfigureAwait(false);
        if (fingerprint is not null && report.Status == "completed")
        {
            var latest = new LatestImport(report.ImportId, fingerprint, reportKey, report.Key, report.CompletedAt);
            await _files.WriteAsync(report.Bucket, LatestKey, JsonSerializer.SerializeToUtf8Bytes(latest, CatalogJsonContext.Default.LatestImport), "application/json", cancellationToken).ConfigureAwait(false);
        }

        return report;
    }

    /// <summary>A product_upserted event as the envelope schema wants it; its id is derived from what changed.</summary>
    public static byte[] ProductUpserted(CatalogProduct product, long stockDelta, string? previousHash, DateTimeOffset at)
    {
        using var buffer = new MemoryStream(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("schema", Schema);
            w.WriteString("eventId", EventId(product.Sku, previousHash, product.ContentHash));
            w.WriteString("eventTime", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteStartObject("data");
            w.WriteString("sku", product.Sku);
            w.WriteString("title", product.Title);
            w.WriteString("category", product.Category);
            if (product.Brand is { Length: > 0 } brand) w.WriteString("brand", brand);
            w.WriteNumber("price", product.Price);
            w.WriteString("currency", product.Currency);
            w.WriteNumber("stock", product.Stock);
            w.WriteNumber("stockDelta", stockDelta);
            w.WriteEndObject();
            w.WriteStartObject("lineage");
            w.WriteString("source", "catalog");
            w.WriteString("ingestTime", at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>A UUID (version 8, name-based) from the SKU and the content hashes before and after.</summary>
    public static string EventId(string sku, string? previousHash, string newHash)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{EventTypes.ProductUpserted}|{sku}|{previousHash}|{newHash}"), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true).ToString();
    }

    private static string ShortHash(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return Convert.ToHexStringLower(hash[..4]);
    }
}
