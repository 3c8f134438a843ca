using ECommerceAgents.Domain.Events;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using static ECommerceAgents.IntegrationTests.Batch.EnrichedFixture;

namespace ECommerceAgents.IntegrationTests.Batch;

/// <summary>
/// A hand-checked fixture: four sessions over two Mondays, three orders (one refunded in part, one in USD, one cancelled
/// before payment). Expected figures are worked out by hand in the comments; reporting currency EUR, USD at 0.92.
/// </summary>
public sealed class ModelFixture : IAsyncLifetime
{
    public const string Day1 = "2026-03-02";
    public const string Day2 = "2026-03-09";

    public string Warehouse { get; private set; } = null!;

    private PlatformHarness _harness = null!;

    internal static IReadOnlyList<EnrichedEvent> Events()
    {
        OrderLine Line(string sku, int qty, decimal price, string category) => new() { Sku = sku, Quantity = qty, Price = price, Category = category };
        return
        [
            // s1: u1 views A (electronics, 100 EUR), carts it, checks out, buys o1; o1 is paid 100 and 40 is refunded → net 60.
            Event("page_view", "2026-03-02T10:00:00Z", "u1", "a1", "s1", new EventData { Url = "https://shop/" }),
            Event("product_view", "2026-03-02T10:01:00Z", "u1", "a1", "s1", new EventData { Sku = "A", Category = "electronics", Price = 100, Currency = "EUR" }),
            Event("add_to_cart", "2026-03-02T10:02:00Z", "u1", "a1", "s1", new EventData { Sku = "A", Category = "electronics", Price = 100, Currency = "EUR", Quantity = 1 }),
            Event("begin_checkout", "2026-03-02T10:03:00Z", "u1", "a1", "s1", new EventData { CartValue = 100, Currency = "EUR", ItemCount = 1 }),
            Event("purchase", "2026-03-02T10:04:00Z", "u1", "a1", "s1", new EventData { OrderId = "o1", Total = 100, Currency = "EUR", Items = [Line("A", 1, 100, "electronics")] }),
            Event("order_placed", "2026-03-02T10:04:02Z", "u1", null, null, new EventData { OrderId = "o1", Total = 100, Currency = "EUR", Items = [Line("A", 1, 100, "electronics")] }),
            Event("order_paid", "2026-03-02T10:05:00Z", "u1", null, null, new EventData { OrderId = "o1", Amount = 100, Currency = "EUR" }),
            Event("order_refunded", "2026-03-02T11:00:00Z", "u1", null, null, new EventData { OrderId = "o1", Amount = 40, Currency = "EUR" }),
            // s2: an anonymous shopper views and carts B (books, 20 EUR × 2), no checkout.
            Event("page_view", "2026-03-02T12:00:00Z", null, "a2", "s2", new EventData { Url = "https://shop/" }),
            Event("product_view", "2026-03-02T12:01:00Z", null, "a2", "s2", new EventData { Sku = "B", Category = "books", Price = 20, Currency = "EUR" }),
            Event("add_to_cart", "2026-03-02T12:02:00Z", null, "a2", "s2", new EventData { Sku = "B", Category = "books", Price = 20, Currency = "EUR", Quantity = 2 }),
            // s3: u2 views A and C, carts C (books, 30 USD), buys o2 in USD: paid 30 USD → 27.60 EUR.
            Event("product_view", "2026-03-02T14:00:00Z", "u2", "a3", "s3", new EventData { Sku = "A", Category = "electronics", Price = 100, Currency = "EUR" }),
            Event("product_view", "2026-03-02T14:01:00Z", "u2", "a3", "s3", new EventData { Sku = "C", Category = "books", Price = 30, Currency = "USD" }),
            Event("add_to_cart", "2026-03-02T14:02:00Z", "u2", "a3", "s3", new EventData { Sku = "C", Category = "books", Price = 30, Currency = "USD", Quantity = 1 }),
            Event("begin_checkout", "2026-03-02T14:02:30Z", "u2", "a3", "s3", new EventData { CartValue = 30, Currency = "USD", ItemCount = 1 }),
            Event("purchase", "2026-03-02T14:03:00Z", "u2", "a3", "s3", new EventData { OrderId = "o2", Total = 30, Currency = "USD", Items = [Line("C", 1, 30, "books")] }),
            Event("order_placed", "2026-03-02T14:03:02Z", "u2", null, null, new EventData { OrderId = "o2", Total = 30, Currency = "USD", Items = [Line("C", 1, 30, "books")] }),
            Event("order_paid", "2026-03-02T14:04:00Z", "u2", null, null, new EventData { OrderId = "o2", Amount = 30, Currency = "USD" }),
            // o3: u2 orders B (50 EUR) from the backend and cancels before paying → status cancelled, net 0.
            Event("order_placed", "2026-03-02T15:00:00Z", "u2", null, null, new EventData { OrderId = "o3", Total = 50, Currency = "EUR", Items = [Line("B", 1, 50, "books")] }),
            Event("order_cancelled", "2026-03-02T15:05:00Z", "u2", null, null, new EventData { OrderId = "o3", Reason = "customer request" }),
            // s4: u1 comes back a week later and views B.
            Event("page_view", "2026-03-09T09:00:00Z", "u1", "a1", "s4", new EventData { Url = "https://shop/" }),
            Event("product_view", "2026-03-09T09:01:00Z", "u1", "a1", "s4", new EventData { Sku = "B", Category = "books", Price = 20, Currency = "EUR" }),
        ];
    }

