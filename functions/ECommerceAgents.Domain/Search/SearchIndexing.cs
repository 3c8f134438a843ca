using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Domain.Search;

/// <summary>One <c>_bulk</c> operation: index (with the document's JSON) or delete, by id.</summary>
public sealed record BulkAction(string Operation, string Index, string Id, byte[]? Document, string SourceKey)
{
    public static BulkAction IndexDoc(string index, string id, byte[] document, string sourceKey) => new("index", index, id, document, sourceKey);

    public static BulkAction Delete(string index, string id, string sourceKey) => new("delete", index, id, null, sourceKey);
}

/// <summary>An operation OpenSearch refused for good (not 429 or 5xx), with its reason.</summary>
public sealed record BulkRejection(BulkAction Action, int Status, string ErrorType, string Reason);

public sealed record BulkOutcome(int Succeeded, int Retried, IReadOnlyList<BulkRejection> Rejected);

/// <summary>The search engine, as the indexer sees it.</summary>
public interface ISearchIndex
{
    /// <summary>Creates the indexes with their mappings when missing.</summary>
    Task EnsureIndexesAsync(CancellationToken cancellationToken);

    /// <summary>Sends the operations with <c>_bulk</c>; retries items answered 429 or 5xx; returns what was refused for good.</summary>
    Task<BulkOutcome> BulkAsync(IReadOnlyList<BulkAction> actions, CancellationToken cancellationToken);
}

/// <summary>The <c>_bulk</c> NDJSON body for operations: an action line, and for index the document line; ends with a newline.</summary>
public static class BulkFormat
{
    public static byte[] Write(IEnumerable<BulkAction> actions)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            foreach (var a in actions)
            {
                w.WriteStartObject();
                w.WriteStartObject(a.Operation);
                w.WriteString("_index", a.Index);
                w.WriteString("_id", a.Id);
                w.WriteEndObject();
                w.WriteEndObject();
                w.Flush();
                buffer.WriteByte((byte)'\n');
                if (a.Document is { } doc)
                {
                    buffer.Write(doc);
                    buffer.WriteByte((byte)'\n');
                }

                w.Reset(buffer);
            }
        }

        return buffer.ToArray();
    }
}

public sealed record SearchIndexingResult
{
    public required string Mode { get; init; }

    public int Objects { get; init; }

    public int Actions { get; init; }

    public int Succeeded { get; init; }

    public int Retried { get; init; }

    public int Rejected { get; init; }

    public int InvalidLines { get; init; }

    public IReadOnlyList<string> Exported { get; init; } = [];

    public string? Note { get; init; }
}

