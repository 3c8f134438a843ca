using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Catalog;

/// <summary>The catalog table, as an import sees it.</summary>
public interface ICatalogStore
{
    /// <summary>What is stored for these SKUs (missing ones are absent). At most a few hundred per call.</summary>
    Task<IReadOnlyDictionary<string, StoredProduct>> GetManyAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken);

    /// <summary>Writes whole items (one per SKU, last writer wins) and deletes, in batches.</summary>
    Task WriteAsync(IReadOnlyList<CatalogProduct> upserts, IReadOnlyList<string> deletes, CancellationToken cancellationToken);
}

/// <summary>The events stream, for product_upserted events (partition key <c>sku:&lt;sku&gt;</c>).</summary>
public interface IProductEventSink
{
    Task PublishAsync(IReadOnlyList<(string PartitionKey, byte[] Data)> events, CancellationToken cancellationToken);
}

public sealed record CatalogFileInfo(string ETag, long Size);

/// <summary>The landing bucket (uploads and reports) and the processed bucket (copies and the search outbox).</summary>
public interface ICatalogFiles
{
    Task<CatalogFileInfo?> HeadAsync(string bucket, string key, CancellationToken cancellationToken);

    Task<Stream> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken);

    Task<byte[]?> ReadAsync(string bucket, string key, CancellationToken cancellationToken);

    Task WriteAsync(string bucket, string key, byte[] body, string contentType, CancellationToken cancellationToken);

    /// <summary>Uploads a local file to the processed bucket.</summary>
    Task WriteProcessedAsync(string key, string path, string contentType, CancellationToken cancellationToken);
}

public sealed record CatalogImportOptions
{
    /// <summary>Distinct SKUs looked up in the store per round.</summary>
    public int ChunkSize { get; init; } = 1000;

    public int ReportListLimit { get; init; } = 100;

    public int EventBatchSize { get; init; } = 500;

    public int WriteBatchSize { get; init; } = 1000;

    public string? TempDirectory { get; init; }

