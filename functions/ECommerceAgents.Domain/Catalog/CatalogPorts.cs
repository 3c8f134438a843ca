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
