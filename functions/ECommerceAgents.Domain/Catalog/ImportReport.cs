namespace ECommerceAgents.Domain.Catalog;

/// <summary>
/// The per-file import report, written under <c>catalog/reports/</c> of the landing bucket (outside the notification
/// prefix). Lists are capped at <see cref="CatalogImportOptions.ReportListLimit"/> entries; the counts are complete.
/// </summary>
public sealed record ImportReport
{
    /// <summary>completed, unchanged_same_content, not_found, unsupported_format or rejected_file.</summary>
    public required string Status { get; init; }

    public required string ImportId { get; init; }

    public required string Bucket { get; init; }

    public required string Key { get; init; }

    public string? ETag { get; init; }

    public long Size { get; init; }

    /// <summary>SHA-256 of the file's bytes, computed while streaming it.</summary>
    public string? ContentSha256 { get; init; }

    public string? Format { get; init; }

    public string? Delimiter { get; init; }

    public string? Message { get; init; }

    /// <summary>The import this one repeats, when the file's content (ETag and size) was the last one imported.</summary>
    public string? SameContentAs { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset CompletedAt { get; init; }

    public long Rows { get; init; }

    public long Ok { get; init; }

    public long Rejected { get; init; }

    public IReadOnlyDictionary<string, long> RejectedByReason { get; init; } = new Dictionary<string, long>();

    public IReadOnlyList<ReportRejection> RejectedRows { get; init; } = [];

    public long Duplicates { get; init; }

    /// <summary>first_wins: the first valid row of a SKU is imported; later ones are counted here with the line kept.</summary>
    public string DedupRule { get; init; } = "first_wins";

    public IReadOnlyList<ReportDuplicate> DuplicateRows { get; init; } = [];

    public long New { get; init; }

    public long Changed { get; init; }

    public long Unchanged { get; init; }

    public long Deleted { get; init; }

    public long CategoryChanged { get; init; }

    public long EventsEmitted { get; init; }

    public long StockDeltasEmitted { get; init; }

    public ReportClassifier Classifier { get; init; } = new();

    public IReadOnlyDictionary<string, long> Warnings { get; init; } = new Dictionary<string, long>();

    public string? ProcessedCopy { get; init; }

    public string? SearchOutbox { get; init; }

    public long SearchDocuments { get; init; }

    public IReadOnlyDictionary<string, double> PhaseMilliseconds { get; init; } = new Dictionary<string, double>();
}

public sealed record ReportRejection(long Line, string? Sku, IReadOnlyList<string> Reasons);

public sealed record ReportDuplicate(long Line, string Sku, long KeptLine);

/// <summary>How rows got their category.</summary>
public sealed record ReportClassifier
{
    public long Provided { get; init; }

    public long Mapped { get; init; }

    public long Classified { get; init; }

    /// <summary>Classified with a posterior below the low-confidence threshold (still used).</summary>
    public long LowConfidence { get; init; }

    public string Model { get; init; } = "multinomial-naive-bayes";
}

/// <summary><c>catalog/reports/latest.json</c>: the last completed import, for the same-content fast path.</summary>
internal sealed record LatestImport(string ImportId, string Fingerprint, string ReportKey, string Key, DateTimeOffset CompletedAt);

/// <summary>A change decided in the first pass, spilled to a temporary file until the outbox and events are out.</summary>
internal sealed record PendingChange
{
    /// <summary>new, changed or delete.</summary>
    public required string Kind { get; init; }

    public required string Sku { get; init; }

    public CatalogProduct? Product { get; init; }

    public string? PreviousHash { get; init; }

    public long PreviousStock { get; init; }
}