    /// <summary>What a <c>.gz</c> upload may expand to before it is rejected as a bomb.</summary>
    public GzipLimits Gzip { get; init; } = new();
}

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
public sealed class CatalogImporter(ProductCleanser cleanser, ICatalogStore store, ICatalogFiles files, IProductEventSink events, CatalogImportOptions options, TimeProvider clock)
{
    public const string Schema = "com.ecommerceagents/product_upserted/1-0-0";
    private readonly ProductCleanser _cleanser = cleanser;
    private readonly ICatalogStore _store = store;
    private readonly ICatalogFiles _files = files;
    private readonly IProductEventSink _events = events;
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
            return await FinishAsync(baseReport with
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
            }, null, cancellationToken).ConfigureAwait(false);
        }

        var run = new Run(this, bucket, key, importId, started);
        try
        {
            baseReport = baseReport with { Format = format.Format == CatalogFormat.Csv ? "csv" : "jsonl" };
            try
            {
                await using var source = await _files.OpenReadAsync(bucket, key, cancellationToken).ConfigureAwait(false);
                using var hashing = new HashingStream(source);
                using var reader = new CatalogRowReader(hashing, format.Format, format.Gzip, gzipLimits: _options.Gzip);
                baseReport = baseReport with { Delimiter = format.Format == CatalogFormat.Csv ? reader.Delimiter.ToString() : null };
                if (reader.HeaderError is { } headerError)
                {
                    return await FinishAsync(baseReport with { Status = "rejected_file", Message = headerError }, null, cancellationToken).ConfigureAwait(false);
                }

                await run.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
                hashing.Drain();
                baseReport = baseReport with { ContentSha256 = hashing.Hex() };
            }
            catch (BadCompressedFileException ex)
            {
                // Corrupt, truncated or bomb-like compressed data. Nothing has gone out yet (effects follow the whole
                // read), so the file is rejected as a whole; S3 would only retry the same bytes.
                return await FinishAsync(baseReport with { Status = "rejected_file", Message = "the file cannot be decompressed: " + ex.Message + "; nothing was imported" }, null, cancellationToken).ConfigureAwait(false);
            }

            if (run.Rows == 0)
            {
                return await FinishAsync(baseReport with { Status = "rejected_file", Message = "the file has no rows (an empty export?); nothing was imported" }, null, cancellationToken).ConfigureAwait(false);
            }

            phases["readAndPlan"] = watch.Elapsed.TotalMilliseconds;
            phases["storeLookups"] = run.LookupMilliseconds;
            var mark = watch.Elapsed;
            var (copyKey, outboxKey) = await run.UploadAsync(cancellationToken).ConfigureAwait(false);
            phases["uploadCopyAndOutbox"] = (watch.Elapsed - mark).TotalMilliseconds;
            mark = watch.Elapsed;
            await run.PublishEventsAsync(cancellationToken).ConfigureAwait(false);
            phases["publishEvents"] = (watch.Elapsed - mark).TotalMilliseconds;
            mark = watch.Elapsed;
            await run.CommitAsync(cancellationToken).ConfigureAwait(false);
            phases["writeProducts"] = (watch.Elapsed - mark).TotalMilliseconds;

            var report = run.Report(baseReport) with { ProcessedCopy = copyKey, SearchOutbox = outboxKey, PhaseMilliseconds = phases };
            return await FinishAsync(report, fingerprint, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            run.Dispose();
        }
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

    /// <summary>The state of one import: counts, the dedup set and the spill files.</summary>
    private sealed class Run : IDisposable
    {
        private readonly CatalogImporter _owner;
        private readonly string _bucket;
        private readonly string _importId;
        private readonly DateTimeOffset _started;
        private readonly string _sourceFile;
        private readonly string _directory;
        private readonly Dictionary<string, long> _firstLine = new(StringComparer.Ordinal);
        private readonly List<CleansedRow> _chunk = [];
        private readonly Dictionary<string, long> _rejectedByReason = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _warnings = new(StringComparer.Ordinal);
        private readonly List<ReportRejection> _rejectedRows = [];
        private readonly List<ReportDuplicate> _duplicateRows = [];
        private readonly Stream _copy;
        private readonly Stream _outbox;
        private readonly Stream _pending;
        private long _rows, _ok, _rejected, _duplicates, _new, _changed, _unchanged, _deleted, _categoryChanged, _events, _stockDeltas, _searchDocs;
        private long _provided, _mapped, _classified, _lowConfidence;
        private long _pendingCount;

        public Run(CatalogImporter owner, string bucket, string key, string importId, DateTimeOffset started)
        {
            _owner = owner;
            _bucket = bucket;
            _importId = importId;
            _started = started;
            _sourceFile = $"s3://{bucket}/{key}";
            _directory = Path.Combine(owner._options.TempDirectory ?? Path.GetTempPath(), "eca-catalog-" + importId + "-" + Guid.NewGuid().ToString("N")[..6]);
            Directory.CreateDirectory(_directory);
            _copy = new GZipStream(File.Create(Path.Combine(_directory, "copy.jsonl.gz")), CompressionLevel.Fastest);
            _outbox = new BufferedStream(File.Create(Path.Combine(_directory, "outbox.ndjson")), 64 * 1024);
            _pending = new GZipStream(File.Create(Path.Combine(_directory, "pending.jsonl.gz")), CompressionLevel.Fastest);
        }

        public double LookupMilliseconds { get; private set; }

        public long Rows => _rows;

        private string Dt => _started.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        public async Task ReadAsync(CatalogRowReader reader, CancellationToken cancellationToken)
        {
            foreach (var raw in reader.Rows())
            {
                _rows++;
                var result = _owner._cleanser.Cleanse(raw, _started, _sourceFile, _importId);
                if (result is RejectedRow rejected)
                {
                    _rejected++;
                    foreach (var reason in rejected.Reasons)
                    {
                        var code = reason.Split(':', 2)[0];
                        _rejectedByReason[code] = _rejectedByReason.GetValueOrDefault(code) + 1;
                    }

                    if (_rejectedRows.Count < _owner._options.ReportListLimit) _rejectedRows.Add(new ReportRejection(rejected.Line, rejected.Sku, rejected.Reasons));
                    continue;
                }

                var row = (CleansedRow)result;
                if (_firstLine.TryGetValue(row.Product.Sku, out var kept))
                {
                    _duplicates++;
                    if (_duplicateRows.Count < _owner._options.ReportListLimit) _duplicateRows.Add(new ReportDuplicate(row.Line, row.Product.Sku, kept));
                    continue;
                }

                _firstLine[row.Product.Sku] = row.Line;
                _ok++;
                foreach (var w in row.Warnings) _warnings[w] = _warnings.GetValueOrDefault(w) + 1;
                _chunk.Add(row);
                if (_chunk.Count >= _owner._options.ChunkSize) await PlanChunkAsync(cancellationToken).ConfigureAwait(false);
            }

            await PlanChunkAsync(cancellationToken).ConfigureAwait(false);
            await _copy.DisposeAsync().ConfigureAwait(false);
            await _outbox.DisposeAsync().ConfigureAwait(false);
            await _pending.DisposeAsync().ConfigureAwait(false);
        }

        private async Task PlanChunkAsync(CancellationToken cancellationToken)
        {
            if (_chunk.Count == 0) return;
            var lookup = Stopwatch.StartNew();
            var stored = await _owner._store.GetManyAsync(_chunk.Select(r => r.Product.Sku).ToArray(), cancellationToken).ConfigureAwait(false);
            LookupMilliseconds += lookup.Elapsed.TotalMilliseconds;
            foreach (var row in _chunk)
            {
                var p = row.Product;
                stored.TryGetValue(p.Sku, out var before);
                switch (p.CategorySource)
                {
                    case "provided": _provided++; break;
                    case "mapped": _mapped++; break;
                    default:
                        _classified++;
                        if (row.Prediction is { } prediction && prediction.Confidence < _owner._cleanser.LowConfidence) _lowConfidence++;
                        break;
                }

                if (row.Delete)
                {
                    if (before is null)
                    {
                        _unchanged++;
                        continue;
                    }

                    _deleted++;
                    Pending(new PendingChange { Kind = "delete", Sku = p.Sku, PreviousHash = before.ContentHash, PreviousStock = before.Stock });
                    Outbox(CatalogOutbox.Delete(p.Sku, _started));
                    continue;
                }

                Write(_copy, JsonSerializer.SerializeToUtf8Bytes(p, CatalogJsonContext.Default.CatalogProduct));
                if (before is not null && before.ContentHash == p.ContentHash)
                {
                    _unchanged++;
                    continue;
                }

                if (before is null) _new++;
                else
                {
                    _changed++;
                    if (before.Category != p.Category) _categoryChanged++;
                }

                Pending(new PendingChange { Kind = before is null ? "new" : "changed", Sku = p.Sku, Product = p, PreviousHash = before?.ContentHash, PreviousStock = before?.Stock ?? 0 });
                Outbox(CatalogOutbox.Index(p));
            }

            _chunk.Clear();
        }

        private void Pending(PendingChange change)
        {
            Write(_pending, JsonSerializer.SerializeToUtf8Bytes(change, CatalogJsonContext.Default.PendingChange));
            _pendingCount++;
        }

        private void Outbox(Search.ProductOutboxLine doc)
        {
            Write(_outbox, JsonSerializer.SerializeToUtf8Bytes(doc, Search.SearchJsonContext.Default.ProductOutboxLine));
            _searchDocs++;
        }

        private static void Write(Stream stream, byte[] line)
        {
            stream.Write(line);
            stream.WriteByte((byte)'\n');
        }

        public async Task<(string? Copy, string? Outbox)> UploadAsync(CancellationToken cancellationToken)
        {
            string? copyKey = null;
            string? outboxKey = null;
            if (_ok - _deleted > 0)
            {
                copyKey = ZoneLayout.CatalogCopyKey(Dt, _importId);
                await _owner._files.WriteProcessedAsync(copyKey, Path.Combine(_directory, "copy.jsonl.gz"), "application/gzip", cancellationToken).ConfigureAwait(false);
            }

            if (_searchDocs > 0)
            {
                outboxKey = ZoneLayout.ProductsOutboxKey(Dt, _importId);
                await _owner._files.WriteProcessedAsync(outboxKey, Path.Combine(_directory, "outbox.ndjson"), "application/x-ndjson", cancellationToken).ConfigureAwait(false);
            }

            return (copyKey, outboxKey);
        }

        private IEnumerable<PendingChange> ReadPending()
        {
            if (_pendingCount == 0) yield break;
            using var file = new GZipStream(File.OpenRead(Path.Combine(_directory, "pending.jsonl.gz")), CompressionMode.Decompress);
            using var reader = new StreamReader(file, Encoding.UTF8);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0) yield return JsonSerializer.Deserialize(line, CatalogJsonContext.Default.PendingChange)!;
            }
        }

        public async Task PublishEventsAsync(CancellationToken cancellationToken)
        {
            var batch = new List<(string, byte[])>(_owner._options.EventBatchSize);
            foreach (var change in ReadPending())
            {
                if (change.Product is not { } p) continue;
                var delta = p.Stock - change.PreviousStock;
                batch.Add((PartitionKeys.For(EventTypes.ProductUpserted, null, null, null, p.Sku, null, p.Sku), ProductUpserted(p, delta, change.PreviousHash, _started)));
                _events++;
                if (delta != 0) _stockDeltas++;
                if (batch.Count == _owner._options.EventBatchSize)
                {
                    await _owner._events.PublishAsync(batch, cancellationToken).ConfigureAwait(false);
                    batch = new List<(string, byte[])>(_owner._options.EventBatchSize);
                }
            }

            if (batch.Count > 0) await _owner._events.PublishAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            var upserts = new List<CatalogProduct>();
            var deletes = new List<string>();
            foreach (var change in ReadPending())
            {
                if (change.Product is { } p) upserts.Add(p);
                else deletes.Add(change.Sku);
                if (upserts.Count + deletes.Count >= _owner._options.WriteBatchSize)
                {
                    await _owner._store.WriteAsync(upserts, deletes, cancellationToken).ConfigureAwait(false);
                    upserts = [];
                    deletes = [];
                }
            }

            if (upserts.Count + deletes.Count > 0) await _owner._store.WriteAsync(upserts, deletes, cancellationToken).ConfigureAwait(false);
        }

        public ImportReport Report(ImportReport baseReport) => baseReport with
        {
            Rows = _rows,
            Ok = _ok,
            Rejected = _rejected,
            RejectedByReason = _rejectedByReason,
            RejectedRows = _rejectedRows,
            Duplicates = _duplicates,
            DuplicateRows = _duplicateRows,
            New = _new,
            Changed = _changed,
            Unchanged = _unchanged,
            Deleted = _deleted,
            CategoryChanged = _categoryChanged,
            EventsEmitted = _events,
            StockDeltasEmitted = _stockDeltas,
            Classifier = new ReportClassifier { Provided = _provided, Mapped = _mapped, Classified = _classified, LowConfidence = _lowConfidence },
            Warnings = _warnings,
            SearchDocuments = _searchDocs,
        };

        public void Dispose()
        {
            _copy.Dispose();
            _outbox.Dispose();
            _pending.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Lambda's /tmp is wiped with the environment; locally the OS cleans the temp folder.
            }
        }
    }

    /// <summary>Passes a stream through while hashing it (SHA-256), so the report can name the file's content.</summary>
    private sealed class HashingStream(Stream inner) : ReadOnlyStream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _hash.AppendData(buffer[..n]);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _hash.AppendData(buffer.Span[..n]);
            return n;
        }

        /// <summary>Reads whatever the parser left unread (trailing bytes), so the hash covers the whole file.</summary>
        public void Drain()
        {
            var buffer = new byte[81920];
            while (Read(buffer) > 0)
            {
            }
        }

        public string Hex() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
