using System.Globalization;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Search;
using Npgsql;
using NpgsqlTypes;

namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>
/// The warehouse on PostgreSQL 15 (the local stand-in for Redshift): staging by binary COPY FROM STDIN of the rows read
/// back from the partition's Parquet files, then the shared MERGE statements, all in one transaction.
/// </summary>
public sealed class PostgresWarehouse(NpgsqlDataSource dataSource, IParquetCodec parquet, string reportingCurrency = "EUR", string schema = ECommerceAgents.Resources.Warehouse.Schema) : IWarehouse, IAsyncDisposable
{
    private readonly WarehouseSql _sql = new(SqlDialect.PostgreSql, reportingCurrency, schema);
    private int _migrated;

    public WarehouseSql Sql => _sql;

    /// <summary>A data source for a connection string; the slim builder keeps the native AOT binary free of unused type plugins.</summary>
    public static NpgsqlDataSource DataSource(string connectionString) => new NpgsqlSlimDataSourceBuilder(connectionString).Build();

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _migrated) == 1) return;
        await ExecuteAsync(_sql.Migration(), cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _migrated, 1);
    }

    public async Task<int> LoadPartitionAsync(ProcessedFiles files, CancellationToken cancellationToken)
    {
        var events = files.Events.Length == 0 ? [] : await parquet.DecodeEventsAsync(files.Events, cancellationToken).ConfigureAwait(false);
        var lines = files.OrderLines.Length == 0 ? [] : await parquet.DecodeOrderLinesAsync(files.OrderLines, cancellationToken).ConfigureAwait(false);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(connection, [_sql.CreateStaging(), _sql.CreateLineStaging()], cancellationToken).ConfigureAwait(false);
        await CopyEventsAsync(connection, events, cancellationToken).ConfigureAwait(false);
        await CopyLinesAsync(connection, lines, cancellationToken).ConfigureAwait(false);
        await RunAsync(connection, _sql.MergePartition(files.Partition), cancellationToken).ConfigureAwait(false);
        await using var count = new NpgsqlCommand(_sql.PartitionRowCount(files.Partition), connection);
        var loaded = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return loaded;
    }

    public Task SaveQualityAsync(PartitionQuality quality, CancellationToken cancellationToken) => ExecuteAsync(_sql.SaveQuality(quality), cancellationToken);

    public async Task<int> EraseAsync(ErasureTargets targets, CancellationToken cancellationToken)
    {
        if (targets.IsEmpty) return 0;
        var (countSql, delete) = _sql.Erase(targets);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var count = new NpgsqlCommand(countSql, connection);
        var rows = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        await RunAsync(connection, delete, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows;
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<JsonObject>>> ExportAsync(ErasureTargets targets, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyList<JsonObject>>(StringComparer.Ordinal);
        if (targets.IsEmpty) return result;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (table, columns, query) in _sql.Export(targets))
        {
            await using var command = new NpgsqlCommand(query, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<JsonObject>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(WarehouseRows.ToJson(columns, i => reader.IsDBNull(i) ? null : reader.GetString(i)));
            }

            result[table] = rows;
        }

        return result;
    }

    public async Task<DailyMetrics?> DailyMetricsAsync(string dt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(_sql.DailyKpi(dt), connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new DailyMetrics
        {
            Date = dt,
            Revenue = reader.GetDecimal(0),
            Orders = Convert.ToInt32(reader.GetValue(1), CultureInfo.InvariantCulture),
            Aov = reader.IsDBNull(2) ? 0 : reader.GetDecimal(2),
            Sessions = Convert.ToInt32(reader.GetValue(3), CultureInfo.InvariantCulture),
            ConversionRate = reader.IsDBNull(4) ? 0 : Math.Round(reader.GetDouble(4), 4),
            Currency = reader.GetString(5),
            Completeness = reader.IsDBNull(6) ? 100 : Math.Round(reader.GetDouble(6), 3),
            ErrorRate = reader.IsDBNull(7) ? 0 : Math.Round(reader.GetDouble(7), 3),
        };
    }

    private async Task ExecuteAsync(IReadOnlyList<string> statements, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await RunAsync(connection, statements, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task RunAsync(NpgsqlConnection connection, IReadOnlyList<string> statements, CancellationToken cancellationToken)
    {
        foreach (var statement in statements)
        {
            await using var command = new NpgsqlCommand(statement, connection);
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                throw new InvalidOperationException($"warehouse statement failed ({ex.SqlState}: {ex.MessageText}): {statement[..Math.Min(statement.Length, 300)]}", ex);
            }
        }
    }

    private static Task CopyEventsAsync(NpgsqlConnection connection, IReadOnlyList<ProcessedEvent> rows, CancellationToken cancellationToken) =>
        CopyAsync(connection, "stg_events", WarehouseSql.StagedEventColumns.Select(c => c.Name), rows, WriteEventAsync, cancellationToken);

    private static Task CopyLinesAsync(NpgsqlConnection connection, IReadOnlyList<OrderLineRow> rows, CancellationToken cancellationToken) =>
        CopyAsync(connection, "stg_order_lines", WarehouseSql.StagedLineColumns.Select(c => c.Name), rows, WriteLineAsync, cancellationToken);

    /// <summary>Binary COPY of <paramref name="rows"/> into <paramref name="table"/>, one row at a time through <paramref name="writeRow"/>.</summary>
    private static async Task CopyAsync<T>(NpgsqlConnection connection, string table, IEnumerable<string> columns, IReadOnlyList<T> rows,
        Func<NpgsqlBinaryImporter, T, CancellationToken, Task> writeRow, CancellationToken cancellationToken)
    {
        await using var import = await connection.BeginBinaryImportAsync($"copy {table} ({string.Join(", ", columns)}) from stdin (format binary)", cancellationToken).ConfigureAwait(false);
        foreach (var r in rows)
        {
            await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await writeRow(import, r, cancellationToken).ConfigureAwait(false);
        }

        await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteEventAsync(NpgsqlBinaryImporter import, ProcessedEvent r, CancellationToken cancellationToken)
    {
        await Text(import, r.EventId, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Schema, cancellationToken).ConfigureAwait(false);
        await Text(import, r.EventType, cancellationToken).ConfigureAwait(false);
        await Time(import, r.OccurredAt, cancellationToken).ConfigureAwait(false);
        await Time(import, r.ReceivedAt, cancellationToken).ConfigureAwait(false);
        await Text(import, r.UserId, cancellationToken).ConfigureAwait(false);
        await Text(import, r.AnonymousId, cancellationToken).ConfigureAwait(false);
        await Text(import, r.SessionId, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Sku, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Category, cancellationToken).ConfigureAwait(false);
        await Text(import, r.OrderId, cancellationToken).ConfigureAwait(false);
        await Value(import, r.Revenue, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Currency, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Properties, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Lineage, cancellationToken).ConfigureAwait(false);
        await Text(import, r.ResolvedUserId, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Brand, cancellationToken).ConfigureAwait(false);
        await Value(import, r.Price, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
        await Value(import, r.Quantity, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        await Text(import, r.SearchQuery, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Intent, cancellationToken).ConfigureAwait(false);
        await Value(import, r.Engagement, NpgsqlDbType.Double, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Consent, cancellationToken).ConfigureAwait(false);
        await Text(import, r.DeviceType, cancellationToken).ConfigureAwait(false);
        await Time(import, r.IngestedAt, cancellationToken).ConfigureAwait(false);
        await Time(import, r.ProcessedAt, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Attribution?.Source, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Attribution?.Medium, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Attribution?.Campaign, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Attribution?.Term, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Attribution?.Content, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Attribution?.ReferrerClass, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Attribution?.ReferrerHost, cancellationToken).ConfigureAwait(false);
    }

    private static async Task WriteLineAsync(NpgsqlBinaryImporter import, OrderLineRow r, CancellationToken cancellationToken)
    {
        await Text(import, r.EventId, cancellationToken).ConfigureAwait(false);
        await Text(import, r.OrderId, cancellationToken).ConfigureAwait(false);
        await import.WriteAsync(r.LineNo, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Sku, cancellationToken).ConfigureAwait(false);
        await import.WriteAsync(r.Quantity, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
        await import.WriteAsync(r.Price, NpgsqlDbType.Numeric, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Category, cancellationToken).ConfigureAwait(false);
        await Text(import, r.Currency, cancellationToken).ConfigureAwait(false);
        await Time(import, r.OccurredAt, cancellationToken).ConfigureAwait(false);
    }

    private static Task Text(NpgsqlBinaryImporter import, string? value, CancellationToken cancellationToken) =>
        value is null ? import.WriteNullAsync(cancellationToken) : import.WriteAsync(value, NpgsqlDbType.Varchar, cancellationToken);

    /// <summary>Timestamps are UTC wall-clock values in <c>timestamp</c> columns (as in Redshift), so the session time zone never shifts a day.</summary>
    private static Task Time(NpgsqlBinaryImporter import, DateTime? value, CancellationToken cancellationToken) =>
        value is { } t ? import.WriteAsync(DateTime.SpecifyKind(t, DateTimeKind.Unspecified), NpgsqlDbType.Timestamp, cancellationToken) : import.WriteNullAsync(cancellationToken);

    private static Task Value<T>(NpgsqlBinaryImporter import, T? value, NpgsqlDbType type, CancellationToken cancellationToken)
        where T : struct =>
        value is { } v ? import.WriteAsync(v, type, cancellationToken) : import.WriteNullAsync(cancellationToken);

    public ValueTask DisposeAsync() => dataSource.DisposeAsync();
}