    public async ValueTask InitializeAsync()
    {
        var stack = await TestStack.GetAsync();
        Warehouse = await TestWarehouse.CreateAsync(stack, "models");
        _harness = await PlatformHarness.StartAsync("models", stack, new Dictionary<string, string> { [ServiceEndpoints.WarehouseVariable] = Warehouse }, stack.Endpoints with { Warehouse = Warehouse });
        await WriteAsync(stack.S3Client, _harness.Names.Bucket(Buckets.Enriched), Events());
        var loader = await ECommerceAgents.Functions.BatchLoader.BatchLoaderFunction.CreateAsync(_harness.Environment, CancellationToken.None);
        await EnrichedDay.BackfillAsync(loader, Day1);
        await EnrichedDay.BackfillAsync(loader, Day2);
        await ((IAsyncDisposable)loader).DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await _harness.DisposeAsync();
}

/// <summary>Each model's numbers against the fixture's hand-worked figures.</summary>
public sealed class ModelTests(ModelFixture fixture) : IClassFixture<ModelFixture>
{
    private Task<List<Dictionary<string, object?>>> Query(string sql) => TestWarehouse.QueryAsync(fixture.Warehouse, sql);

    private static decimal Dec(object? v) => Convert.ToDecimal(v, System.Globalization.CultureInfo.InvariantCulture);

    private static double Dbl(object? v) => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture);

    private static long Int(object? v) => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task FctOrders_StateAndMoneyPerOrder()
    {
        var rows = (await Query("select order_id, status, total, paid, refunded, net_revenue, currency, net_revenue_reporting, items from eca.fct_orders order by order_id")).ToArray();

        Assert.Equal(["o1", "o2", "o3"], rows.Select(r => (string)r["order_id"]!));
        Assert.Equal(["refunded", "paid", "cancelled"], rows.Select(r => (string)r["status"]!));
        Assert.Equal([60m, 30m, 0m], rows.Select(r => Dec(r["net_revenue"])));
        Assert.Equal([60m, 27.6m, 0m], rows.Select(r => Dec(r["net_revenue_reporting"])));
        Assert.Equal([40m, 0m, 0m], rows.Select(r => Dec(r["refunded"])));
        Assert.Equal([1L, 1L, 1L], rows.Select(r => Int(r["items"])));
        Assert.Equal("USD", rows[1]["currency"]);
    }

    [Fact]
    public async Task MdlSessions_OneRowPerSession()
    {
        var rows = (await Query("select session_id, user_id, events, duration_seconds, converted, purchases, cart_adds from eca.mdl_sessions order by session_id")).ToArray();

        Assert.Equal(["s1", "s2", "s3", "s4"], rows.Select(r => (string)r["session_id"]!));
        Assert.Equal([5L, 3L, 5L, 2L], rows.Select(r => Int(r["events"])));
        Assert.Equal([240L, 120L, 180L, 60L], rows.Select(r => Int(r["duration_seconds"])));
        Assert.Equal([1L, 0L, 1L, 0L], rows.Select(r => Int(r["converted"])));
        Assert.Null(rows[1]["user_id"]);
    }

    [Fact]
    public async Task MdlFunnelDaily_ByDayAndCategory()
    {
        var rows = await Query("select to_char(day, 'YYYY-MM-DD') as d, category, views, carts, checkouts, purchases from eca.mdl_funnel_daily order by d, category");
        var funnel = rows.Select(r => $"{r["d"]} {r["category"]} {r["views"]}/{r["carts"]}/{r["checkouts"]}/{r["purchases"]}").ToArray();

        // Electronics on day 1: s1 and s3 viewed A; s1 carted, checked out and bought it.
        // Books on day 1: s2 and s3 viewed and carted; only s3 checked out and bought (C). Day 2: s4 viewed B.
        Assert.Equal(["2026-03-02 books 2/2/1/1", "2026-03-02 electronics 2/1/1/1", "2026-03-09 books 1/0/0/0"], funnel);
    }

