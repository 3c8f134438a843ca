namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>What the warehouse holds besides its column lists: the tables and models by name, and the reference FX rates.</summary>
public static class WarehouseCatalog
{
    /// <summary>Reporting-currency rates (units of reporting currency per unit). Reference rates, replaced by a real feed in production.</summary>
    public static readonly IReadOnlyDictionary<string, decimal> EurRates = new Dictionary<string, decimal>(StringComparer.Ordinal)
    {
        ["EUR"] = 1m, ["USD"] = 0.92m, ["GBP"] = 1.17m, ["CHF"] = 1.04m, ["SEK"] = 0.087m, ["PLN"] = 0.23m, ["JPY"] = 0.0061m, ["DKK"] = 0.134m,
    };

    /// <summary>The tables a checksum covers (facts, dimensions, quality).</summary>
    public static readonly IReadOnlyList<string> Tables = ["fct_events", "fct_order_lines", "fct_orders", "dim_products", "dim_users", "dim_fx_rates", "dq_partition_quality"];

    public static readonly IReadOnlyList<string> Models = ["mdl_sessions", "mdl_funnel_daily", "mdl_kpi_daily", "mdl_product_performance", "mdl_customer_segments", "mdl_retention_weekly", "mdl_marketing_audience"];
}
