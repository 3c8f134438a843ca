namespace ECommerceAgents.Domain.Batch;

/// <summary>The processed zone's datasets, each an external table partitioned by type, dt and hr in the data catalog.</summary>
public enum ProcessedDataset
{
    Events,
    OrderLines,
}

/// <summary>The data catalog's names for the processed zone: one definition for the CDK app's tables and BatchLoader's registrations.</summary>
public static class CatalogTables
{
    public const string ProcessedEvents = "processed_events";

    public const string OrderLines = "order_lines";

    public static string For(ProcessedDataset dataset) => dataset switch
    {
        ProcessedDataset.Events => ProcessedEvents,
        ProcessedDataset.OrderLines => OrderLines,
        _ => throw new ArgumentOutOfRangeException(nameof(dataset), dataset, "Unknown dataset."),
    };
}

/// <summary>A partition BatchLoader wrote: its dataset, its id and its folder (<c>s3://bucket/events/type=…/dt=…/hr=…/</c>).</summary>
public sealed record CatalogPartition(ProcessedDataset Dataset, PartitionId Partition, string Location);

/// <summary>
/// The data catalog BatchLoader adds its partitions to (Glue in AWS), so Athena, Spectrum and QuickSight see them without
/// a crawler. Registering a partition that is already there is not an error: a retried load registers again.
/// </summary>
public interface IPartitionCatalog
{
    Task RegisterAsync(IReadOnlyList<CatalogPartition> partitions, CancellationToken cancellationToken);
}

/// <summary>
/// Where BatchLoader registers nothing (the local stack has no Glue; stages whose crawlers add partitions): keeps what
/// would have been registered, so tests and the CLI can look.
/// </summary>
public sealed class RecordingPartitionCatalog : IPartitionCatalog
{
    private readonly List<CatalogPartition> _registered = [];

    public IReadOnlyList<CatalogPartition> Registered
    {
        get
        {
            lock (_registered) return [.. _registered];
        }
    }

    public Task RegisterAsync(IReadOnlyList<CatalogPartition> partitions, CancellationToken cancellationToken)
    {
        lock (_registered) _registered.AddRange(partitions);
        return Task.CompletedTask;
    }
}
