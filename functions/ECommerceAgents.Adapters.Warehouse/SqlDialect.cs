using System.Globalization;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>
/// Where PostgreSQL 15 and Redshift differ in the statements the batch layer runs. Everything else (MERGE written in
/// Redshift's form, window functions, CTAS, views) is shared text.
/// </summary>
public abstract partial class SqlDialect
{
    public static readonly SqlDialect PostgreSql = new PostgreSqlDialect();
    public static readonly SqlDialect Redshift = new RedshiftDialect();

    public abstract string Name { get; }

    /// <summary>A string literal. Values are identifiers checked against <see cref="SafeValue"/> first; quoting is the second guard.</summary>
    public virtual string Literal(string value)
    {
        if (!SafeValue().IsMatch(value)) throw new ArgumentException($"'{value}' is not a value the warehouse SQL accepts (letters, digits and ._:@+- only).", nameof(value));
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    public static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Physical table attributes after the column list (Redshift: distribution and sort keys).</summary>
    public abstract string TableAttributes(string table);

    /// <summary>A temporary table for one load: dropped at commit where the engine can, else at session end.</summary>
    public abstract string CreateTempTable(string name, string columns);

    public abstract string CreateTempTableAs(string name, string query);

    /// <summary>Whole days from <paramref name="from"/> to <paramref name="to"/> (both timestamps).</summary>
    public abstract string DaysBetween(string from, string to);

    public abstract string SecondsBetween(string from, string to);

    /// <summary>Secondary indexes the loads' lookups need (PostgreSQL); Redshift has none and relies on its sort keys.</summary>
    public abstract IReadOnlyList<string> Indexes(string schema);

    /// <summary>
    /// The statement adding <paramref name="column"/> to <paramref name="table"/> when it may be missing, or null when
    /// it is known to be there (or the table is new, so its create statement has it).
    /// </summary>
    public abstract string? AddColumn(string table, SqlColumn column, IReadOnlyCollection<string>? existing);

    /// <summary>Serialises concurrent migrations (null where the engine's transaction does it).</summary>
    public abstract string? MigrationLock { get; }

    [GeneratedRegex("^[A-Za-z0-9._:@+-]{1,128}$")]
    private static partial Regex SafeValue();

    private sealed class PostgreSqlDialect : SqlDialect
    {
        public override string Name => "postgresql";

        public override string TableAttributes(string table) => "";

        public override string CreateTempTable(string name, string columns) => $"create temp table {name} ({columns}) on commit drop";

        public override string CreateTempTableAs(string name, string query) => $"create temp table {name} on commit drop as {query}";

        public override string DaysBetween(string from, string to) => $"(cast({to} as date) - cast({from} as date))";

        public override string SecondsBetween(string from, string to) => $"cast(extract(epoch from {to}) - extract(epoch from {from}) as integer)";

        public override string MigrationLock => "select pg_advisory_xact_lock(724193)";

        public override string? AddColumn(string table, SqlColumn column, IReadOnlyCollection<string>? existing) =>
            $"alter table {table} add column if not exists {column.Name} {column.Type}";

        public override IReadOnlyList<string> Indexes(string schema) =>
        [
            $"create index if not exists fct_events_partition on {schema}.fct_events (event_type, dt, hr)",
            $"create index if not exists fct_events_order on {schema}.fct_events (order_id)",
            $"create index if not exists fct_events_sku on {schema}.fct_events (sku)",
            $"create index if not exists fct_events_subject on {schema}.fct_events ((coalesce(resolved_user_id, user_id)))",
            $"create index if not exists fct_events_anonymous on {schema}.fct_events (anonymous_id)",
            $"create index if not exists fct_order_lines_order on {schema}.fct_order_lines (order_id)",
        ];
    }

    private sealed class RedshiftDialect : SqlDialect
    {
        public override string Name => "redshift";

        // Redshift treats a backslash in a literal as an escape; the safe-value check already excludes it.
        public override string Literal(string value) => base.Literal(value).Replace("\\", "\\\\", StringComparison.Ordinal);

        public override string TableAttributes(string table) => table switch
        {
            "fct_events" => " diststyle key distkey(event_id) compound sortkey(occurred_at, event_type)",
            "fct_order_lines" => " diststyle key distkey(order_id) sortkey(occurred_at)",
            "fct_orders" => " diststyle key distkey(order_id) sortkey(placed_at)",
            "dim_products" or "dim_users" or "dim_fx_rates" or "dq_partition_quality" => " diststyle all",
            _ => "",
        };

        // A Data API batch is one session and one transaction: temporary tables end with it.
        public override string CreateTempTable(string name, string columns) => $"create temp table {name} ({columns})";

        public override string CreateTempTableAs(string name, string query) => $"create temp table {name} as {query}";

        public override string DaysBetween(string from, string to) => $"datediff(day, {from}, {to})";

        public override string SecondsBetween(string from, string to) => $"cast(datediff(second, {from}, {to}) as integer)";

        public override string? MigrationLock => null;

        // Redshift has no "add column if not exists": the caller reads the table's columns first.
        public override string? AddColumn(string table, SqlColumn column, IReadOnlyCollection<string>? existing) =>
            existing is not { Count: > 0 } || existing.Contains(column.Name) ? null : $"alter table {table} add column {column.Name} {column.Type}";

        public override IReadOnlyList<string> Indexes(string schema) => [];
    }
}
