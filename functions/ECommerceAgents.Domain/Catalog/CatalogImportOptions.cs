namespace ECommerceAgents.Domain.Catalog;

/// <summary>How an import reads, compares and writes: chunk and batch sizes, list limits, the spill folder, the gzip limits.</summary>
public sealed record CatalogImportOptions
{
    /// <summary>Distinct SKUs looked up in the store per round.</summary>
    public int ChunkSize { get; init; } = 1000;

    public int ReportListLimit { get; init; } = 100;

    public int EventBatchSize { get; init; } = 500;

    public int WriteBatchSize { get; init; } = 1000;

    public string? TempDirectory { get; init; }

    /// <summary>What a <c>.gz</c> upload may expand to before it is rejected as a bomb.</summary>
    internal GzipLimits Gzip { get; init; } = new();
}