    [Fact]
    public async Task MdlKpiDaily_RevenueNetOfRefundsInEur_OrdersAovConversion()
    {
        var rows = await Query("select to_char(day, 'YYYY-MM-DD') as d, revenue, orders, aov, sessions, conversion_rate, reporting_currency from eca.mdl_kpi_daily order by d");

        var day1 = rows[0];
        Assert.Equal("2026-03-02", day1["d"]);
        Assert.Equal(87.6m, Dec(day1["revenue"]));        // 60 (o1 net of the 40 refund) + 27.60 (30 USD) + 0 (o3 cancelled)
        Assert.Equal(2L, Int(day1["orders"]));            // o3 was cancelled
        Assert.Equal(43.8m, Dec(day1["aov"]));
        Assert.Equal(3L, Int(day1["sessions"]));
        Assert.Equal(2.0 / 3, Dbl(day1["conversion_rate"]), 6);
        Assert.Equal("EUR", day1["reporting_currency"]);
        Assert.Equal(0m, Dec(rows[1]["revenue"]));
        Assert.Equal(1L, Int(rows[1]["sessions"]));
    }

    [Fact]
    public async Task MdlProductPerformance_ViewsCartsUnitsRevenue()
    {
        var rows = await Query("select to_char(day, 'YYYY-MM-DD') as d, sku, views, carts, purchases, revenue from eca.mdl_product_performance order by d, sku");
        var perf = rows.Select(r => $"{r["d"]} {r["sku"]} {r["views"]}/{r["carts"]}/{r["purchases"]} {Dec(r["revenue"]):0.00}").ToArray();

        // A: viewed in s1 and s3, carted in s1, one unit in o1. B: o3 was cancelled, so no purchase. C: 30 USD = 27.60 EUR.
        Assert.Equal(["2026-03-02 A 2/1/1 100.00", "2026-03-02 B 1/1/0 0.00", "2026-03-02 C 1/1/1 27.60", "2026-03-09 B 1/0/0 0.00"], perf);
    }

    [Fact]
    public async Task MdlCustomerSegments_RfmOverPayingCustomers()
    {
        var rows = (await Query("select user_id, recency_days, frequency, monetary, r_score, f_score, m_score, segment from eca.mdl_customer_segments order by user_id")).ToArray();

        Assert.Equal(["u1", "u2"], rows.Select(r => (string)r["user_id"]!));
        Assert.Equal([0L, 0L], rows.Select(r => Int(r["recency_days"])));
        Assert.Equal([1L, 1L], rows.Select(r => Int(r["frequency"])));        // o3 is cancelled
        Assert.Equal([60m, 27.6m], rows.Select(r => Dec(r["monetary"])));
        Assert.Equal([1L, 2L], rows.Select(r => Int(r["r_score"])));          // ntile(5) of two rows, ties broken by user id
        Assert.Equal([2L, 1L], rows.Select(r => Int(r["m_score"])));          // u1 spent more
        Assert.All(rows, r => Assert.Equal("hibernating", r["segment"]));
    }

    [Fact]
    public async Task MdlRetentionWeekly_CohortsByFirstWeek()
    {
        var rows = await Query("select to_char(cohort_week, 'YYYY-MM-DD') as w, week_offset, cohort_size, retained, retention_rate from eca.mdl_retention_weekly order by w, week_offset");
        var retention = rows.Select(r => $"{r["w"]} +{r["week_offset"]} {r["retained"]}/{r["cohort_size"]}").ToArray();

        // Week of 2 March: u1, a2 (anonymous) and u2; only u1 came back the next week.
        Assert.Equal(["2026-03-02 +0 3/3", "2026-03-02 +1 1/3"], retention);
        Assert.Equal(1.0 / 3, Dbl(rows[1]["retention_rate"]), 6);
    }

    [Fact]
    public async Task Models_HaveTheColumnsQuickSightReads()
    {
        var expected = new Dictionary<string, string[]>
        {
            ["fct_events"] = ["event_id", "event_type", "occurred_at", "user_id", "anonymous_id", "session_id", "sku", "category", "order_id", "revenue", "currency"],
            ["fct_orders"] = ["order_id", "user_id", "status", "placed_at", "updated_at", "items", "total", "refunded", "currency", "total_reporting"],
            ["mdl_funnel_daily"] = ["day", "category", "views", "carts", "checkouts", "purchases"],
            ["mdl_kpi_daily"] = ["day", "revenue", "orders", "aov", "sessions", "conversion_rate", "reporting_currency"],
            ["mdl_product_performance"] = ["day", "sku", "category", "views", "carts", "purchases", "revenue"],
            ["mdl_customer_segments"] = ["user_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment", "computed_at"],
            ["mdl_retention_weekly"] = ["cohort_week", "week_offset", "cohort_size", "retained", "retention_rate"],
        };
        foreach (var (table, columns) in expected)
        {
            var actual = (await Query($"select column_name from information_schema.columns where table_schema = 'eca' and table_name = '{table}'")).Select(r => (string)r["column_name"]!).ToHashSet();
            Assert.All(columns, c => Assert.True(actual.Contains(c), $"{table}.{c} is missing"));
        }
    }
}
