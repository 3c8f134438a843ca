using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using Npgsql;

namespace ECommerceAgents.Local.Demo;

/// <summary>Where a finished run's stores are: its resource names, its warehouse database and its Redis prefix.</summary>
public sealed record DemoStores(ResourceBindings Names, string Warehouse, string RedisPrefix);

/// <summary>
/// Balances the books of a demo run: what the generator sent (its own ground truth, the only source of expected values)
/// against what every store holds. Fields the truth determines are compared exactly, item by item, and every
/// difference is named; derived state (sessions, engagement, identity attribution of anonymous events, recently viewed
/// of users who browsed anonymously, recommendations) is checked by invariants. Data quality per event-time partition
/// is measured here too, as a separate verdict.
/// </summary>
public static partial class DemoReconciliation
{
    private const int Named = 5;

    /// <param name="realtimeExtra">What the run's privacy shoppers add to the real-time counter totals (erasure keeps counters: they name no one).</param>
    public static async Task<DemoReport> ReconcileAsync(LocalStack stack, DemoStores stores, GroundTruth truth, IReadOnlyList<Product> catalog, DemoLogs logs, CancellationToken ct, bool killed = false,
        IReadOnlyDictionary<string, int>? realtimeExtra = null)
    {
        var names = stores.Names;
        var checks = new List<DemoCheck>();
        void Check(string area, string name, object expected, object actual, string? detail = null) =>
            checks.Add(new DemoCheck(area, name, Text(expected), Text(actual), Equals(Text(expected), Text(actual)), detail));
        void Ids(string area, string name, IReadOnlySet<string> expected, IEnumerable<string> found) => checks.Add(IdCheck(area, name, expected, found));
        void Keyed(string area, string name, IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> found) => checks.Add(KeyedCheck(area, name, expected, found));
        void Invariant(string area, string name, int violations, int of, IEnumerable<string> named) =>
            checks.Add(new DemoCheck(area, name, "0 violations", $"{violations} violations", violations == 0, violations == 0 ? null : $"of {of}: " + string.Join("; ", named.Take(Named))));

        var catalogSkus = catalog.ToDictionary(p => p.Sku, StringComparer.Ordinal);
        var validEvents = truth.ValidEvents; // human and device traffic only: the generator counts bot events apart

        // ---------------------------------------------------------------- enriched zone and bots
        var enriched = new List<(string Key, JsonNode Node, string Id, string Type, DateTimeOffset EventTime)>();
        await foreach (var (key, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Enriched), ZoneLayout.EnrichedEvents, ct))
        {
            var node = JsonNode.Parse(line)!;
            enriched.Add((key, node, node["eventId"]!.GetValue<string>(), node["type"]!.GetValue<string>(), node["eventTime"]!.GetValue<DateTimeOffset>()));
        }

        var shopEvents = enriched.Where(e => e.Type != EventTypes.ProductUpserted).ToList();
        Check("enriched", "valid, unique, non-bot events", truth.ValidUnique, shopEvents.Count);
        Ids("enriched", "… exactly the generator's ids, once each", truth.ValidIds, shopEvents.Select(e => e.Id));
        Keyed("enriched", "catalog stock events (product_upserted), stock per SKU",
            catalog.ToDictionary(p => p.Sku, p => Stock(p.Stock), StringComparer.Ordinal),
            Counted(enriched.Where(e => e.Type == EventTypes.ProductUpserted).Select(e => (e.Node["data"]?["sku"]?.GetValue<string>() ?? "?", Stock(e.Node["data"]?["stock"]?.GetValue<long>())))));

        Keyed("enriched", "amounts (price, total, amount) per event",
            validEvents.Where(e => e.Data.Price is not null || e.Data.Total is not null || e.Data.Amount is not null).ToDictionary(e => e.EventId, e => AmountText(e.Data.Price, e.Data.Total, e.Data.Amount), StringComparer.Ordinal),
            Counted(shopEvents.Where(e => e.Node["data"] is JsonObject d && (d["price"] is not null || d["total"] is not null || d["amount"] is not null))
                .Select(e => (e.Id, AmountText(e.Node["data"]!["price"]?.GetValue<decimal>(), e.Node["data"]!["total"]?.GetValue<decimal>(), e.Node["data"]!["amount"]?.GetValue<decimal>())))));

