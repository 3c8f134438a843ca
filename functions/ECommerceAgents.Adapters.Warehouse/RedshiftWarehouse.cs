using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Search;

namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>
/// The warehouse on Redshift Serverless through the Data API: each load is one BatchExecuteStatement (one transaction)
/// that creates the staging tables, COPYs the partition's Parquet from the processed zone with the warehouse's IAM role
/// (FORMAT AS PARQUET, columns by position) and runs the shared MERGE statements.
/// </summary>
public sealed class RedshiftWarehouse(RedshiftDataClient client, string reportingCurrency = "EUR", string schema = ECommerceAgents.Resources.Warehouse.Schema) : IWarehouse
{
    private readonly WarehouseSql _sql = new(SqlDialect.Redshift, reportingCurrency, schema);
    private int _migrated;

    public WarehouseSql Sql => _sql;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _migrated) == 1) return;
        var columns = await client.QueryAsync(_sql.EventTableColumns(), cancellationToken).ConfigureAwait(false);
        var existing = columns.Select(r => r[0].StringValue).OfType<string>().ToHashSet(StringComparer.Ordinal);
        await client.RunBatchAsync(_sql.Migration(existing), "eca-migrate", cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _migrated, 1);
    }

    /// <summary>The statements of one partition's load, in order (public so tests can check the Redshift text).</summary>
    public IReadOnlyList<string> LoadStatements(ProcessedFiles files)
    {
        var statements = new List<string> { _sql.CreateStaging(), _sql.CreateLineStaging() };
        if (files.EventRows > 0) statements.Add(WarehouseSql.CopyParquet("stg_events", files.Bucket, files.EventsKey, client.Target.CopyRoleArn));
        if (files.OrderLineRows > 0) statements.Add(WarehouseSql.CopyParquet("stg_order_lines", files.Bucket, files.OrderLinesKey, client.Target.CopyRoleArn));
        statements.AddRange(_sql.MergePartition(files.Partition));
        return statements;
    }

    public async Task<int> LoadPartitionAsync(ProcessedFiles files, CancellationToken cancellationToken)
    {
        await client.RunBatchAsync(LoadStatements(files), "eca-load-" + files.Partition.Type, cancellationToken).ConfigureAwait(false);
        var rows = await client.QueryAsync(_sql.PartitionRowCount(files.Partition), cancellationToken).ConfigureAwait(false);
        return Scalar(rows);
    }

    private static int Scalar(IReadOnlyList<IReadOnlyList<Field>> rows) => rows.Count > 0 && rows[0].Count > 0 ? (int)(rows[0][0].LongValue ?? 0) : 0;

    public Task SaveQualityAsync(PartitionQuality quality, CancellationToken cancellationToken) =>
        client.RunBatchAsync(_sql.SaveQuality(quality), "eca-quality", cancellationToken);

    public async Task<int> EraseAsync(ErasureTargets targets, CancellationToken cancellationToken)
    {
        if (targets.IsEmpty) return 0;
        var (count, delete) = _sql.Erase(targets);
        var rows = await client.QueryAsync(count, cancellationToken).ConfigureAwait(false);
        await client.RunBatchAsync(delete, "eca-erase", cancellationToken).ConfigureAwait(false);
        return Scalar(rows);
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<JsonObject>>> ExportAsync(ErasureTargets targets, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyList<JsonObject>>(StringComparer.Ordinal);
        if (targets.IsEmpty) return result;
        foreach (var (table, columns, query) in _sql.Export(targets))
        {
            var rows = await client.QueryAsync(query, cancellationToken).ConfigureAwait(false);
            result[table] = [.. rows.Select(r => WarehouseRows.ToJson(columns, i => r[i].IsNull == true ? null : r[i].StringValue))];
        }

        return result;
    }

    public async Task<DailyMetrics?> DailyMetricsAsync(string dt, CancellationToken cancellationToken)
    {
        var rows = await client.QueryAsync(_sql.DailyKpi(dt), cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0) return null;
        var r = rows[0];
        return new DailyMetrics
        {
            Date = dt,
            Revenue = r[0].AsDecimal() ?? 0,
            Orders = (int)(r[1].LongValue ?? 0),
            Aov = r[2].AsDecimal() ?? 0,
            Sessions = (int)(r[3].LongValue ?? 0),
            ConversionRate = Math.Round(r[4].AsDouble() ?? 0, 4),
            Currency = r[5].StringValue ?? reportingCurrency,
            Completeness = Math.Round(r[6].AsDouble() ?? 100, 3),
            ErrorRate = Math.Round(r[7].AsDouble() ?? 0, 3),
        };
    }
}
