using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.Adapters.Warehouse;

/// <summary>One warehouse column: its name and SQL type (shared by PostgreSQL and Redshift).</summary>
public sealed record SqlColumn(string Name, string Type);

/// <summary>
/// The warehouse's SQL, built once per dialect. Tables: <c>fct_events</c> (one row per event, keyed by event id, with the
/// load partition <c>dt</c>/<c>hr</c>), <c>fct_order_lines</c> (event id + line number), <c>fct_orders</c> (order-level
/// state and money, recomputed from the order's events), <c>dim_products</c>, <c>dim_users</c>, <c>dim_fx_rates</c>,
/// <c>dq_partition_quality</c>; models are views (<c>mdl_*</c>), so they are never stale and loading twice cannot change them.
/// MERGE statements follow Redshift's rules (a table as source, no target alias, one WHEN MATCHED and one WHEN NOT
/// MATCHED INSERT), which PostgreSQL 15 runs as they are; sources are deduplicated first because Redshift enforces no key.
/// </summary>
public sealed partial class WarehouseSql(SqlDialect dialect, string reportingCurrency = "EUR", string schema = ECommerceAgents.Resources.Warehouse.Schema)
{
    public string Schema => schema;

    private static readonly string[] OrderTypes = ["order_placed", "purchase", "order_paid", "order_shipped", "order_delivered", "order_cancelled", "order_refunded"];

    private string T(string table) => schema + "." + table;

    private static string Columns(IEnumerable<SqlColumn> columns) => string.Join(", ", columns.Select(c => c.Name + " " + c.Type));

    private static string Names(IEnumerable<SqlColumn> columns, string? prefix = null) => string.Join(", ", columns.Select(c => prefix + c.Name));

    private static string In(IEnumerable<string> values) => string.Join(", ", values.Select(v => "'" + v + "'"));

    // ---------------------------------------------------------------- migrations

