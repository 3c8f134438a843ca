using ECommerceAgents.Domain.Events;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using static ECommerceAgents.IntegrationTests.Batch.EnrichedFixture;

namespace ECommerceAgents.IntegrationTests.Batch;

/// <summary>
/// Four paying customers whose events carry StreamProcessor's consent markers, loaded by the BatchLoader into the
/// warehouse: u-full consented to everything; u-later denied marketing after their order (their newest event says so);
/// u-nosale denied sale/share; a pseudonym stands for a customer who denied analytics.
/// </summary>
public sealed class MarketingConsentFixture : IAsyncLifetime
{
    public const string Day = "2026-03-02";
    public const string Pseudonym = "p-3f9a0c";

    public string Warehouse { get; private set; } = null!;

    private PlatformHarness _harness = null!;

    private static EnrichedEvent Marked(EnrichedEvent e, string consent) => e with { Enrichment = e.Enrichment with { Consent = consent } };

    private static EnrichedEvent Order(string user, string orderId, string time, decimal total) =>
        Event("order_placed", time, user, null, null, new EventData { OrderId = orderId, Total = total, Currency = "EUR", Items = [new OrderLine { Sku = "A", Quantity = 1, Price = total, Category = "books" }] });

    internal static IReadOnlyList<EnrichedEvent> Events() =>
    [
        Order("u-full", "o-1", "2026-03-02T10:00:00Z", 10),
        Order("u-later", "o-2", "2026-03-02T10:10:00Z", 20),
        Marked(Event("page_view", "2026-03-02T11:00:00Z", "u-later", "a-2", "s-2", new EventData { Url = "https://shop/" }), "no_mktg"),
        Marked(Order("u-nosale", "o-3", "2026-03-02T10:20:00Z", 30), "no_sale"),
        Marked(Order(Pseudonym, "o-4", "2026-03-02T10:30:00Z", 40), "pseudonymous"),
    ];

    public async ValueTask InitializeAsync()
    {
        var stack = await TestStack.GetAsync();
        Warehouse = await TestWarehouse.CreateAsync(stack, "consentmodels");
        _harness = await PlatformHarness.StartAsync("consentmodels", stack, new Dictionary<string, string> { [ServiceEndpoints.WarehouseVariable] = Warehouse }, stack.Endpoints with { Warehouse = Warehouse });
        await WriteAsync(stack.S3Client, _harness.Names.Bucket(Buckets.Enriched), Events());
        var loader = await ECommerceAgents.Functions.BatchLoader.BatchLoaderFunction.CreateAsync(_harness.Environment, CancellationToken.None);
        await EnrichedDay.BackfillAsync(loader, Day);
        await ((IAsyncDisposable)loader).DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await _harness.DisposeAsync();
}

/// <summary>Marketing and sale/share consent in the warehouse: the segments say it per customer, the marketing export leaves out who denied it.</summary>
public sealed class MarketingConsentModelTests(MarketingConsentFixture fixture) : IClassFixture<MarketingConsentFixture>
{
    private Task<List<Dictionary<string, object?>>> Query(string sql) => TestWarehouse.QueryAsync(fixture.Warehouse, sql);

    [Fact]
    public async Task CustomerSegments_CarryEachCustomersNewestConsent()
    {
        var rows = (await Query("select user_id, marketing_consent, sale_share_consent from eca.mdl_customer_segments order by user_id")).ToArray();

        var consent = rows.ToDictionary(r => (string)r["user_id"]!, r => ((bool)r["marketing_consent"]!, (bool)r["sale_share_consent"]!));
        Assert.Equal((true, true), consent["u-full"]);
        Assert.Equal((false, true), consent["u-later"]);   // the order said full; the newest event says no marketing
        Assert.Equal((true, false), consent["u-nosale"]);
        Assert.Equal((false, true), consent[MarketingConsentFixture.Pseudonym]);
    }

    [Fact]
    public async Task MarketingAudience_OnlyCustomersWhoDidNotDenyMarketing()
    {
        var audience = (await Query("select user_id from eca.mdl_marketing_audience order by user_id")).Select(r => (string)r["user_id"]!).ToArray();
        var segments = (await Query("select count(*) as n from eca.mdl_customer_segments")).Single()["n"];

        Assert.Equal(["u-full", "u-nosale"], audience);
        Assert.Equal(4L, Convert.ToInt64(segments, System.Globalization.CultureInfo.InvariantCulture)); // the others are still analysed, just not marketed to
    }
}
