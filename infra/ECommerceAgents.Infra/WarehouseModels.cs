namespace ECommerceAgents.Infra;

/// <summary>QuickSight column types.</summary>
public enum ColumnType
{
    Text,
    WholeNumber,
    Fractional,
    Timestamp,
}

public static class ColumnTypeExtensions
{
    /// <summary>QuickSight's name for the type.</summary>
    public static string ToQuickSight(this ColumnType type) => type switch
    {
        ColumnType.Text => "STRING",
        ColumnType.WholeNumber => "INTEGER",
        ColumnType.Fractional => "DECIMAL",
        ColumnType.Timestamp => "DATETIME",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown column type."),
    };
}

public sealed record WarehouseColumn(string Name, ColumnType Type);

public sealed record WarehouseModel(string Table, string Title, IReadOnlyList<WarehouseColumn> Columns);

/// <summary>
/// The warehouse tables QuickSight reads (schema <see cref="Resources.Warehouse.Schema"/>). They mirror the batch layer's
/// migrations; a QuickSight data set fails to deploy when a column here does not exist in Redshift.
/// </summary>
public static class WarehouseModels
{
    private static WarehouseColumn S(string name) => new(name, ColumnType.Text);

    private static WarehouseColumn I(string name) => new(name, ColumnType.WholeNumber);

    private static WarehouseColumn D(string name) => new(name, ColumnType.Fractional);

    private static WarehouseColumn T(string name) => new(name, ColumnType.Timestamp);

    public static IReadOnlyList<WarehouseModel> All { get; } =
    [
        new("fct_events", "Events", [S("event_id"), S("event_type"), T("occurred_at"), S("user_id"), S("anonymous_id"), S("session_id"), S("sku"), S("category"), S("order_id"), D("revenue"), S("currency")]),
        new("fct_orders", "Orders", [S("order_id"), S("user_id"), S("status"), T("placed_at"), T("updated_at"), I("items"), D("total"), D("refunded"), S("currency"), D("total_reporting")]),
        new("mdl_funnel_daily", "Funnel by day and category", [T("day"), S("category"), I("views"), I("carts"), I("checkouts"), I("purchases")]),
        new("mdl_kpi_daily", "Daily KPIs", [T("day"), D("revenue"), I("orders"), D("aov"), I("sessions"), D("conversion_rate"), S("reporting_currency")]),
        new("mdl_product_performance", "Product performance", [T("day"), S("sku"), S("category"), I("views"), I("carts"), I("purchases"), D("revenue")]),
        new("mdl_customer_segments", "Customer RFM segments", [S("user_id"), I("recency_days"), I("frequency"), D("monetary"), I("r_score"), I("f_score"), I("m_score"), S("segment"), T("computed_at")]),
        new("mdl_retention_weekly", "Weekly retention cohorts", [T("cohort_week"), I("week_offset"), I("cohort_size"), I("retained"), D("retention_rate")]),
    ];
}
