using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Catalog;

/// <summary>What every import works with: the cleanser, the ports and the options.</summary>
internal sealed record CatalogImportContext(ProductCleanser Cleanser, ICatalogStore Store, ICatalogFiles Files, IProductEventSink Events, CatalogImportOptions Options);

/// <summary>
/// The state of one catalog import (<see cref="CatalogImporter"/>): counts, the dedup set and the spill files, and the
/// effects it writes once the whole file is read.
/// </summary>
internal sealed class CatalogImportRun : IDisposable
{
    private readonly CatalogImportContext _context;
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

    public CatalogImportRun(CatalogImportContext context, string bucket, string key, string importId, DateTimeOffset started)
    {
        _context = context;
        _importId = importId;
        _started = started;
        _sourceFile = $"s3://{bucket}/{key}";
        _directory = Path.Combine(_context.Options.TempDirectory ?? Path.GetTempPath(), "eca-catalog-" + importId + "-" + Guid.NewGuid().ToString("N")[..6]);
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
            var result = _context.Cleanser.Cleanse(raw, _started, _sourceFile, _importId);
            if (result is RejectedRow rejected)
            {
                _rejected++;
                foreach (var reason in rejected.Reasons)
                {
                    var code = reason.Split(':', 2)[0];
                    _rejectedByReason[code] = _rejectedByReason.GetValueOrDefault(code) + 1;
                }

                if (_rejectedRows.Count < _context.Options.ReportListLimit) _rejectedRows.Add(new ReportRejection(rejected.Line, rejected.Sku, rejected.Reasons));
                continue;
            }

            var row = (CleansedRow)result;
            if (_firstLine.TryGetValue(row.Product.Sku, out var kept))
            {
                _duplicates++;
                if (_duplicateRows.Count < _context.Options.ReportListLimit) _duplicateRows.Add(new ReportDuplicate(row.Line, row.Product.Sku, kept));
                continue;
            }

            _firstLine[row.Product.Sku] = row.Line;
            _ok++;
            foreach (var w in row.Warnings) _warnings[w] = _warnings.GetValueOrDefault(w) + 1;
            _chunk.Add(row);
            if (_chunk.Count >= _context.Options.ChunkSize) await PlanChunkAsync(cancellationToken).ConfigureAwait(false);
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
        var stored = await _context.Store.GetManyAsync(_chunk.Select(r => r.Product.Sku).ToArray(), cancellationToken).ConfigureAwait(false);
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
                    if (row.Prediction is { } prediction && prediction.Confidence < _context.Cleanser.LowConfidence) _lowConfidence++;
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
            await _context.Files.WriteProcessedAsync(copyKey, Path.Combine(_directory, "copy.jsonl.gz"), "application/gzip", cancellationToken).ConfigureAwait(false);
        }

        if (_searchDocs > 0)
        {
            outboxKey = ZoneLayout.ProductsOutboxKey(Dt, _importId);
            await _context.Files.WriteProcessedAsync(outboxKey, Path.Combine(_directory, "outbox.ndjson"), "application/x-ndjson", cancellationToken).ConfigureAwait(false);
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
        var batch = new List<(string, byte[])>(_context.Options.EventBatchSize);
        foreach (var change in ReadPending())
        {
            if (change.Product is not { } p) continue;
            var delta = p.Stock - change.PreviousStock;
            batch.Add((PartitionKeys.For(EventTypes.ProductUpserted, null, null, null, p.Sku, null, p.Sku), CatalogImporter.ProductUpserted(p, delta, change.PreviousHash, _started)));
            _events++;
            if (delta != 0) _stockDeltas++;
            if (batch.Count == _context.Options.EventBatchSize)
            {
                await _context.Events.PublishAsync(batch, cancellationToken).ConfigureAwait(false);
                batch = new List<(string, byte[])>(_context.Options.EventBatchSize);
            }
        }

        if (batch.Count > 0) await _context.Events.PublishAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var upserts = new List<CatalogProduct>();
        var deletes = new List<string>();
        foreach (var change in ReadPending())
        {
            if (change.Product is { } p) upserts.Add(p);
            else deletes.Add(change.Sku);
            if (upserts.Count + deletes.Count >= _context.Options.WriteBatchSize)
            {
                await _context.Store.WriteAsync(upserts, deletes, cancellationToken).ConfigureAwait(false);
                upserts = [];
                deletes = [];
            }
        }

        if (upserts.Count + deletes.Count > 0) await _context.Store.WriteAsync(upserts, deletes, cancellationToken).ConfigureAwait(false);
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