/// <summary>
/// SearchIndexer's domain service: reads outbox objects (products from CatalogImport, daily metrics from BatchLoader),
/// turns their lines into <c>_bulk</c> operations with stable ids (SKU; date|category), and either indexes them —
/// documents refused for good go to the quarantine with the reason — or, without an OpenSearch endpoint, writes the
/// <c>_bulk</c> NDJSON to <c>search-export/</c> in the processed zone.
/// </summary>
public sealed class SearchIndexingService(IObjectStore processed, IObjectStore quarantine, ISearchIndex? index, TimeProvider clock)
{
    public Task<SearchIndexingResult> IndexObjectsAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken) =>
        IndexAsync([.. keys.Select(k => (k, (string?)null))], cancellationToken);

    /// <summary>One object named by an event; when it is not found under <paramref name="key"/>, <paramref name="fallbackKey"/> is tried once.</summary>
    public Task<SearchIndexingResult> IndexObjectAsync(string key, string? fallbackKey, CancellationToken cancellationToken) =>
        IndexAsync([(key, fallbackKey)], cancellationToken);

    private async Task<SearchIndexingResult> IndexAsync(IReadOnlyList<(string Key, string? FallbackKey)> objects, CancellationToken cancellationToken)
    {
        var actions = new List<BulkAction>();
        var invalid = 0;
        foreach (var (given, fallback) in objects)
        {
            var key = given;
            var body = await processed.GetAsync(key, cancellationToken).ConfigureAwait(false);
            if (body is null && fallback is not null)
            {
                key = fallback;
                body = await processed.GetAsync(key, cancellationToken).ConfigureAwait(false);
            }

            if (body is null) continue;
            foreach (var line in Gzip.Lines(Gzip.Decompress(body)))
            {
                if (ToAction(key, line.Span) is { } action)
                {
                    actions.Add(action);
                }
                else
                {
                    invalid++;
                    await QuarantineAsync("search_invalid", key, "invalid_outbox_line", "the line is not a valid outbox entry", line.ToArray(), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        if (index is null) return await ExportAsync(objects.Count, actions, invalid, cancellationToken).ConfigureAwait(false);

        await index.EnsureIndexesAsync(cancellationToken).ConfigureAwait(false);
        var outcome = actions.Count == 0 ? new BulkOutcome(0, 0, []) : await index.BulkAsync(actions, cancellationToken).ConfigureAwait(false);
        foreach (var r in outcome.Rejected)
        {
            var doc = r.Action.Document ?? Encoding.UTF8.GetBytes($"{{\"delete\":\"{r.Action.Id}\"}}");
            await QuarantineAsync("search_rejected", r.Action.SourceKey, r.ErrorType, $"{r.Action.Index}/{r.Action.Id}: {r.Status} {r.ErrorType}: {r.Reason}", doc, cancellationToken).ConfigureAwait(false);
        }

        return new SearchIndexingResult
        {
            Mode = "opensearch",
            Objects = objects.Count,
            Actions = actions.Count,
            Succeeded = outcome.Succeeded,
            Retried = outcome.Retried,
            Rejected = outcome.Rejected.Count,
            InvalidLines = invalid,
        };
    }

    /// <summary>Without an OpenSearch endpoint: the <c>_bulk</c> NDJSON of each outbox object, written to the export prefix.</summary>
    private async Task<SearchIndexingResult> ExportAsync(int objectCount, List<BulkAction> actions, int invalid, CancellationToken cancellationToken)
    {
        var exported = new List<string>();
        foreach (var group in actions.GroupBy(a => a.SourceKey))
        {
            var exportKey = ZoneLayout.SearchExport + group.Key[ZoneLayout.SearchOutbox.Length..] + ".bulk.ndjson";
            await processed.PutAsync(exportKey, BulkFormat.Write(group), "application/x-ndjson", cancellationToken).ConfigureAwait(false);
            exported.Add(exportKey);
        }

        return new SearchIndexingResult
        {
            Mode = "export",
            Objects = objectCount,
            Actions = actions.Count,
            InvalidLines = invalid,
            Exported = exported,
            Note = $"no OpenSearch endpoint is configured (OPENSEARCH_ENDPOINT): wrote the _bulk NDJSON to s3://{processed.Bucket}/{ZoneLayout.SearchExport}",
        };
    }

    /// <summary>Every outbox object of the given dates (the schedule's re-drive).</summary>
    public async Task<IReadOnlyList<string>> OutboxKeysAsync(IEnumerable<string> dates, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        foreach (var dt in dates)
        {
            foreach (var kind in new[] { SearchIndexes.ProductsOutbox, SearchIndexes.MetricsOutbox })
            {
                keys.AddRange((await processed.ListAsync($"{ZoneLayout.SearchOutbox}{kind}dt={dt}/", cancellationToken).ConfigureAwait(false)).Select(o => o.Key));
            }
        }

        return keys;
    }

    public static BulkAction? ToAction(string key, ReadOnlySpan<byte> line)
    {
        var relative = key.StartsWith(ZoneLayout.SearchOutbox, StringComparison.Ordinal) ? key[ZoneLayout.SearchOutbox.Length..] : key;
        try
        {
            if (relative.StartsWith(SearchIndexes.ProductsOutbox, StringComparison.Ordinal))
            {
                var p = JsonSerializer.Deserialize(line, SearchJsonContext.Default.ProductOutboxLine);
                if (p is null || string.IsNullOrWhiteSpace(p.Document.Sku)) return null;
                return p.Action switch
                {
                    "index" => BulkAction.IndexDoc(SearchIndexes.Products, p.Document.Sku, JsonSerializer.SerializeToUtf8Bytes(p.Document, SearchJsonContext.Default.ProductDocument), key),
                    "delete" => BulkAction.Delete(SearchIndexes.Products, p.Document.Sku, key),
                    _ => null,
                };
            }

            if (relative.StartsWith(SearchIndexes.MetricsOutbox, StringComparison.Ordinal))
            {
                var m = JsonSerializer.Deserialize(line, SearchJsonContext.Default.DailyMetrics);
                if (m is null || !PartitionId.IsDate(m.Date)) return null;
                return BulkAction.IndexDoc(SearchIndexes.DailyMetrics, m.DocumentId, JsonSerializer.SerializeToUtf8Bytes(m, SearchJsonContext.Default.DailyMetrics), key);
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private async Task QuarantineAsync(string reason, string sourceKey, string errorType, string detail, byte[] document, CancellationToken cancellationToken)
    {
        var id = Convert.ToHexStringLower(SHA256.HashData([.. Encoding.UTF8.GetBytes(sourceKey + "\n"), .. document]))[..24];
        var key = ZoneLayout.QuarantineKey(reason, clock.GetUtcNow(), "search-" + id);
        var record = new BatchQuarantineRecord(reason, errorType + ": " + detail, sourceKey, 0, Convert.ToBase64String(document),
            System.Text.Unicode.Utf8.IsValid(document) ? Encoding.UTF8.GetString(document) : null, "SearchIndexer");
        await quarantine.PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(record, BatchJsonContext.Default.BatchQuarantineRecord), "application/json", cancellationToken).ConfigureAwait(false);
    }
}
