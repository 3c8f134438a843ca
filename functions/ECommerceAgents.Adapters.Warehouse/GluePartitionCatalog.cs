using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>
/// Registers BatchLoader's partitions in the Glue Data Catalog: each partition takes its table's storage descriptor
/// (columns, formats, SerDe; read once per table and container) with its own folder as the location, as a crawler's
/// "inherit from table" would. A partition that already exists is fine (a retried load); any other error fails the load.
/// </summary>
public sealed class GluePartitionCatalog(GlueClient glue, string database) : IPartitionCatalog
{
    private readonly Dictionary<string, Task<GlueStorageDescriptor>> _tables = new(StringComparer.Ordinal);

    public string Database => database;

    public async Task RegisterAsync(IReadOnlyList<CatalogPartition> partitions, CancellationToken cancellationToken)
    {
        foreach (var dataset in new[] { ProcessedDataset.Events, ProcessedDataset.OrderLines })
        {
            var table = CatalogTables.For(dataset);
            var inputs = new List<GluePartitionInput>();
            foreach (var p in partitions)
            {
                if (p.Dataset != dataset) continue;
                var storage = await StorageAsync(table, cancellationToken).ConfigureAwait(false);
                inputs.Add(new GluePartitionInput([p.Partition.Type, p.Partition.Dt, p.Partition.Hr], storage with { Location = p.Location }));
            }

            for (var start = 0; start < inputs.Count; start += GlueClient.MaxPartitionsPerCall)
            {
                var chunk = inputs.GetRange(start, Math.Min(GlueClient.MaxPartitionsPerCall, inputs.Count - start));
                var errors = await glue.BatchCreatePartitionAsync(database, table, chunk, cancellationToken).ConfigureAwait(false);
                foreach (var error in errors)
                {
                    if (error.ErrorDetail?.ErrorCode == GlueClient.AlreadyExists) continue;
                    throw new InvalidOperationException(
                        $"Glue BatchCreatePartition {database}.{table} [{string.Join('/', error.PartitionValues ?? [])}]: {error.ErrorDetail?.ErrorCode}: {error.ErrorDetail?.ErrorMessage}");
                }
            }
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
