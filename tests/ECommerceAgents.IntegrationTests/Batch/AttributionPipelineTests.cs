using System.Net;
using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.Warehouse;
using ECommerceAgents.Functions.BatchLoader;
using ECommerceAgents.IntegrationTests.Api;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Batch;

/// <summary>
/// Issue 20's attribution through the real pipeline: API → Kinesis → StreamProcessor (session state in DynamoDB) →
/// enriched zone → BatchLoader → PostgreSQL. A visitor lands from a Google search on a page tagged with utm parameters;
/// a later request of the same session (an internal referrer, another micro-batch) carries the landing's attribution,
/// and so does the session's row in <c>mdl_sessions</c>. The search's query never reaches the zone's attribution or the warehouse.
/// </summary>
public sealed class AttributionPipelineTests : IAsyncLifetime
{
    private const string Anonymous = "anon-attribution-1", Host = "shop.example.com";
    private const string Landing = "https://shop.example.com/winter?utm_source=Google&utm_medium=organic&utm_campaign=winter-2026&utm_term=warm+boots&utm_content=hero";
    private const string SearchReferrer = "https://www.google.de/search?q=jane+doe+warm+boots";
    private ApiPipeline _p = null!;
    private string _warehouse = "";
    private string _ingest = "";
    private IFunctionHandler _loader = null!;
    private readonly DateTimeOffset _start = DateTimeOffset.UtcNow.AddMinutes(-10);

    public async ValueTask InitializeAsync()
    {
        var stack = await TestStack.GetAsync();
        _warehouse = await TestWarehouse.CreateAsync(stack, "attribution");
        _p = await ApiPipeline.StartAsync("attribution", new Dictionary<string, string>
        {
            [ServiceEndpoints.WarehouseVariable] = _warehouse,
            [SettingNames.OwnDomains] = Host,
        }, endpoints: stack.Endpoints with { Warehouse = _warehouse });
        _ingest = await _p.Api.CreateKeyAsync("ingest");
        _loader = await BatchLoaderFunction.CreateAsync(_p.Harness.Environment, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_loader is IAsyncDisposable d) await d.DisposeAsync();
        await _p.DisposeAsync();
    }