        var bots = new List<string>();
        await foreach (var (_, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Enriched), ZoneLayout.EnrichedBots, ct)) bots.Add(JsonNode.Parse(line)!["eventId"]!.GetValue<string>());
        Check("bots", "bot events in the bot zone, duplicates counted", truth.BotEvents, bots.Count);
        Ids("bots", "… exactly the generator's bot ids, once each", truth.BotIds, bots);
        Check("bots", "bot events outside the bot zone", 0, enriched.Count(e => truth.BotIds.Contains(e.Id)));

        var late = shopEvents.Where(e => truth.LateIds.Contains(e.Id)).ToList();
        Check("late", "late events in their event-time partition", truth.Late, late.Count(e => e.Key.Contains($"dt={e.EventTime.UtcDateTime:yyyy-MM-dd}/hr={e.EventTime.UtcDateTime:HH}/", StringComparison.Ordinal)));

        // ---------------------------------------------------------------- quarantine: record by record
        // An object holds a micro-batch's records of one reason; a record a retried micro-batch wrote twice counts once, by its stream position.
        var quarantined = new List<QuarantinedRecord>();
        var positions = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var key in DemoRun.KeysAsync(stack, names.Bucket(Buckets.Quarantine), ZoneLayout.Quarantine, ct))
        {
            var body = await DemoRun.ReadAsync(stack, names.Bucket(Buckets.Quarantine), key, ct);
            var lines = ZoneLayout.QuarantineRecords(key, body);
            for (var i = 0; i < lines.Count; i++)
            {
                if (positions.Add(ZoneLayout.QuarantinePosition(lines[i]) ?? $"{key}#{i}")) quarantined.Add(ReadQuarantined(key, lines[i].ToArray()));
            }
        }

        var reasons = quarantined.GroupBy(q => q.Reason).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Check("quarantine", "malformed_json", truth.Malformed, reasons.GetValueOrDefault("malformed_json"));
        Check("quarantine", "schema_violation", truth.SchemaViolations, reasons.GetValueOrDefault("schema_violation"));
        Check("quarantine", "unknown_schema", truth.UnknownSchema, reasons.GetValueOrDefault("unknown_schema"));
        Check("quarantine", "anything else quarantined", 0, reasons.Where(r => r.Key is not ("malformed_json" or "schema_violation" or "unknown_schema")).Sum(r => r.Value));
        checks.Add(MultisetCheck("quarantine", "exactly the injected records with their reasons (by event id, else payload SHA-256)",
            truth.Injected.Select(f => $"{f.EventId ?? "sha256:" + f.PayloadSha256} [{f.Reason}]"),
            quarantined.Select(q => $"{q.EventId ?? "sha256:" + q.PayloadSha256} [{q.Reason}]")));

        // ---------------------------------------------------------------- raw archive
        var raw = 0;
        await foreach (var _ in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Raw), ZoneLayout.RawArchive, ct)) raw++;
        // The raw archive is at least once: a Kinesis server killed after storing a PutRecords but before answering makes
        // the API resend it (as Kinesis can in AWS). With kills, every record must be there; more copies may be.
        if (killed && raw >= truth.Records + catalog.Count)
            Check("raw archive", "records, duplicates included (kills may add resent copies)", $">= {truth.Records + catalog.Count}", $">= {truth.Records + catalog.Count}", $"{raw} records");
        else
            Check("raw archive", "records, duplicates included", truth.Records + catalog.Count, raw);

        // ---------------------------------------------------------------- processed zone (Parquet), by type from the key
        var processed = new List<string>();
        var processedCatalog = 0;
        await foreach (var key in DemoRun.KeysAsync(stack, names.Bucket(Buckets.Processed), ZoneLayout.ProcessedEvents, ct))
        {
            if (!key.EndsWith(".parquet", StringComparison.Ordinal)) continue;
            var ids = await DemoRun.Parquet.DecodeEventIdsAsync(await DemoRun.ReadAsync(stack, names.Bucket(Buckets.Processed), key, ct), ct);
            if (key.Contains($"type={EventTypes.ProductUpserted}/", StringComparison.Ordinal)) processedCatalog += ids.Count;
            else processed.AddRange(ids);
        }

        Check("processed", "events in Parquet", truth.ValidUnique, processed.Count);
        Ids("processed", "… exactly the generator's ids, once each", truth.ValidIds, processed);
        Check("processed", "catalog events in Parquet", catalog.Count, processedCatalog);

        // ---------------------------------------------------------------- warehouse
        await using var db = new NpgsqlConnection(stores.Warehouse);
        await db.OpenAsync(ct);
        var warehouseIds = new List<string>();
        var warehouseCatalog = new List<(string, string)>();
        await foreach (var row in RowsAsync(db, $"select event_id, event_type, coalesce(sku, '') from {Warehouse.Schema}.fct_events", ct))
        {
            if (row[1] == EventTypes.ProductUpserted) warehouseCatalog.Add((row[2], "1 row"));
            else warehouseIds.Add(row[0]);
        }

        Check("warehouse", "fct_events rows", truth.ValidUnique + catalog.Count, warehouseIds.Count + warehouseCatalog.Count);
        Ids("warehouse", "… exactly the generator's event ids, once each", truth.ValidIds, warehouseIds);
        Keyed("warehouse", "catalog events, one row per SKU", catalog.ToDictionary(p => p.Sku, _ => "1 row", StringComparer.Ordinal), Counted(warehouseCatalog));
        var warehouseOrders = new List<(string, string)>();
        decimal warehouseNet = 0;
        await foreach (var row in RowsAsync(db, $"select order_id, status, total, paid, refunded, net_revenue from {Warehouse.Schema}.fct_orders", ct))
        {
            warehouseOrders.Add((row[0], OrderText(row[1], Dec(row[2]), Dec(row[3]), Dec(row[4]), Dec(row[5]))));
            warehouseNet += Dec(row[5]);
        }

        Check("warehouse", "orders", truth.OrdersPlaced, warehouseOrders.Count);
        Keyed("warehouse", "… each order's status, total, paid, refunded and net revenue", truth.Orders.ToDictionary(o => o.Key, o => OrderText(o.Value.State, o.Value.Total, o.Value.Paid, o.Value.Refunded, o.Value.NetRevenue), StringComparer.Ordinal), Counted(warehouseOrders));
        Check("warehouse", "revenue net of refunds", truth.NetRevenue.ToString("F2", CultureInfo.InvariantCulture), warehouseNet.ToString("F2", CultureInfo.InvariantCulture));

        // ---------------------------------------------------------------- DynamoDB
        var audit = new StateAudit(stack.DynamoDbClient, names);
        var orders = new List<(string, string)>();
        await foreach (var o in audit.OrdersAsync(ct)) orders.Add((o.OrderId, OrderText(o.State, o.Total, o.Paid, o.Refunded, null) + $" user={o.UserId}"));
        Keyed("dynamodb", "orders: state, total, paid, refunded, user", truth.Orders.ToDictionary(o => o.Key, o => OrderText(o.Value.State, o.Value.Total, o.Value.Paid, o.Value.Refunded, null) + $" user={o.Value.UserId}", StringComparer.Ordinal), Counted(orders));

        var expectedStats = new Dictionary<string, (long Views, long Adds, long Removes, long Units, decimal Revenue)>(StringComparer.Ordinal);
        foreach (var e in validEvents)
        {
            void Add(string sku, long views, long adds, long removes, long units, decimal revenue)
            {
                var s = expectedStats.GetValueOrDefault(sku);
                expectedStats[sku] = (s.Views + views, s.Adds + adds, s.Removes + removes, s.Units + units, s.Revenue + revenue);
            }

            var d = e.Data;
            var type = TypeOf(e);
            if (type == EventTypes.ProductView && d.Sku is { } viewed) Add(viewed, 1, 0, 0, 0, 0);
            else if (type == EventTypes.AddToCart && d.Sku is { } added) Add(added, 0, d.Quantity ?? 1, 0, 0, 0);
            else if (type == EventTypes.RemoveFromCart && d.Sku is { } removed) Add(removed, 0, 0, d.Quantity ?? 1, 0, 0);
            else if (type == EventTypes.Purchase) foreach (var line in d.Items ?? []) Add(line.Sku, 0, 0, 0, line.Quantity, line.Price * line.Quantity);
        }

        var stats = new List<(string, string)>();
        await foreach (var s in audit.ProductStatsAsync(ct)) stats.Add((s.Sku, StatsText(s.Views, s.CartAdds, s.CartRemoves, s.Purchases, s.Revenue)));
        Keyed("dynamodb", "product stats: views, cart adds and removes, units bought, revenue", expectedStats.ToDictionary(s => s.Key, s => StatsText(s.Value.Views, s.Value.Adds, s.Value.Removes, s.Value.Units, s.Value.Revenue), StringComparer.Ordinal), Counted(stats));

        // Identities: every anonymous id the generator sent together with a user id, linked to that user.
        var expectedLinks = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in validEvents)
        {
            if (e.UserId is { } u && e.AnonymousId is { } a) expectedLinks.TryAdd(a, u);
        }

        var links = new List<(string, string)>();
        await foreach (var (anonymous, user) in audit.IdentitiesAsync(ct)) links.Add((anonymous, user));
        Keyed("dynamodb", "identity links: anonymous id → user", expectedLinks, Counted(links));

        // Profiles: exact for users who never browsed anonymously; bounded for the rest (their anonymous events count
        // only where a link came first, which depends on arrival order).
        var anonymousOf = expectedLinks.GroupBy(l => l.Value).ToDictionary(g => g.Key, g => g.Select(l => l.Key).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var anonymousEvents = validEvents.Where(e => e.UserId is null && e.AnonymousId is not null && ProfileCounts(TypeOf(e))).GroupBy(e => e.AnonymousId!).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var explicitEvents = validEvents.Where(e => e.UserId is not null && ProfileCounts(TypeOf(e))).GroupBy(e => e.UserId!).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        bool Identified(string user) => !(anonymousOf.GetValueOrDefault(user) ?? []).Any(anonymousEvents.ContainsKey);
        var profiles = new Dictionary<string, UserProfile>(StringComparer.Ordinal);
        await foreach (var p in audit.ProfilesAsync(ct)) profiles[p.UserId] = p;
        Keyed("dynamodb", "profiles of users always signed in: events per type, orders, spend",
            explicitEvents.Where(g => Identified(g.Key)).ToDictionary(g => g.Key, g => ProfileText(g.Value.GroupBy(TypeOf).ToDictionary(t => t.Key, t => (long)t.Count(), StringComparer.Ordinal), g.Value.Count(e => TypeOf(e) == EventTypes.Purchase), g.Value.Where(e => TypeOf(e) == EventTypes.Purchase).Sum(e => e.Data.Total ?? 0)), StringComparer.Ordinal),
            profiles.Where(p => Identified(p.Key) && (explicitEvents.ContainsKey(p.Key) || !anonymousOf.ContainsKey(p.Key))).ToDictionary(p => p.Key, p => ProfileText(p.Value.Counters, p.Value.Orders, p.Value.Spend), StringComparer.Ordinal));
        var boundViolations = new List<string>();
        var partly = explicitEvents.Keys.Concat(anonymousOf.Keys).Distinct(StringComparer.Ordinal).Where(u => !Identified(u)).ToArray();
        foreach (var user in partly)
        {
            var least = explicitEvents.GetValueOrDefault(user)?.Count ?? 0;
            var most = least + (anonymousOf.GetValueOrDefault(user) ?? []).Sum(a => anonymousEvents.GetValueOrDefault(a)?.Count ?? 0);
            var found = profiles.TryGetValue(user, out var p) ? p.Counters.Values.Sum() : 0;
            if (found < least || found > most) boundViolations.Add($"{user}: {found} events, expected {least}–{most}");
        }

        boundViolations.AddRange(profiles.Keys.Where(u => !explicitEvents.ContainsKey(u) && !anonymousOf.ContainsKey(u)).Select(u => $"{u}: a profile for a user the generator never sent"));
        Invariant("dynamodb", "profiles of users who also browsed anonymously: signed-in events ≤ counted ≤ all their events", boundViolations.Count, partly.Length, boundViolations);

        // Sessions: per subject (user id, else anonymous id), the kept sessions' event counts sum to its valid events.
        var subjectEvents = validEvents.Where(e => EventTypes.IsInteraction(TypeOf(e))).Concat(truth.BotEventsSent)
            .GroupBy(e => e.UserId ?? e.AnonymousId ?? "").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var sessionViolations = new List<string>();
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var s in audit.SubjectsAsync(ct))
        {
            subjects.Add(s.SubjectId);
            var kept = s.All.Sum(x => x.Counters.Events);
            var expected = subjectEvents.GetValueOrDefault(s.SubjectId);
            var dropped = s.Recent.Count >= 8; // the sessionizer keeps the last 8 closed sessions; older ones leave the item
            if (dropped ? kept > expected : kept != expected) sessionViolations.Add($"{s.SubjectId}: sessions hold {kept} events, the subject sent {expected}");
            if (s.All.Any(x => x.End < x.Start || x.Counters.Events <= 0)) sessionViolations.Add($"{s.SubjectId}: a session ends before it starts or holds no event");
        }

        sessionViolations.AddRange(subjectEvents.Keys.Where(k => !subjects.Contains(k)).Select(k => $"{k}: no sessions"));
        Invariant("dynamodb", "sessions: a subject's session event counts sum to its valid events", sessionViolations.Count, subjectEvents.Count, sessionViolations);

        var engagement = profiles.Values.Where(p => double.IsNaN(p.Engagement) || p.Engagement < 0 || p.Intent is not (Intents.Browsing or Intents.Researching or Intents.PurchaseIntent or Intents.AtRiskOfAbandoningCart)).Select(p => $"{p.UserId}: engagement {p.Engagement}, intent {p.Intent}").ToList();
        Invariant("dynamodb", "profiles: engagement ≥ 0 and a known intent", engagement.Count, profiles.Count, engagement);

        var catalogItems = new List<(string, string)>();
        await foreach (var c in audit.CatalogAsync(ct)) catalogItems.Add((c.Sku, CatalogText(c.Price, c.Stock)));
        Keyed("dynamodb", "catalog: price and stock per SKU", catalog.ToDictionary(p => p.Sku, p => CatalogText(p.Price, p.Stock), StringComparer.Ordinal), Counted(catalogItems));

        // ---------------------------------------------------------------- Redis
        await using (var redis = await RedisConnectionFactory.ConnectAsync(stack.Endpoints.Redis ?? throw new CliException("the local stack has no Redis", 1)))
        {
            var reader = new RealtimeReader(redis, new RealtimeOptions { KeyPrefix = stores.RedisPrefix });
            var totals = await reader.TotalsAsync();
            var expectedTotals = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["events"] = Num(validEvents.Count + catalog.Count),
                ["bots"] = Num(truth.BotEvents),
            };
            foreach (var g in validEvents.GroupBy(TypeOf)) expectedTotals["type:" + g.Key] = Num(g.Count());
            expectedTotals["type:" + EventTypes.ProductUpserted] = Num(catalog.Count + (validEvents.Count(e => TypeOf(e) == EventTypes.ProductUpserted)));
            foreach (var g in truth.Injected.GroupBy(f => f.Reason)) expectedTotals["quarantined:" + g.Key] = Num(g.Count());
            foreach (var g in validEvents.Where(e => TypeOf(e) == EventTypes.Purchase).GroupBy(e => e.Data.Currency ?? "XXX"))
            {
                expectedTotals["revenue_cents:" + g.Key] = Num(g.Sum(e => (double)decimal.Round((e.Data.Total ?? 0) * 100)));
            }

            foreach (var (key, extra) in realtimeExtra ?? new Dictionary<string, int>())
            {
                expectedTotals[key] = Num((expectedTotals.TryGetValue(key, out var known) ? double.Parse(known, CultureInfo.InvariantCulture) : 0) + extra);
            }

            Keyed("redis", "counter totals: events, bots, per type, revenue in cents", expectedTotals, totals.ToDictionary(t => t.Key, t => Num(t.Value), StringComparer.Ordinal));

            var bucketSeconds = new ProcessorOptions().TrendingBucketMinutes * 60L;
            var expectedTrending = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var e in validEvents)
            {
                var weight = RealtimeBatch.TrendingWeight(TypeOf(e));
                if (weight == 0) continue;
                var bucket = e.EventTime.ToUnixTimeSeconds() / bucketSeconds * bucketSeconds;
                IEnumerable<(string? Sku, string? Category)> items = TypeOf(e) == EventTypes.Purchase ? (e.Data.Items ?? []).Select(l => ((string?)l.Sku, l.Category)) : [(e.Data.Sku, e.Data.Category)];
                foreach (var (sku, category) in items)
                {
                    if (sku is null || category is null) continue;
                    var key = $"{category}/{bucket.ToString(CultureInfo.InvariantCulture)}/{sku}";
                    expectedTrending[key] = expectedTrending.GetValueOrDefault(key) + weight;
                }
            }

            var trending = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var category in await reader.TrendingCategoriesAsync())
            {
                foreach (var (bucket, members) in await reader.TrendingBucketsAsync(category))
                {
                    foreach (var (sku, score) in members) trending[$"{category}/{bucket.ToString(CultureInfo.InvariantCulture)}/{sku}"] = Num(score);
                }
            }

            Keyed("redis", "trending: score per category, 5-minute bucket and product", expectedTrending.ToDictionary(t => t.Key, t => Num(t.Value), StringComparer.Ordinal), trending);

            // Recently viewed: exact for users always signed in (their last 20 distinct products by view time); for the
            // rest, every entry is a product the shopper viewed at that time, under either id.
            var recentExpected = new Dictionary<string, string>(StringComparer.Ordinal);
            var recentFound = new Dictionary<string, string>(StringComparer.Ordinal);
            var recentViolations = new List<string>();
            var views = validEvents.Where(e => TypeOf(e) == EventTypes.ProductView && e.Data.Sku is not null).ToList();
            var viewsBySubject = views.GroupBy(e => e.UserId ?? e.AnonymousId ?? "").ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
            var users = explicitEvents.Keys.Concat(anonymousOf.Keys).Distinct(StringComparer.Ordinal).ToArray();
            foreach (var user in users)
            {
                var found = await reader.RecentlyViewedAsync(user, 1000);
                if (Identified(user))
                {
                    var last = (viewsBySubject.GetValueOrDefault(user) ?? []).GroupBy(e => e.Data.Sku!).Select(g => (Sku: g.Key, At: g.Max(e => e.EventTime).ToUnixTimeMilliseconds()))
                        .OrderByDescending(v => v.At).ThenBy(v => v.Sku, StringComparer.Ordinal).Take(new RealtimeOptions().RecentlyViewed).ToArray();
                    if (last.Length > 0) recentExpected[user] = RecentText(last);
                    if (found.Count > 0) recentFound[user] = RecentText(found.Select(f => (f.Sku, f.ViewedAt.ToUnixTimeMilliseconds())));
                    continue;
                }

                var possible = (viewsBySubject.GetValueOrDefault(user) ?? []).Concat((anonymousOf.GetValueOrDefault(user) ?? []).SelectMany(a => viewsBySubject.GetValueOrDefault(a) ?? []))
                    .Select(e => (e.Data.Sku!, e.EventTime.ToUnixTimeMilliseconds())).ToHashSet();
                foreach (var (sku, at) in found.Select(f => (f.Sku, f.ViewedAt.ToUnixTimeMilliseconds())).Where(f => !possible.Contains(f)))
                {
                    recentViolations.Add($"{user}: {sku} at {DateTimeOffset.FromUnixTimeMilliseconds(at):O} was never viewed by this shopper then");
                }

                if (found.Count > new RealtimeOptions().RecentlyViewed) recentViolations.Add($"{user}: {found.Count} entries, more than {new RealtimeOptions().RecentlyViewed}");
            }

            Keyed("redis", "recently viewed of users always signed in", recentExpected, recentFound);
            Invariant("redis", "recently viewed of the others: only products the shopper viewed, then", recentViolations.Count, users.Length - recentExpected.Count, recentViolations);

            var recommendationViolations = new List<string>();
            foreach (var user in users)
            {
                if (await reader.RecommendationsAsync(user) is not { } json) continue;
                var list = JsonSerializer.Deserialize(json, RealtimeJsonContext.Default.RecommendationList)!;
                if (list.UserId != user) recommendationViolations.Add($"{user}: the list names {list.UserId}");
                foreach (var item in list.Items.Where(i => !catalogSkus.ContainsKey(i.Sku))) recommendationViolations.Add($"{user}: recommends {item.Sku}, not in the catalog");
                if (list.Items.Select(i => i.Sku).Distinct(StringComparer.Ordinal).Count() != list.Items.Count) recommendationViolations.Add($"{user}: a product recommended twice");
            }

            Invariant("redis", "recommendations: catalog products, each once, for their own user", recommendationViolations.Count, users.Length, recommendationViolations);
        }

        // ---------------------------------------------------------------- search outbox and export
        var expectedSearch = catalog.ToDictionary(p => p.Sku, p => CatalogText(p.Price, p.Stock), StringComparer.Ordinal);
        var outbox = new List<(string, string)>();
        await foreach (var (_, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Processed), ZoneLayout.SearchOutbox + "products/", ct))
        {
            var node = JsonNode.Parse(line)!;
            if (node["action"]?.GetValue<string>() == "index") outbox.Add((node["sku"]!.GetValue<string>(), CatalogText(node["price"]?.GetValue<decimal>(), node["stock"]?.GetValue<long>())));
        }

        Keyed("search", "outbox: one product document per SKU, price and stock", expectedSearch, Counted(outbox));
        var exported = new List<(string, string)>();
        await foreach (var (_, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Processed), ZoneLayout.SearchExport + "products/", ct))
        {
            var node = JsonNode.Parse(line)!;
            if (node["index"] is not null || node["delete"] is not null) continue;
            exported.Add((node["sku"]?.GetValue<string>() ?? "?", CatalogText(node["price"]?.GetValue<decimal>(), node["stock"]?.GetValue<long>())));
        }

        Keyed("search", "_bulk export: one product document per SKU, price and stock", expectedSearch, Counted(exported));

        // ---------------------------------------------------------------- logs
        var logLines = new List<string>();
        await foreach (var (_, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Logs), ZoneLayout.LogsZone, ct)) logLines.Add(line);
        Check("logs", "log lines delivered (health checks dropped)", logs.Sent - logs.HealthChecks, logLines.Count);
        Check("logs", "raw e-mails or card numbers in the logs zone", 0, logLines.Count(l => l.Contains("@example.com", StringComparison.Ordinal) || l.Contains("4111 1111 1111 1111", StringComparison.Ordinal)));

        var quality = await QualityAsync(stack, stores, truth, catalog.Count, quarantined, db, ct);
        return new DemoReport
        {
            Checks = checks,
            Truth = new DemoTruth(truth.Records, truth.ValidUnique, truth.BotEvents, truth.Malformed, truth.SchemaViolations, truth.UnknownSchema, truth.Duplicates, truth.Late, truth.OrdersPlaced, truth.NetRevenue),
            Quality = quality,
        };
    }

    /// <summary>
    /// Seed 003's four measures per event-time partition (type, day, hour), from what the stores hold: completeness
    /// (warehouse rows ÷ the generator's valid events of that type and hour), error rate (records of that type and event
    /// hour rejected anywhere ÷ all of them; malformed records name no type and count for none), processing latency
    /// (p95 of API accept → StreamProcessor's write) and freshness (the newest event's age when its partition was loaded).
    /// </summary>
    private static async Task<DemoQuality> QualityAsync(LocalStack stack, DemoStores stores, GroundTruth truth, int catalogProducts, IReadOnlyList<QuarantinedRecord> quarantined, NpgsqlConnection db, CancellationToken ct)
    {
        var thresholds = Domain.Quality.QualityThresholds.Seed;
        static string Partition(string type, DateTimeOffset t) => $"{type}/{t.UtcDateTime:yyyy-MM-dd}/{t.UtcDateTime:HH}";
        var expected = truth.ValidEvents.GroupBy(e => Partition(TypeOf(e), e.EventTime)).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var rejected = quarantined.Where(q => q.Type is not null && q.EventTime is not null).GroupBy(q => Partition(q.Type!, q.EventTime!.Value)).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        var loadedAt = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await foreach (var key in DemoRun.KeysAsync(stack, stores.Names.Bucket(Buckets.Processed), ZoneLayout.Quality, ct))
        {
            var m = QualityKeyPattern().Match(key);
            if (!m.Success) continue;
            var report = JsonNode.Parse(await DemoRun.ReadAsync(stack, stores.Names.Bucket(Buckets.Processed), key, ct))!;
            loadedAt[$"{m.Groups[1].Value}/{m.Groups[2].Value}/{m.Groups[3].Value}"] = report["generatedAt"]!.GetValue<DateTimeOffset>();
        }

        var partitions = new List<PartitionQualityRow>();
        var sql = $"""
            select event_type, dt, hr, count(*), max(occurred_at),
                   coalesce(percentile_cont(0.95) within group (order by extract(epoch from processed_at - ingested_at)), 0)
            from {Warehouse.Schema}.fct_events group by event_type, dt, hr
            """;
        var loaded = new Dictionary<string, (long Rows, DateTime Newest, double P95)>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(sql, db))
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                loaded[$"{reader.GetString(0)}/{reader.GetString(1)}/{reader.GetString(2)}"] = (reader.GetInt64(3), reader.GetDateTime(4), reader.GetDouble(5));
            }
        }

        var catalogRows = loaded.Where(l => l.Key.StartsWith(EventTypes.ProductUpserted + "/", StringComparison.Ordinal)).Sum(l => l.Value.Rows);
        foreach (var key in expected.Keys.Concat(loaded.Keys).Concat(rejected.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var (rows, newest, p95) = loaded.GetValueOrDefault(key);
            var want = key.StartsWith(EventTypes.ProductUpserted + "/", StringComparison.Ordinal) ? (rows * catalogProducts / Math.Max(1, catalogRows)) : expected.GetValueOrDefault(key);
            var completeness = want == 0 ? 100 : Math.Round(100.0 * Math.Min(rows, want) / want, 2);
            var rejects = rejected.GetValueOrDefault(key);
            var errorRate = rows + rejects == 0 ? 0 : Math.Round(100.0 * rejects / (rows + rejects), 3);
            double? freshness = rows > 0 && loadedAt.TryGetValue(key, out var at) ? Math.Round((at - new DateTimeOffset(DateTime.SpecifyKind(newest, DateTimeKind.Utc))).TotalSeconds) : null;
            var misses = new List<string>();
            if (!(completeness > thresholds.MinCompletenessPercent)) misses.Add($"completeness {completeness} % (> {thresholds.MinCompletenessPercent} %)");
            if (!(errorRate < thresholds.MaxErrorRatePercent)) misses.Add($"error rate {errorRate} % (< {thresholds.MaxErrorRatePercent} %)");
            if (!(p95 * 1000 < thresholds.MaxProcessingLatency.TotalMilliseconds)) misses.Add($"processing latency p95 {p95:0.#} s (< {thresholds.MaxProcessingLatency.TotalMinutes} min)");
            if (freshness is not { } f) misses.Add("freshness: not loaded");
            else if (!(f < thresholds.MaxFreshness.TotalSeconds)) misses.Add($"freshness {f:N0} s (< {thresholds.MaxFreshness.TotalSeconds:N0} s)");
            partitions.Add(new PartitionQualityRow(key, (int)rows, rejects, completeness, errorRate, Math.Round(p95 * 1000), freshness ?? -1, misses));
        }

        return new DemoQuality(
            Partitions: partitions.Count,
            Passed: partitions.Count(p => p.Misses.Count == 0),
            CompletenessPercent: partitions.Count == 0 ? 0 : partitions.Min(p => p.CompletenessPercent),
            ErrorRatePercent: partitions.Count == 0 ? 0 : partitions.Max(p => p.ErrorRatePercent),
            FreshnessSeconds: partitions.Count == 0 ? 0 : partitions.Max(p => p.FreshnessSeconds),
            LatencyP95Ms: partitions.Count == 0 ? 0 : partitions.Max(p => p.LatencyP95Ms))
        {
            Rows = partitions,
        };
    }

    /// <summary>API accept (lineage.ingestTime) to StreamProcessor's write (lineage.processingTime), over every enriched event.</summary>
    public static async Task<DemoLatency> LatencyAsync(LocalStack stack, ResourceBindings names, CancellationToken ct)
    {
        var latencies = new List<double>();
        await foreach (var (_, line) in DemoRun.GzipLinesAsync(stack, names.Bucket(Buckets.Enriched), ZoneLayout.EnrichedEvents, ct))
        {
            var lineage = JsonNode.Parse(line)!["lineage"];
            if (lineage?["ingestTime"] is { } ingest && lineage["processingTime"] is { } processing)
            {
                latencies.Add((processing.GetValue<DateTimeOffset>() - ingest.GetValue<DateTimeOffset>()).TotalMilliseconds);
            }
        }

        latencies.Sort();
        double At(double p) => latencies.Count == 0 ? 0 : Math.Round(latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)], 1);
        return new DemoLatency(latencies.Count, At(0.50), At(0.95), At(0.99));
    }

    /// <summary>Each expected id once, nothing else: names the missing, the extra and the ones held more than once.</summary>
    internal static DemoCheck IdCheck(string area, string name, IReadOnlySet<string> expected, IEnumerable<string> found)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in found) counts[id] = counts.GetValueOrDefault(id) + 1;
        var missing = expected.Where(id => !counts.ContainsKey(id)).Order(StringComparer.Ordinal).ToArray();
        var extra = counts.Keys.Where(id => !expected.Contains(id)).Order(StringComparer.Ordinal).ToArray();
        var twice = counts.Where(c => c.Value > 1 && expected.Contains(c.Key)).Select(c => c.Key).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length + extra.Length + twice.Length == 0) return new DemoCheck(area, name, $"{expected.Count} ids", $"{expected.Count} ids", true);
        var detail = string.Join("; ", new[] { ("missing", missing), ("extra", extra), ("held twice or more", twice) }.Where(p => p.Item2.Length > 0).Select(p => $"{p.Item1}: {string.Join(", ", p.Item2.Take(Named))}{(p.Item2.Length > Named ? ", …" : "")}"));
        return new DemoCheck(area, name, $"{expected.Count} ids", $"{missing.Length} missing, {extra.Length} extra, {twice.Length} doubled", false, detail);
    }

    /// <summary>Items by key, each compared as text: names the missing, the extra and the differing items.</summary>
    internal static DemoCheck KeyedCheck(string area, string name, IReadOnlyDictionary<string, string> expected, IReadOnlyDictionary<string, string> found)
    {
        var missing = expected.Keys.Where(k => !found.ContainsKey(k)).Order(StringComparer.Ordinal).ToArray();
        var extra = found.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).ToArray();
        var differ = expected.Where(e => found.TryGetValue(e.Key, out var f) && f != e.Value).Select(e => e.Key).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length + extra.Length + differ.Length == 0) return new DemoCheck(area, name, $"{expected.Count} items", $"{found.Count} items", true);
        var named = missing.Select(k => $"{k} missing (expected {expected[k]})")
            .Concat(extra.Select(k => $"{k} not expected ({found[k]})"))
            .Concat(differ.Select(k => $"{k}: expected {expected[k]}, found {found[k]}"));
        var all = missing.Length + extra.Length + differ.Length;
        return new DemoCheck(area, name, $"{expected.Count} items", $"{missing.Length} missing, {extra.Length} extra, {differ.Length} differ", false,
            string.Join("; ", named.Take(Named)) + (all > Named ? "; …" : ""));
    }

    /// <summary>Two multisets of labels: names what is missing and what is extra, counting repeats.</summary>
    internal static DemoCheck MultisetCheck(string area, string name, IEnumerable<string> expected, IEnumerable<string> found)
    {
        var want = expected.GroupBy(x => x, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var have = found.GroupBy(x => x, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var missing = want.Where(w => have.GetValueOrDefault(w.Key) < w.Value).Select(w => (w.Key, w.Value - have.GetValueOrDefault(w.Key))).OrderBy(m => m.Key, StringComparer.Ordinal).ToArray();
        var extra = have.Where(h => want.GetValueOrDefault(h.Key) < h.Value).Select(h => (h.Key, h.Value - want.GetValueOrDefault(h.Key))).OrderBy(m => m.Key, StringComparer.Ordinal).ToArray();
        var total = want.Values.Sum();
        if (missing.Length + extra.Length == 0) return new DemoCheck(area, name, $"{total} records", $"{have.Values.Sum()} records", true);
        var detail = string.Join("; ", missing.Select(m => $"missing {m.Item1}{(m.Item2 > 1 ? $" ×{m.Item2}" : "")}").Concat(extra.Select(e => $"extra {e.Item1}{(e.Item2 > 1 ? $" ×{e.Item2}" : "")}")).Take(Named));
        return new DemoCheck(area, name, $"{total} records", $"{missing.Sum(m => m.Item2)} missing, {extra.Sum(e => e.Item2)} extra", false, detail);
    }

    /// <summary>Items by key; a key found more than once is shown with how often, so a doubled item differs.</summary>
    private static Dictionary<string, string> Counted(IEnumerable<(string Key, string Value)> items) =>
        items.GroupBy(i => i.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count() == 1 ? g.First().Value : $"{g.Count()} copies: " + string.Join(" | ", g.Select(i => i.Value)), StringComparer.Ordinal);

    private sealed record QuarantinedRecord(string Key, string Reason, string? EventId, string PayloadSha256, string? Type, DateTimeOffset? EventTime);

    /// <summary>A quarantined record with the type and event time read from its payload, where it has them.</summary>
    private static QuarantinedRecord ReadQuarantined(string key, byte[] body)
    {
        var reason = ReasonPattern().Match(key).Groups[1].Value;
        try
        {
            var node = JsonNode.Parse(body)!;
            var payload = node["payloadBase64"]?.GetValue<string>() is { } b64 ? Convert.FromBase64String(b64) : [];
            string? type = null;
            DateTimeOffset? eventTime = null;
            try
            {
                if (JsonNode.Parse(payload) is JsonObject evt)
                {
                    type = evt["schema"]?.GetValue<string>()?.Split('/') is { Length: >= 2 } parts ? parts[1] : null;
                    eventTime = evt["eventTime"] is JsonValue t && t.TryGetValue<DateTimeOffset>(out var at) ? at : null;
                }
            }
            catch (JsonException)
            {
                // Malformed: it names no type and no time.
            }
            catch (InvalidOperationException)
            {
            }

            return new QuarantinedRecord(key, node["reason"]?.GetValue<string>() ?? reason, node["eventId"]?.GetValue<string>(), InjectedFault.Hash(payload), type, eventTime);
        }
        catch (JsonException)
        {
            return new QuarantinedRecord(key, reason, null, InjectedFault.Hash(body), null, null);
        }
    }

    private static async IAsyncEnumerable<string[]> RowsAsync(NpgsqlConnection db, string sql, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, db);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var row = new string[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture)!;
            yield return row;
        }
    }

    private static string TypeOf(TrackedEvent e) => e.Schema.Split('/')[1];

    private static bool ProfileCounts(string type) => EventTypes.IsInteraction(type) || type == EventTypes.OrderPlaced;

    private static decimal Dec(string s) => s.Length == 0 ? 0 : decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Money(decimal m) => m.ToString("F2", CultureInfo.InvariantCulture);

    private static string Num(double d) => Math.Round(d, 4).ToString("R", CultureInfo.InvariantCulture);

    private static string Stock(long? stock) => "stock=" + (stock?.ToString(CultureInfo.InvariantCulture) ?? "none");

    private static string OrderText(string state, decimal total, decimal paid, decimal refunded, decimal? net) =>
        $"{state} total={Money(total)} paid={Money(paid)} refunded={Money(refunded)}" + (net is { } n ? $" net={Money(n)}" : "");

    private static string StatsText(long views, long adds, long removes, long units, decimal revenue) =>
        $"views={views} adds={adds} removes={removes} units={units} revenue={Money(revenue)}";

    private static string AmountText(decimal? price, decimal? total, decimal? amount) =>
        $"price={(price is { } p ? Money(p) : "none")} total={(total is { } t ? Money(t) : "none")} amount={(amount is { } a ? Money(a) : "none")}";

    private static string CatalogText(decimal? price, long? stock) => $"price={(price is { } p ? Money(p) : "none")} {Stock(stock)}";

    private static string ProfileText(IReadOnlyDictionary<string, long> counters, int orders, decimal spend) =>
        string.Join(" ", counters.Where(c => c.Value != 0).OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}")) + $" orders={orders} spend={Money(spend)}";

    private static string RecentText(IEnumerable<(string Sku, long At)> entries) =>
        string.Join(" ", entries.OrderBy(e => e.Sku, StringComparer.Ordinal).Select(e => $"{e.Sku}@{e.At.ToString(CultureInfo.InvariantCulture)}"));

    private static string Text(object value) => value switch
    {
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    [GeneratedRegex("reason=([a-z_]+)/")]
    private static partial Regex ReasonPattern();

    [GeneratedRegex("^quality/type=([a-z_]+)/dt=([0-9-]+)/hr=([0-9]{2})/report\\.json$")]
    private static partial Regex QualityKeyPattern();
}
