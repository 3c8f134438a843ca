namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>The warehouse's tables and columns (the <c>session_*</c> columns of <c>fct_events</c> came later: <see cref="AddedEventColumns"/>).</summary>
public sealed partial class WarehouseSql
{
    /// <summary>The session's attribution on every row (issue 20), declared first (static fields initialise in order): added after
    /// <c>fct_events</c> was first created, so the migration adds them at the table's end; every statement names its columns.</summary>
    public static readonly IReadOnlyList<SqlColumn> AddedEventColumns =
    [
        new("session_source", "varchar(128)"), new("session_medium", "varchar(128)"), new("session_campaign", "varchar(128)"),
        new("session_term", "varchar(256)"), new("session_content", "varchar(256)"), new("session_referrer_class", "varchar(16)"),
        new("session_referrer_host", "varchar(128)"),
    ];

    /// <summary>The staging table's columns, in the Parquet file's order (COPY maps by position).</summary>
    public static readonly IReadOnlyList<SqlColumn> StagedEventColumns =
    [
        new("event_id", "varchar(64)"), new("event_schema", "varchar(128)"), new("event_type", "varchar(64)"),
        new("occurred_at", "timestamp"), new("received_at", "timestamp"), new("user_id", "varchar(128)"),
        new("anonymous_id", "varchar(128)"), new("session_id", "varchar(128)"), new("sku", "varchar(64)"),
        new("category", "varchar(64)"), new("order_id", "varchar(64)"), new("revenue", "numeric(18,4)"),
        new("currency", "varchar(3)"), new("properties", "varchar(65535)"), new("lineage", "varchar(65535)"),
        new("resolved_user_id", "varchar(128)"), new("brand", "varchar(256)"), new("price", "numeric(18,4)"),
        new("quantity", "integer"), new("search_query", "varchar(1024)"), new("intent", "varchar(64)"),
        new("engagement", "double precision"), new("consent", "varchar(32)"), new("device_type", "varchar(32)"),
        new("ingested_at", "timestamp"), new("processed_at", "timestamp"), .. AddedEventColumns,
    ];

    public static readonly IReadOnlyList<SqlColumn> StagedLineColumns =
    [
        new("event_id", "varchar(64)"), new("order_id", "varchar(64)"), new("line_no", "integer"), new("sku", "varchar(64)"),
        new("quantity", "integer"), new("price", "numeric(18,4)"), new("category", "varchar(64)"), new("currency", "varchar(3)"),
        new("occurred_at", "timestamp"),
    ];

    public static readonly IReadOnlyList<SqlColumn> EventColumns = [.. StagedEventColumns, new("dt", "varchar(10)"), new("hr", "varchar(2)")];

    public static readonly IReadOnlyList<SqlColumn> LineColumns = [.. StagedLineColumns, new("dt", "varchar(10)"), new("hr", "varchar(2)")];

    public static readonly IReadOnlyList<SqlColumn> OrderColumns =
    [
        new("order_id", "varchar(64)"), new("user_id", "varchar(128)"), new("status", "varchar(16)"), new("placed_at", "timestamp"),
        new("updated_at", "timestamp"), new("items", "integer"), new("total", "numeric(18,4)"), new("paid", "numeric(18,4)"),
        new("refunded", "numeric(18,4)"), new("net_revenue", "numeric(18,4)"), new("currency", "varchar(3)"),
        new("total_reporting", "numeric(18,4)"), new("net_revenue_reporting", "numeric(18,4)"), new("reporting_currency", "varchar(3)"),
        new("placing_event_id", "varchar(64)"),
    ];

    public static readonly IReadOnlyList<SqlColumn> ProductColumns =
    [
        new("sku", "varchar(64)"), new("category", "varchar(64)"), new("brand", "varchar(256)"), new("price", "numeric(18,4)"),
        new("currency", "varchar(3)"), new("first_seen", "timestamp"), new("last_seen", "timestamp"),
    ];

    public static readonly IReadOnlyList<SqlColumn> UserColumns =
    [
        new("user_id", "varchar(128)"), new("first_seen", "timestamp"), new("last_seen", "timestamp"), new("events", "integer"),
        new("sessions", "integer"), new("orders", "integer"),
    ];

    public static readonly IReadOnlyList<SqlColumn> QualityColumns =
    [
        new("event_type", "varchar(64)"), new("dt", "varchar(10)"), new("hr", "varchar(2)"), new("lines", "integer"), new("valid", "integer"),
        new("loaded", "integer"), new("completeness", "double precision"), new("validity", "double precision"), new("error_rate", "double precision"),
    ];
}
