using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>
/// Registers BatchLoader's partitions in the Glue Data Catalog (<see cref="BatchPorts.RegisterPartition"/>): each partition
/// takes its table's storage descriptor (columns, formats, SerDe; read once per table and container) with its own folder
/// as the location, as a crawler's "inherit from table" would. A partition that already exists is fine (a retried load);
/// any other error fails the load.
/// </summary>
public sealed class GluePartitionCatalog(GlueClient glue, string database)
{
    private readonly Dictionary<string, Task<GlueStorageDescriptor>> _tables = new(StringComparer.Ordinal);

    public string Database => database;

    public async Task RegisterAsync(string table, PartitionId partition, string location, CancellationToken cancellationToken)
    {
        var storage = await StorageAsync(table, cancellationToken).ConfigureAwait(false);
        var input = new GluePartitionInput([partition.Type, partition.Dt, partition.Hr], storage with { Location = location });
        foreach (var error in await glue.BatchCreatePartitionAsync(database, table, [input], cancellationToken).ConfigureAwait(false))
        {
            if (error.ErrorDetail?.ErrorCode == GlueClient.AlreadyExists) continue;
            throw new InvalidOperationException(
                $"Glue BatchCreatePartition {database}.{table} [{string.Join('/', error.PartitionValues ?? [])}]: {error.ErrorDetail?.ErrorCode}: {error.ErrorDetail?.ErrorMessage}");
        }
    }

    private Task<GlueStorageDescriptor> StorageAsync(string table, CancellationToken cancellationToken)
    {
        lock (_tables)
        {
            if (!_tables.TryGetValue(table, out var storage) || storage.IsFaulted || storage.IsCanceled)
            {
                _tables[table] = storage = glue.GetTableStorageAsync(database, table, cancellationToken);
            }

            return storage;
        }
    }
}