    private string Envelope(string id, string type, double minute, string url, string? referrer, string data) =>
        new JsonObject
        {
            ["schema"] = $"com.ecommerceagents/{type}/1-0-0",
            ["eventId"] = id,
            ["eventTime"] = _start.AddMinutes(minute).ToString("O"),
            ["anonymousId"] = Anonymous,
            ["context"] = new JsonObject
            {
                ["userAgent"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
                ["page"] = referrer is null ? new JsonObject { ["url"] = url } : new JsonObject { ["url"] = url, ["referrer"] = referrer },
            },
            ["data"] = JsonNode.Parse(data),
        }.ToJsonString();

    private async Task SendAsync(params string[] events)
    {
        using var response = await _p.Api.PostJsonAsync("v1/events", _ingest, "[" + string.Join(",", events) + "]");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task SessionLandingFromSearchWithUtm_LaterEventAndWarehouseSessionCarryIt()
    {
        var landing = Guid.NewGuid().ToString();
        var view = Guid.NewGuid().ToString();
        var cart = Guid.NewGuid().ToString();
        var product = """{"sku":"boot-1","category":"shoes","brand":"Acme","price":80,"currency":"EUR"}""";

        // The landing alone, then the rest in a later request: the second micro-batch reads the session from DynamoDB.
        await SendAsync(Envelope(landing, "page_view", 0, Landing, SearchReferrer, $$"""{"url":"{{Landing}}"}"""));
        await _p.DrainAsync();
        await SendAsync(
            Envelope(view, "product_view", 2, "https://shop.example.com/p/boot-1", "https://shop.example.com/winter", product),
            Envelope(cart, "add_to_cart", 3, "https://shop.example.com/p/boot-1?utm_source=banner&utm_medium=internal", "https://shop.example.com/p/boot-1",
                """{"sku":"boot-1","category":"shoes","brand":"Acme","price":80,"currency":"EUR","quantity":1}"""));
        await _p.DrainAsync();

        var lines = await StoreChecksum.EnrichedLinesAsync(_p.Harness.Stack, _p.Harness.Names.Bucket(Buckets.Enriched), "events/");
        var events = lines.Select(l => JsonNode.Parse(l)!).ToDictionary(n => n["eventId"]!.GetValue<string>());
        Assert.Equal(3, events.Count);
        var attribution = events[landing]["enrichment"]!["attribution"]!;
        Assert.Equal("google", attribution["source"]!.GetValue<string>());
        Assert.Equal("organic", attribution["medium"]!.GetValue<string>());
        Assert.Equal("winter-2026", attribution["campaign"]!.GetValue<string>());
        Assert.Equal("warm boots", attribution["term"]!.GetValue<string>());
        Assert.Equal("hero", attribution["content"]!.GetValue<string>());
        Assert.Equal("search", attribution["referrerClass"]!.GetValue<string>());
        Assert.Equal("www.google.de", attribution["referrerHost"]!.GetValue<string>());
        var sessionId = events[landing]["sessionId"]!.GetValue<string>();
        foreach (var later in new[] { view, cart })
        {
            Assert.Equal(sessionId, events[later]["sessionId"]!.GetValue<string>());
            Assert.True(JsonNode.DeepEquals(attribution, events[later]["enrichment"]!["attribution"]), $"{later}: {events[later]["enrichment"]!["attribution"]}");
        }

        // The later event's own campaign (read from its URL) stays its own.
        Assert.Equal("banner", events[cart]["context"]!["campaign"]!["source"]!.GetValue<string>());
        Assert.DoesNotContain("jane", attribution.ToJsonString(), StringComparison.Ordinal);

        await EnrichedDay.BackfillAsync(_loader, _start.ToString("yyyy-MM-dd"));
        if (_start.AddMinutes(3).UtcDateTime.Date != _start.UtcDateTime.Date) await EnrichedDay.BackfillAsync(_loader, _start.AddMinutes(3).ToString("yyyy-MM-dd"));

        var rows = await TestWarehouse.QueryAsync(_warehouse,
            $"select session_id, events, source, medium, campaign, term, content, referrer_class, referrer_host from eca.mdl_sessions where session_id = '{sessionId}'");
        var row = Assert.Single(rows);
        Assert.Equal(3L, Convert.ToInt64(row["events"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(
            [attribution["source"]!.GetValue<string>(), attribution["medium"]!.GetValue<string>(), attribution["campaign"]!.GetValue<string>(), attribution["term"]!.GetValue<string>(),
             attribution["content"]!.GetValue<string>(), attribution["referrerClass"]!.GetValue<string>(), attribution["referrerHost"]!.GetValue<string>()],
            new[] { "source", "medium", "campaign", "term", "content", "referrer_class", "referrer_host" }.Select(c => (string?)row[c]));
        var stored = await TestWarehouse.ScalarAsync<long>(_warehouse, "select count(*) from eca.fct_events where session_referrer_host like '%?%' or session_referrer_host like '%/%'");
        Assert.Equal(0L, stored);
    }

    [Fact]
    public async Task Migration_AddsTheSessionColumnsToAnOlderFctEvents_AndIsRepeatable()
    {
        var stack = await TestStack.GetAsync();
        var database = await TestWarehouse.CreateAsync(stack, "attribution-migrate");
        await using (var first = new PostgresWarehouse(PostgresWarehouse.DataSource(database), new EventParquet()))
        {
            await first.MigrateAsync(CancellationToken.None);
        }

        // The table as it was before issue 20: without the session columns (the views that read them go with them).
        var drop = string.Join(", ", WarehouseSql.AddedEventColumns.Select(c => "drop column " + c.Name + " cascade"));
        await using (var source = PostgresWarehouse.DataSource(database))
        await using (var alter = source.CreateCommand($"alter table eca.fct_events {drop}"))
        {
            await alter.ExecuteNonQueryAsync();
        }

        const string columns = "select count(*) from information_schema.columns where table_schema = 'eca' and table_name = 'fct_events' and column_name like 'session\\_%'";
        Assert.Equal(1L, await TestWarehouse.ScalarAsync<long>(database, columns));   // session_id only

        for (var run = 0; run < 2; run++)
        {
            await using var warehouse = new PostgresWarehouse(PostgresWarehouse.DataSource(database), new EventParquet());
            await warehouse.MigrateAsync(CancellationToken.None);
        }

        Assert.Equal(1L + WarehouseSql.AddedEventColumns.Count, await TestWarehouse.ScalarAsync<long>(database, columns));
        Assert.Equal(0L, await TestWarehouse.ScalarAsync<long>(database, "select count(*) from eca.mdl_sessions where referrer_class is not null"));
    }
}
