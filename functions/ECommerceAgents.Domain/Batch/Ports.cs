using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Search;

namespace ECommerceAgents.Domain.Batch;

/// <summary>One bucket of the data lake, as the batch layer sees it.</summary>
public interface IObjectStore
{
    string Bucket { get; }

    /// <summary>Every object under the prefix (all pages).</summary>
    Task<IReadOnlyList<ZoneObject>> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>The object's bytes, or null when it does not exist.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    Task PutAsync(string key, ReadOnlyMemory<byte> body, string contentType, CancellationToken cancellationToken);

    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>The watermark table's batch part: which enriched state each partition was last loaded from, and a lease against concurrent loads.</summary>
public interface IWatermarkStore
{
    Task<IReadOnlyDictionary<PartitionId, PartitionWatermark>> ReadAsync(string dt, CancellationToken cancellationToken);

    Task WriteAsync(PartitionWatermark watermark, CancellationToken cancellationToken);

    /// <summary>Claims the partition for <paramref name="ttl"/>; false when another run holds it.</summary>
    Task<bool> TryLeaseAsync(PartitionId partition, string owner, TimeSpan ttl, CancellationToken cancellationToken);

    Task ReleaseAsync(PartitionId partition, string owner, CancellationToken cancellationToken);
}

/// <summary>Parquet encoding of the processed zone's two datasets.</summary>
public interface IParquetCodec
{
    Task<byte[]> EncodeEventsAsync(IReadOnlyList<ProcessedEvent> rows, CancellationToken cancellationToken);

    Task<byte[]> EncodeOrderLinesAsync(IReadOnlyList<OrderLineRow> rows, CancellationToken cancellationToken);

    Task<IReadOnlyList<ProcessedEvent>> DecodeEventsAsync(ReadOnlyMemory<byte> parquet, CancellationToken cancellationToken);

    Task<IReadOnlyList<OrderLineRow>> DecodeOrderLinesAsync(ReadOnlyMemory<byte> parquet, CancellationToken cancellationToken);

    /// <summary>Only the event_id column (cheap: one column chunk).</summary>
    Task<IReadOnlyList<string>> DecodeEventIdsAsync(ReadOnlyMemory<byte> parquet, CancellationToken cancellationToken);
}

/// <summary>The processed files of one partition: where they are and their bytes.</summary>
public sealed record ProcessedFiles(PartitionId Partition, string Bucket, string EventsKey, byte[] Events, string OrderLinesKey, byte[] OrderLines, int EventRows, int OrderLineRows);

/// <summary>The partition's quality figures kept in the warehouse (deterministic ones only).</summary>
public sealed record PartitionQuality(PartitionId Partition, int Lines, int Valid, int Loaded, double CompletenessPercent, double ValidityPercent, double ErrorRatePercent);

/// <summary>The warehouse (PostgreSQL locally, Redshift in AWS).</summary>
public interface IWarehouse
{
    /// <summary>Creates or upgrades the schema, tables and model views (idempotent).</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stages the partition's Parquet files and merges them into the facts and dimensions in one transaction; returns the
    /// partition's rows in <c>fct_events</c> afterwards. Loading the same files again leaves every table as it was.
    /// </summary>
    Task<int> LoadPartitionAsync(ProcessedFiles files, CancellationToken cancellationToken);

    Task SaveQualityAsync(PartitionQuality quality, CancellationToken cancellationToken);

    /// <summary>Deletes every row of the users (by user id, resolved user id or anonymous id); returns rows deleted.</summary>
    Task<int> EraseAsync(ErasureTargets targets, CancellationToken cancellationToken);

    /// <summary>The day's figures for the daily-metrics index.</summary>
    Task<DailyMetrics?> DailyMetricsAsync(string dt, CancellationToken cancellationToken);

    /// <summary>Every row of the users (as <see cref="EraseAsync"/> finds them), per table, each column as text (null kept).</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<JsonObject>>> ExportAsync(ErasureTargets targets, CancellationToken cancellationToken);
}

/// <summary>What DynamoDB holds about one user, item by item, for their export (table <c>privacy-requests</c>' exports).</summary>
public interface IUserDataExport
{
    /// <summary>The user's items per table (profile, sessions of the user and each linked anonymous id, identity links, orders, consent), and the anonymous ids.</summary>
    Task<(JsonObject Items, IReadOnlyList<string> AnonymousIds)> ExportAsync(string userId, CancellationToken cancellationToken);
}

/// <summary>Erasure requests recorded by the API (table <c>tombstones</c>).</summary>
public interface ITombstoneStore
{
    Task<IReadOnlyList<Tombstone>> PendingAsync(CancellationToken cancellationToken);

    Task MarkAppliedAsync(Tombstone tombstone, ErasureCounts counts, DateTimeOffset appliedAt, CancellationToken cancellationToken);
}
