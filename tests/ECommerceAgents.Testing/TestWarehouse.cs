using System.Security.Cryptography;
using System.Text;
using ECommerceAgents.Local.Stack;
using Npgsql;

namespace ECommerceAgents.Testing;

/// <summary>
/// A test class's own warehouse: a database <c>t_&lt;prefix&gt;</c> on the run's PostgreSQL (the local stack's, or the one
/// <c>ECA_WAREHOUSE</c> names), so classes never see each other's tables. Also table checksums for idempotence tests.
/// </summary>
public static class TestWarehouse
{
    public static async Task<string> CreateAsync(LocalStack stack, string owner)
    {
        var server = new NpgsqlConnectionStringBuilder(stack.Endpoints.Warehouse ?? throw new InvalidOperationException("no warehouse endpoint"));
        var name = "t_" + TestStack.UniquePrefix(owner).Replace('-', '_');
        var admin = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"create database \"{name}\"", connection);
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Row count and a hash of every row of each table (rows rendered as text by PostgreSQL, sorted).</summary>
    public static async Task<IReadOnlyDictionary<string, (long Rows, string Hash)>> ChecksumAsync(string connectionString, IEnumerable<string> tables, string schema = "eca")
    {
        var result = new SortedDictionary<string, (long, string)>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        foreach (var table in tables)
        {
            await using var command = new NpgsqlCommand($"select t::text from {schema}.{table} t", connection);
            var rows = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync().ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false)) rows.Add(reader.GetString(0));
            }

            rows.Sort(StringComparer.Ordinal);
            result[table] = (rows.Count, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", rows))))[..16]);
        }

        return result;
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync().ConfigureAwait(false);
        return (T)Convert.ChangeType(value!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static async Task<List<Dictionary<string, object?>>> QueryAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < reader.FieldCount; i++) row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }

        return rows;
    }
}