    /// <param name="existingEventColumns">
    /// The columns <c>fct_events</c> has (none when it does not exist yet): the engine without <c>add column if not
    /// exists</c> (Redshift) adds the <see cref="AddedEventColumns"/> it lacks; PostgreSQL adds them if not there.
    /// </param>
    public IReadOnlyList<string> Migration(IReadOnlyCollection<string>? existingEventColumns = null)
    {
        var statements = new List<string>();
        if (dialect.MigrationLock is { } lockStatement) statements.Add(lockStatement);
        statements.Add($"create schema if not exists {schema}");
        statements.Add(Table("fct_events", EventColumns, "event_id"));
        foreach (var column in AddedEventColumns)
        {
            if (dialect.AddColumn(T("fct_events"), column, existingEventColumns) is { } add) statements.Add(add);
        }

        statements.Add(Table("fct_order_lines", LineColumns, "event_id, line_no"));
        statements.Add(Table("fct_orders", OrderColumns, "order_id"));
        statements.Add(Table("dim_products", ProductColumns, "sku"));
        statements.Add(Table("dim_users", UserColumns, "user_id"));
        statements.Add(Table("dim_fx_rates", [new("currency", "varchar(3)"), new("rate_to_reporting", "numeric(18,8)"), new("reporting_currency", "varchar(3)")], "currency"));
        statements.Add(Table("dq_partition_quality", QualityColumns, "event_type, dt, hr"));
        statements.AddRange(dialect.Indexes(schema));
        statements.Add($"delete from {T("dim_fx_rates")}");
        var reporting = WarehouseCatalog.EurRates.TryGetValue(reportingCurrency, out var r) ? r : throw new ArgumentException($"No rate for reporting currency {reportingCurrency}.");
        statements.Add($"insert into {T("dim_fx_rates")} (currency, rate_to_reporting, reporting_currency) values "
            + string.Join(", ", WarehouseCatalog.EurRates.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"('{k.Key}', {SqlDialect.Number(decimal.Round(k.Value / reporting, 8))}, {dialect.Literal(reportingCurrency)})")));
        foreach (var model in WarehouseCatalog.Models.Reverse()) statements.Add($"drop view if exists {T(model)} cascade");
        statements.AddRange(ModelViews());
        return statements;
    }

    /// <summary>The names of <c>fct_events</c>'s columns (no rows when the table does not exist yet).</summary>
    public string EventTableColumns() =>
        $"select column_name from information_schema.columns where table_schema = {dialect.Literal(schema)} and table_name = 'fct_events'";

    private string Table(string name, IEnumerable<SqlColumn> columns, string key) =>
        $"create table if not exists {T(name)} ({Columns(columns)}, primary key ({key})){dialect.TableAttributes(name)}";

    // ---------------------------------------------------------------- a partition's load

    public string CreateStaging() => dialect.CreateTempTable("stg_events", Columns(StagedEventColumns));

    public string CreateLineStaging() => dialect.CreateTempTable("stg_order_lines", Columns(StagedLineColumns));

    /// <summary>Redshift: COPY of the partition's Parquet straight from the processed zone, columns by position.</summary>
    public static string CopyParquet(string table, string bucket, string key, string iamRole) =>
        $"copy {table} from 's3://{bucket}/{key}' iam_role '{iamRole.Replace("'", "", StringComparison.Ordinal)}' format as parquet";

    /// <summary>After staging: dedup, drop what left the partition, MERGE events, replace lines, recompute orders, products and users.</summary>
    public IReadOnlyList<string> MergePartition(PartitionId p)
    {
        var (type, dt, hr) = (dialect.Literal(p.Type), dialect.Literal(p.Dt), dialect.Literal(p.Hr));
        var partition = $"event_type = {type} and dt = {dt} and hr = {hr}";
        var staged = Names(StagedEventColumns);
        var s = new List<string>
        {
            dialect.CreateTempTableAs("stg_events_dedup",
                $"select {staged} from (select {staged}, row_number() over (partition by event_id order by received_at, processed_at, lineage) as rn from stg_events) ranked where rn = 1"),
            dialect.CreateTempTableAs("stg_previous",
                $"select event_id, order_id, sku, coalesce(resolved_user_id, user_id) as subject from {T("fct_events")} where {partition}"),
            dialect.CreateTempTableAs("stg_touched",
                "select order_id, sku, subject from (" +
                "select order_id, sku, coalesce(resolved_user_id, user_id) as subject from stg_events_dedup " +
                "union all select order_id, sku, subject from stg_previous " +
                "union all select order_id, sku, cast(null as varchar(128)) as subject from stg_order_lines) touched"),
            $"delete from {T("fct_order_lines")} where event_id in (select event_id from stg_previous where event_id not in (select event_id from stg_events_dedup))",
            $"delete from {T("fct_events")} where {partition} and event_id not in (select event_id from stg_events_dedup)",
            MergeEvents(dt, hr),
            $"delete from {T("fct_order_lines")} where event_id in (select event_id from stg_events_dedup)",
            $"insert into {T("fct_order_lines")} ({Names(LineColumns)}) select {Names(StagedLineColumns)}, {dt}, {hr} from " +
            $"(select {Names(StagedLineColumns)}, row_number() over (partition by event_id, line_no order by sku) as rn from stg_order_lines " +
            "where event_id in (select event_id from stg_events_dedup)) lines where rn = 1",
        };
        s.AddRange(RecomputeTouched());
        return s;
    }

    private string MergeEvents(string dt, string hr)
    {
        const string source = "stg_events_dedup";
        var target = T("fct_events");
        var set = string.Join(", ", StagedEventColumns.Skip(1).Select(c => $"{c.Name} = {source}.{c.Name}")) + $", dt = {dt}, hr = {hr}";
        return $"merge into {target} using {source} on {target}.event_id = {source}.event_id " +
               $"when matched then update set {set} " +
               $"when not matched then insert ({Names(EventColumns)}) values ({Names(StagedEventColumns, source + ".")}, {dt}, {hr})";
    }

    /// <summary>Orders, products and users named in <c>stg_touched</c>, recomputed from the facts, so the result depends only on the facts.</summary>
    public IReadOnlyList<string> RecomputeTouched()
    {
        var events = T("fct_events");
        var rank = "case event_type when 'order_placed' then 1 when 'purchase' then 1 when 'order_paid' then 2 when 'order_shipped' then 3 " +
                   "when 'order_delivered' then 4 when 'order_cancelled' then 5 when 'order_refunded' then 6 end";
        var status = "case event_type when 'order_placed' then 'placed' when 'purchase' then 'placed' when 'order_paid' then 'paid' " +
                     "when 'order_shipped' then 'shipped' when 'order_delivered' then 'delivered' when 'order_cancelled' then 'cancelled' when 'order_refunded' then 'refunded' end";
        var orders =
            $"with ev as (select event_id, order_id, event_type, occurred_at, revenue, currency, coalesce(resolved_user_id, user_id) as user_id, {rank} as rnk " +
            $"from {events} where order_id in (select order_id from stg_touched where order_id is not null) and event_type in ({In(OrderTypes)})), " +
            "agg as (select order_id, max(user_id) as user_id, min(case when rnk = 1 then occurred_at end) as placed_at, max(occurred_at) as updated_at, " +
            "coalesce(max(case when event_type = 'order_placed' then revenue end), max(case when event_type = 'purchase' then revenue end)) as total, " +
            "sum(case when event_type = 'order_paid' then revenue else 0 end) as paid, sum(case when event_type = 'order_refunded' then revenue else 0 end) as refunded, " +
            "max(currency) as currency from ev group by order_id), " +
            $"st as (select order_id, {status} as status from (select order_id, event_type, row_number() over (partition by order_id order by occurred_at desc, rnk desc, event_id desc) as rn from ev) latest where rn = 1), " +
            "pe as (select order_id, event_id from (select order_id, event_id, row_number() over (partition by order_id order by case when event_type = 'order_placed' then 0 else 1 end, occurred_at, event_id) as rn " +
            "from ev where rnk = 1) placing_events where rn = 1), " +
            $"it as (select pe.order_id, sum(l.quantity) as items from {T("fct_order_lines")} l join pe on pe.event_id = l.event_id group by pe.order_id), " +
            "net as (select agg.*, st.status, pe.event_id as placing_event_id, coalesce(it.items, 0) as items, " +
            "case when st.status = 'cancelled' and agg.paid = 0 then 0 else (case when agg.paid > 0 then agg.paid else coalesce(agg.total, 0) end) - agg.refunded end as net_revenue " +
            "from agg join st on st.order_id = agg.order_id left join pe on pe.order_id = agg.order_id left join it on it.order_id = agg.order_id) " +
            "select net.order_id, net.user_id, net.status, net.placed_at, net.updated_at, net.items, net.total, net.paid, net.refunded, " +
            "cast(net.net_revenue as numeric(18,4)) as net_revenue, net.currency, cast(net.total * fx.rate_to_reporting as numeric(18,4)) as total_reporting, " +
            $"cast(net.net_revenue * fx.rate_to_reporting as numeric(18,4)) as net_revenue_reporting, {dialect.Literal(reportingCurrency)} as reporting_currency, net.placing_event_id " +
            $"from net left join {T("dim_fx_rates")} fx on fx.currency = net.currency";
        var products =
            $"select {Names(ProductColumns)} from (select sku, category, brand, price, currency, " +
            "min(occurred_at) over (partition by sku) as first_seen, max(occurred_at) over (partition by sku) as last_seen, " +
            "row_number() over (partition by sku order by case when category is not null then 0 else 1 end, occurred_at desc, event_id desc) as rn " +
            $"from {events} where sku in (select sku from stg_touched where sku is not null) and event_type in ('product_view', 'add_to_cart', 'remove_from_cart', 'product_upserted')) latest where rn = 1";
        var users =
            "select coalesce(resolved_user_id, user_id) as user_id, min(occurred_at) as first_seen, max(occurred_at) as last_seen, count(*) as events, " +
            "count(distinct session_id) as sessions, count(distinct case when event_type in ('order_placed', 'purchase') then order_id end) as orders " +
            $"from {events} where coalesce(resolved_user_id, user_id) in (select subject from stg_touched where subject is not null) group by coalesce(resolved_user_id, user_id)";
        return
        [
            dialect.CreateTempTableAs("stg_orders", orders),
            $"delete from {T("fct_orders")} where order_id in (select order_id from stg_touched where order_id is not null) and order_id not in (select order_id from stg_orders)",
            Merge("fct_orders", "stg_orders", OrderColumns, "order_id"),
            dialect.CreateTempTableAs("stg_products", products),
            $"delete from {T("dim_products")} where sku in (select sku from stg_touched where sku is not null) and sku not in (select sku from stg_products)",
            Merge("dim_products", "stg_products", ProductColumns, "sku"),
            dialect.CreateTempTableAs("stg_users", users),
            $"delete from {T("dim_users")} where user_id in (select subject from stg_touched where subject is not null) and user_id not in (select user_id from stg_users)",
            Merge("dim_users", "stg_users", UserColumns, "user_id"),
        ];
    }

    /// <summary>A MERGE in the form both engines accept: table source, no target alias, one update and one insert branch.</summary>
    public string Merge(string table, string source, IReadOnlyList<SqlColumn> columns, string key)
    {
        var target = T(table);
        var set = string.Join(", ", columns.Where(c => c.Name != key).Select(c => $"{c.Name} = {source}.{c.Name}"));
        return $"merge into {target} using {source} on {target}.{key} = {source}.{key} " +
               $"when matched then update set {set} " +
               $"when not matched then insert ({Names(columns)}) values ({Names(columns, source + ".")})";
    }

    public string PartitionRowCount(PartitionId p) =>
        $"select count(*) from {T("fct_events")} where event_type = {dialect.Literal(p.Type)} and dt = {dialect.Literal(p.Dt)} and hr = {dialect.Literal(p.Hr)}";

    public IReadOnlyList<string> SaveQuality(PartitionQuality q)
    {
        var values = $"select {dialect.Literal(q.Partition.Type)} as event_type, {dialect.Literal(q.Partition.Dt)} as dt, {dialect.Literal(q.Partition.Hr)} as hr, " +
                     $"{q.Lines} as lines, {q.Valid} as valid, {q.Loaded} as loaded, cast({Num(q.CompletenessPercent)} as double precision) as completeness, " +
                     $"cast({Num(q.ValidityPercent)} as double precision) as validity, cast({Num(q.ErrorRatePercent)} as double precision) as error_rate";
        var target = T("dq_partition_quality");
        return
        [
            dialect.CreateTempTableAs("stg_quality", values),
            $"merge into {target} using stg_quality on {target}.event_type = stg_quality.event_type and {target}.dt = stg_quality.dt and {target}.hr = stg_quality.hr " +
            $"when matched then update set lines = stg_quality.lines, valid = stg_quality.valid, loaded = stg_quality.loaded, completeness = stg_quality.completeness, validity = stg_quality.validity, error_rate = stg_quality.error_rate " +
            $"when not matched then insert ({Names(QualityColumns)}) values ({Names(QualityColumns, "stg_quality.")})",
        ];
    }

    private static string Num(double v) => v.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture);

    // ---------------------------------------------------------------- erasure

    /// <summary>Counts then deletes every row of one user; orders, products and users they touched are recomputed.</summary>
    public (string Count, IReadOnlyList<string> Delete) Erase(ErasureTargets targets)
    {
        var (users, match) = Match(targets);
        var count =
            $"select (select count(*) from {T("fct_events")} where {match}) + " +
            $"(select count(*) from {T("fct_order_lines")} where event_id in (select event_id from {T("fct_events")} where {match})) + " +
            $"(select count(*) from {T("fct_orders")} where user_id in ({users})) + (select count(*) from {T("dim_users")} where user_id in ({users}))";
        var statements = new List<string>
        {
            dialect.CreateTempTableAs("stg_erase", $"select event_id, order_id, sku, coalesce(resolved_user_id, user_id) as subject from {T("fct_events")} where {match}"),
            dialect.CreateTempTableAs("stg_touched", $"select order_id, sku, subject from stg_erase union all select order_id, cast(null as varchar(64)) as sku, cast(null as varchar(128)) as subject from {T("fct_orders")} where user_id in ({users})"),
            $"delete from {T("fct_order_lines")} where event_id in (select event_id from stg_erase)",
            $"delete from {T("fct_events")} where event_id in (select event_id from stg_erase)",
        };
        statements.AddRange(RecomputeTouched());
        statements.Add($"delete from {T("fct_orders")} where user_id in ({users})");
        statements.Add($"delete from {T("dim_users")} where user_id in ({users})");
        return (count, statements);
    }

    /// <summary>The users' ids as a literal list, and the predicate on <c>fct_events</c> that finds their rows.</summary>
    private (string Users, string Match) Match(ErasureTargets targets)
    {
        var users = string.Join(", ", targets.Users.Select(dialect.Literal));
        var anonymous = targets.AnonymousIds.Count == 0 ? "''" : string.Join(", ", targets.AnonymousIds.Select(dialect.Literal));
        return (users, $"user_id in ({users}) or resolved_user_id in ({users}) or anonymous_id in ({anonymous})");
    }

    /// <summary>A data subject's export: each table holding their rows, its columns, and a query giving them as text (both engines; the models are views over these).</summary>
    public IReadOnlyList<(string Table, IReadOnlyList<SqlColumn> Columns, string Query)> Export(ErasureTargets targets)
    {
        var (users, match) = Match(targets);
        string Select(string table, IReadOnlyList<SqlColumn> columns, string where) =>
            $"select {string.Join(", ", columns.Select(c => $"cast({c.Name} as varchar(65535))"))} from {T(table)} where {where} order by 1";
        return
        [
            ("fct_events", EventColumns, Select("fct_events", EventColumns, match)),
            ("fct_order_lines", LineColumns, Select("fct_order_lines", LineColumns, $"event_id in (select event_id from {T("fct_events")} where {match})")),
            ("fct_orders", OrderColumns, Select("fct_orders", OrderColumns, $"user_id in ({users})")),
            ("dim_users", UserColumns, Select("dim_users", UserColumns, $"user_id in ({users})")),
        ];
    }

    // ---------------------------------------------------------------- reads

    public string DailyKpi(string dt) =>
        $"select k.revenue, k.orders, k.aov, k.sessions, k.conversion_rate, k.reporting_currency, " +
        $"(select sum(q.completeness * q.loaded) / nullif(sum(q.loaded), 0) from {T("dq_partition_quality")} q where q.dt = {dialect.Literal(dt)}) as completeness, " +
        $"(select sum(q.error_rate * q.lines) / nullif(sum(q.lines), 0) from {T("dq_partition_quality")} q where q.dt = {dialect.Literal(dt)}) as error_rate " +
        $"from {T("mdl_kpi_daily")} k where k.day = cast({dialect.Literal(dt)} as timestamp)";

    // ---------------------------------------------------------------- models

    /// <summary>The models, as views over the facts (names and columns used by the CDK app's QuickSight data sets).</summary>
    public IReadOnlyList<string> ModelViews()
    {
        var e = T("fct_events");
        return [SessionsView(e), FunnelDailyView(e), KpiDailyView(), ProductPerformanceView(e), CustomerSegmentsView(e), RetentionWeeklyView(e), MarketingAudienceView()];
    }

    /// <summary>The <c>mdl_sessions</c> view: one row per session, with its landing's attribution.</summary>
    private string SessionsView(string e) =>
            $"create view {T("mdl_sessions")} as select session_id, max(coalesce(resolved_user_id, user_id)) as user_id, max(anonymous_id) as anonymous_id, " +
            "date_trunc('day', min(occurred_at)) as day, min(occurred_at) as started_at, max(occurred_at) as ended_at, " +
            $"{dialect.SecondsBetween("min(occurred_at)", "max(occurred_at)")} as duration_seconds, count(*) as events, " +
            "sum(case when event_type = 'page_view' then 1 else 0 end) as page_views, sum(case when event_type = 'product_view' then 1 else 0 end) as product_views, " +
            "sum(case when event_type = 'search' then 1 else 0 end) as searches, sum(case when event_type = 'add_to_cart' then 1 else 0 end) as cart_adds, " +
            "sum(case when event_type = 'begin_checkout' then 1 else 0 end) as checkouts, sum(case when event_type = 'purchase' then 1 else 0 end) as purchases, " +
            "max(case when event_type = 'purchase' then 1 else 0 end) as converted, max(device_type) as device_type, " +
            // Every event of a session carries the same attribution once it is fixed (events before carry none): max picks it.
            "max(session_source) as source, max(session_medium) as medium, max(session_campaign) as campaign, max(session_term) as term, " +
            "max(session_content) as content, max(session_referrer_class) as referrer_class, max(session_referrer_host) as referrer_host " +
            $"from {e} where session_id is not null group by session_id";

    /// <summary>Session-based funnel: a session counts once per category at each stage it reached in that category.</summary>
    private string FunnelDailyView(string e) =>
            $"create view {T("mdl_funnel_daily")} as with s as (select session_id, date_trunc('day', min(occurred_at)) as day from {e} where session_id is not null group by session_id), " +
            $"stage as (select session_id, category, 1 as v, 0 as c, 0 as p from {e} where event_type = 'product_view' and session_id is not null and category is not null " +
            $"union all select session_id, category, 0 as v, 1 as c, 0 as p from {e} where event_type = 'add_to_cart' and session_id is not null and category is not null " +
            $"union all select ev.session_id, l.category, 0 as v, 0 as c, 1 as p from {e} ev join {T("fct_order_lines")} l on l.event_id = ev.event_id " +
            "where ev.event_type = 'purchase' and ev.session_id is not null and l.category is not null), " +
            "f as (select session_id, category, max(v) as v, max(c) as c, max(p) as p from stage group by session_id, category), " +
            $"k as (select distinct session_id from {e} where event_type = 'begin_checkout') " +
            "select s.day, f.category, sum(f.v) as views, sum(f.c) as carts, sum(case when f.c = 1 and k.session_id is not null then 1 else 0 end) as checkouts, sum(f.p) as purchases " +
            "from f join s on s.session_id = f.session_id left join k on k.session_id = f.session_id group by s.day, f.category";

    /// <summary>The <c>mdl_kpi_daily</c> view.</summary>
    private string KpiDailyView() =>
            $"create view {T("mdl_kpi_daily")} as with o as (select date_trunc('day', placed_at) as day, sum(net_revenue_reporting) as revenue, " +
            $"sum(case when status <> 'cancelled' then 1 else 0 end) as orders from {T("fct_orders")} where placed_at is not null group by date_trunc('day', placed_at)), " +
            $"s as (select day, count(*) as sessions, sum(converted) as converted from {T("mdl_sessions")} group by day) " +
            "select coalesce(o.day, s.day) as day, cast(coalesce(o.revenue, 0) as numeric(18,4)) as revenue, cast(coalesce(o.orders, 0) as integer) as orders, " +
            "case when o.orders > 0 then cast(o.revenue / o.orders as numeric(18,4)) end as aov, cast(coalesce(s.sessions, 0) as integer) as sessions, " +
            "case when s.sessions > 0 then cast(s.converted as double precision) / s.sessions end as conversion_rate, " +
            $"{dialect.Literal(reportingCurrency)} as reporting_currency from o full outer join s on o.day = s.day";

    /// <summary>The <c>mdl_product_performance</c> view.</summary>
    private string ProductPerformanceView(string e) =>
            $"create view {T("mdl_product_performance")} as with ev as (select date_trunc('day', occurred_at) as day, sku, max(category) as category, " +
            "sum(case when event_type = 'product_view' then 1 else 0 end) as views, sum(case when event_type = 'add_to_cart' then 1 else 0 end) as carts " +
            $"from {e} where sku is not null and event_type in ('product_view', 'add_to_cart') group by date_trunc('day', occurred_at), sku), " +
            "pu as (select date_trunc('day', l.occurred_at) as day, l.sku, max(l.category) as category, sum(l.quantity) as purchases, " +
            "sum(l.quantity * l.price * fx.rate_to_reporting) as revenue " +
            $"from {T("fct_order_lines")} l join {T("fct_orders")} o on o.placing_event_id = l.event_id left join {T("dim_fx_rates")} fx on fx.currency = l.currency " +
            "where o.status <> 'cancelled' group by date_trunc('day', l.occurred_at), l.sku) " +
            "select coalesce(ev.day, pu.day) as day, coalesce(ev.sku, pu.sku) as sku, coalesce(ev.category, pu.category) as category, " +
            "coalesce(ev.views, 0) as views, coalesce(ev.carts, 0) as carts, coalesce(pu.purchases, 0) as purchases, cast(coalesce(pu.revenue, 0) as numeric(18,4)) as revenue " +
            "from ev full outer join pu on pu.day = ev.day and pu.sku = ev.sku";

    /// <summary>
    /// RFM over paying customers, as of the newest order (so the model is a function of the data, not of the clock), with
    /// each customer's consent to marketing and to sale/share as their newest event's consent marker says (StreamProcessor
    /// writes it from the consent it read for that event): <c>no_mktg</c> or <c>pseudonymous</c> deny marketing,
    /// <c>no_sale</c> denies sale/share.
    /// </summary>
    private string CustomerSegmentsView(string e) =>
            $"create view {T("mdl_customer_segments")} as with asof as (select max(placed_at) as at from {T("fct_orders")}), " +
            $"lc as (select subject, consent from (select coalesce(resolved_user_id, user_id) as subject, consent, row_number() over (partition by coalesce(resolved_user_id, user_id) order by occurred_at desc, event_id desc) as rn " +
            $"from {e} where coalesce(resolved_user_id, user_id) is not null) latest where rn = 1), " +
            $"c as (select user_id, max(placed_at) as last_order, count(*) as frequency, sum(net_revenue_reporting) as monetary from {T("fct_orders")} " +
            "where user_id is not null and status <> 'cancelled' group by user_id), " +
            $"r as (select c.user_id, {dialect.DaysBetween("c.last_order", "asof.at")} as recency_days, c.frequency, cast(c.monetary as numeric(18,4)) as monetary, asof.at as computed_at from c cross join asof), " +
            "scored as (select user_id, recency_days, frequency, monetary, computed_at, " +
            "ntile(5) over (order by recency_days desc, user_id) as r_score, ntile(5) over (order by frequency, user_id) as f_score, ntile(5) over (order by monetary, user_id) as m_score from r) " +
            "select scored.user_id, recency_days, frequency, monetary, r_score, f_score, m_score, " +
            "case when r_score >= 4 and f_score >= 4 then 'champions' when f_score >= 4 then 'loyal' when r_score <= 2 and f_score >= 3 then 'at_risk' " +
            "when r_score >= 4 and frequency = 1 then 'new' when r_score <= 2 then 'hibernating' else 'potential' end as segment, computed_at, " +
            "case when strpos(lc.consent, 'no_mktg') > 0 or strpos(lc.consent, 'pseudonymous') > 0 then false else true end as marketing_consent, " +
            "case when strpos(lc.consent, 'no_sale') > 0 then false else true end as sale_share_consent " +
            "from scored left join lc on lc.subject = scored.user_id";

    /// <summary>
    /// The marketing export: the customer segments of those who did not deny marketing. A campaign tool reads this, never
    /// <c>mdl_customer_segments</c> itself.
    /// </summary>
    private string MarketingAudienceView() =>
            $"create view {T("mdl_marketing_audience")} as select user_id, segment, recency_days, frequency, monetary, computed_at " +
            $"from {T("mdl_customer_segments")} where marketing_consent";

    /// <summary>The <c>mdl_retention_weekly</c> view.</summary>
    private string RetentionWeeklyView(string e) =>
            $"create view {T("mdl_retention_weekly")} as with a as (select distinct coalesce(resolved_user_id, user_id, anonymous_id) as subject, date_trunc('week', occurred_at) as week " +
            $"from {e} where coalesce(resolved_user_id, user_id, anonymous_id) is not null and event_type <> 'device_telemetry'), " +
            "c as (select subject, min(week) as cohort_week from a group by subject), " +
            "sizes as (select cohort_week, count(*) as cohort_size from c group by cohort_week), " +
            $"act as (select c.cohort_week, cast({dialect.DaysBetween("c.cohort_week", "a.week")} / 7 as integer) as week_offset, count(distinct a.subject) as retained " +
            "from a join c on c.subject = a.subject group by c.cohort_week, " + dialect.DaysBetween("c.cohort_week", "a.week") + ") " +
            "select act.cohort_week, act.week_offset, sizes.cohort_size, act.retained, cast(act.retained as double precision) / sizes.cohort_size as retention_rate " +
            "from act join sizes on sizes.cohort_week = act.cohort_week";
}
