using System.Globalization;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Ingest;
using Microsoft.Playwright;

namespace ECommerceAgents.Local.Tests.Tracker;

/// <summary>
/// The browser tracker in a real browser: Debian's Chromium, headless, driven by Playwright, on the sample shop that
/// the local host serves. A shopper lands from a campaign, browses, adds to cart and checks out; each event reaches the
/// enriched zone once, under the cookie's anonymous id, with the campaign; the profile has the order; the day's batch
/// puts each event in the warehouse once and the visit's sessions in the sessions model with the campaign. An opted-out
/// visitor sends nothing; with consent required nothing is sent before it is given. Skipped where Chromium is missing.
/// </summary>
[Collection(TrackerStack.Collection)]
public sealed class TrackerBrowserTests(TrackerStack fixture)
{
    // A desktop Chrome's user agent: HeadlessChrome's own would (rightly) be classified as a bot.
    private const string DesktopChrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";

    // Where the campaign's shopper comes from: a site the classifier knows nothing of (on its own, a referral).
    private const string Referrer = "http://news.example/spring";

    private string Origin => fixture.Origin;

    [Fact]
    public async Task SampleShop_BrowseAddToCartCheckout_EachEventEnrichedOnceWithCookieIdAndCampaign_ProfileHasTheOrder_WarehouseHasEventsAndSessions()
    {
        var (key, keyId) = await fixture.CreateWriteKeyAsync(Origin);
        var (source, medium, campaign) = ("newsletter", "email", "spring-" + Guid.NewGuid().ToString("N")[..6]);
        var userId = "shopper-" + Guid.NewGuid().ToString("N")[..8];
        await using var browser = await LaunchAsync();
        var (context, page) = await NewVisitorAsync(browser);

        await page.GotoAsync($"{Origin}/sample-shop/?writeKey={key}&utm_source={source}&utm_medium={medium}&utm_campaign={campaign}", new PageGotoOptions { Referer = Referrer });
        await page.WaitForSelectorAsync("body[data-tracker]");

        // The landing's batch meets a 503: the tracker sends it again, with the same messageIds.
        fixture.FailNextBatches(1);
        await page.EvaluateAsync("eca.flush()");
        await SentMessagesAsync(key, _ => Batches(key).Count >= 2);
        var (failed, retried) = (Batches(key)[0], Batches(key)[1]);
        Assert.Equal(failed.Select(m => m["messageId"]!.GetValue<string>()), retried.Select(m => m["messageId"]!.GetValue<string>()));
        await page.ClickAsync(".product-link >> nth=1");
        await page.ClickAsync("#add-to-cart");
        await page.Locator("#added").WaitForAsync();
        await page.ClickAsync("#nav-cart");
        var total = decimal.Parse(await page.InnerTextAsync("#cart-total"), CultureInfo.InvariantCulture);
        await page.ClickAsync("#checkout");
        await page.FillAsync("#user-id", userId);
        await page.ClickAsync("#place-order");
        var orderId = await page.InnerTextAsync("#order-id");
        var anonymousId = (await context.CookiesAsync()).Single(c => c.Name == "eca_aid").Value;
        await page.GotoAsync("about:blank"); // the thanks page's view can only leave by the pagehide beacon now
        var sent = await SentMessagesAsync(key, m => m["name"]?.GetValue<string>() == "thanks");

        var mine = (await fixture.EnrichedAsync()).Where(e => e["anonymousId"]?.GetValue<string>() == anonymousId).ToList();

        // Each message the page sent is stored once, whatever its retries or beacons, and nothing else.
        Assert.Equal(sent.Keys.Select(id => SegmentMapping.EventId(keyId, id)).Order(), mine.Select(e => e["eventId"]!.GetValue<string>()).Order());
        Assert.Equal(
            new Dictionary<string, int> { ["page_view"] = 5, ["product_list_viewed"] = 1, ["product_view"] = 1, ["add_to_cart"] = 1, ["cart_viewed"] = 1, ["begin_checkout"] = 1, ["identify"] = 1, ["purchase"] = 1 },
            mine.GroupBy(e => e["type"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Count()));
        Assert.All(mine, e =>
        {
            Assert.Equal(source, e["context"]?["campaign"]?["source"]?.GetValue<string>());
            Assert.Equal(medium, e["context"]?["campaign"]?["medium"]?.GetValue<string>());
            Assert.Equal(campaign, e["context"]?["campaign"]?["name"]?.GetValue<string>());
            Assert.Equal("segment", e["lineage"]!["source"]!.GetValue<string>());
        });
        var landing = mine.Single(e => e["type"]!.GetValue<string>() == "page_view" && e["context"]!["page"]!["url"]!.GetValue<string>().Contains("utm_campaign", StringComparison.Ordinal));
        Assert.StartsWith(new Uri(Referrer).GetLeftPart(UriPartial.Authority) + "/", landing["context"]!["page"]!["referrer"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(mine, e => e.ToJsonString().Contains(key, StringComparison.Ordinal));
        var purchase = mine.Single(e => e["type"]!.GetValue<string>() == "purchase");
        Assert.Equal(orderId, purchase["orderId"]!.GetValue<string>());
        Assert.Equal(userId, purchase["userId"]!.GetValue<string>());

        var (status, profile) = await fixture.GetAsync($"v1/users/{userId}/profile");
        Assert.True(status == 200, profile?.ToJsonString());
        Assert.Equal(1, profile!["orders"]!.GetValue<int>());
        Assert.Equal(total, profile["spend"]!.GetValue<decimal>());

        // The batch for the visit's day(s): each enriched event is one row of the facts, with its type and session, and
        // nothing else of this visitor's is; each of the visit's sessions is a row of the sessions model with the
        // landing's campaign, the landing's session with its referrer too, the purchase's with the shopper and the order.
        await fixture.BatchAsync(mine.Select(e => e["partition"]!["dt"]!.GetValue<string>()).Distinct(StringComparer.Ordinal));
        var ids = string.Join(", ", mine.Select(e => $"'{e["eventId"]!.GetValue<string>()}'"));
        var facts = await fixture.WarehouseAsync($"select event_id, event_type, session_id from eca.fct_events where event_id in ({ids}) or anonymous_id = '{anonymousId}'");
        Assert.Equal(
            mine.Select(e => (e["eventId"]!.GetValue<string>(), e["type"]!.GetValue<string>(), e["sessionId"]?.GetValue<string>())).Order(),
            facts.Select(r => ((string)r["event_id"]!, (string)r["event_type"]!, (string?)r["session_id"])).Order());
        var visit = mine.GroupBy(e => e["sessionId"]?.GetValue<string>() ?? "(none)", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var sessions = (await fixture.WarehouseAsync($"select * from eca.mdl_sessions where session_id in ({string.Join(", ", visit.Keys.Select(id => $"'{id}'"))})"))
            .ToDictionary(r => (string)r["session_id"]!, StringComparer.Ordinal);
        Assert.Equal(visit.Keys.Order(StringComparer.Ordinal), sessions.Keys.Order(StringComparer.Ordinal));
        Assert.All(sessions.Values, s =>
        {
            Assert.Equal(source, s["source"]);
            Assert.Equal(medium, s["medium"]);
            Assert.Equal(campaign, s["campaign"]);
            Assert.Equal("email", s["referrer_class"]); // utm_medium=email: the campaign's medium classifies before the referrer
            Assert.Equal(visit[(string)s["session_id"]!], Convert.ToInt32(s["events"], CultureInfo.InvariantCulture));
        });
        Assert.Equal(new Uri(Referrer).Host, sessions[landing["sessionId"]!.GetValue<string>()]["referrer_host"]);
        var converted = sessions[purchase["sessionId"]!.GetValue<string>()];
        Assert.Equal(userId, converted["user_id"]);
        Assert.Equal(1, Convert.ToInt32(converted["purchases"], CultureInfo.InvariantCulture));
        Assert.Equal(1, sessions.Values.Sum(s => Convert.ToInt32(s["purchases"], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task SampleShop_OptedOutVisitor_SendsNothing_NothingLands()
    {
        var (key, _) = await fixture.CreateWriteKeyAsync(Origin);
        var userId = "optout-" + Guid.NewGuid().ToString("N")[..8];
        var before = (await fixture.EnrichedAsync()).Count;
        var requestsBefore = fixture.Requests.Count(r => r.Path.StartsWith("/v1/", StringComparison.Ordinal));
        await using var browser = await LaunchAsync();
        var (context, page) = await NewVisitorAsync(browser);

        // Opts out from the banner of the consent mode, where nothing can have been sent yet ...
        await page.GotoAsync($"{Origin}/sample-shop/?writeKey={key}&consent=required");
        await page.WaitForSelectorAsync("body[data-tracker]");
        await page.ClickAsync("#opt-out");
        await page.Locator("#opted-out").WaitForAsync();

        // ... and comes back to the shop (consent not required there): the choice holds through a whole purchase.
        await page.GotoAsync($"{Origin}/sample-shop/?consent=off&utm_source=optout");
        await page.ClickAsync(".product-link >> nth=0");
        await page.ClickAsync("#add-to-cart");
        await page.ClickAsync("#nav-cart");
        await page.ClickAsync("#checkout");
        await page.FillAsync("#user-id", userId);
        await page.ClickAsync("#place-order");
        await page.WaitForSelectorAsync("#order-id");
        await page.EvaluateAsync("eca.flush()");
        var cookies = await context.CookiesAsync();
        var queued = await page.EvaluateAsync<string?>("localStorage.getItem('eca_queue')");
        await page.GotoAsync("about:blank");

        await Task.Delay(TimeSpan.FromSeconds(3)); // a beacon or fetch the pages had issued would have arrived by now
        Assert.Equal(requestsBefore, fixture.Requests.Count(r => r.Path.StartsWith("/v1/", StringComparison.Ordinal)));
        Assert.Equal("1", cookies.Single(c => c.Name == "eca_optout").Value);
        Assert.DoesNotContain(cookies, c => c.Name == "eca_aid");
        Assert.Null(queued);
        var after = await fixture.EnrichedAsync();
        Assert.Equal(before, after.Count);
        Assert.DoesNotContain(after, e => e["userId"]?.GetValue<string>() == userId);
    }

    [Fact]
    public async Task SampleShop_ConsentRequired_NothingStoredOrSentBeforeGrant_ThisPagesEventsAndLaterOnesAfter()
    {
        var (key, keyId) = await fixture.CreateWriteKeyAsync(Origin);
        await using var browser = await LaunchAsync();
        var (context, page) = await NewVisitorAsync(browser);

        await page.GotoAsync($"{Origin}/sample-shop/?writeKey={key}&consent=required&utm_source=consent");
        await page.WaitForSelectorAsync("body[data-tracker]");
        await page.ClickAsync(".product-link >> nth=2");
        await page.ClickAsync("#add-to-cart");
        await page.Locator("#consent-banner").WaitForAsync();
        await page.EvaluateAsync("eca.flush()");
        var beforeGrant = Batches(key).Count;
        var cookiesBefore = await context.CookiesAsync();
        var storedBefore = await page.EvaluateAsync<int>("localStorage.length + sessionStorage.length - Object.keys(sessionStorage).filter(k => k.startsWith('shop_')).length - Object.keys(localStorage).filter(k => k.startsWith('shop_')).length");
        await page.ClickAsync("#consent-accept");
        await SentMessagesAsync(key, m => m["event"]?.GetValue<string>() == "Product Added");
        await page.ClickAsync("#nav-cart");
        await page.WaitForSelectorAsync("#cart-total");
        var anonymousId = (await context.CookiesAsync()).Single(c => c.Name == "eca_aid").Value;
        await page.GotoAsync("about:blank");
        var sent = await SentMessagesAsync(key, m => m["event"]?.GetValue<string>() == "Cart Viewed");

        Assert.Equal(0, beforeGrant);
        Assert.DoesNotContain(cookiesBefore, c => c.Name.StartsWith("eca_", StringComparison.Ordinal));
        Assert.Equal(0, storedBefore);
        var mine = (await fixture.EnrichedAsync()).Where(e => e["anonymousId"]?.GetValue<string>() == anonymousId).ToList();
        Assert.Equal(sent.Keys.Select(id => SegmentMapping.EventId(keyId, id)).Order(), mine.Select(e => e["eventId"]!.GetValue<string>()).Order());

        // The product page's events were held until the grant on that page; the list page before it is not sent.
        Assert.Equal(
            new Dictionary<string, int> { ["page_view"] = 2, ["product_view"] = 1, ["add_to_cart"] = 1, ["cart_viewed"] = 1 },
            mine.GroupBy(e => e["type"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Count()));
    }

    private async Task<IBrowser> LaunchAsync()
    {
        if (fixture.Chromium is null) Assert.Skip($"needs Debian's Chromium: {fixture.NoChromium}");
        var playwright = await Playwright.CreateAsync();
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = fixture.Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A fresh visitor: its own cookies and storage, and a page.</summary>
    private static async Task<(IBrowserContext Context, IPage Page)> NewVisitorAsync(IBrowser browser)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = DesktopChrome });
        return (context, await context.NewPageAsync());
    }

    /// <summary>The batches that reached the API with <paramref name="key"/> (by the proxy's record), each as its messages.</summary>
    private List<List<JsonNode>> Batches(string key) =>
        [.. fixture.Requests.Where(r => r.Path == "/v1/batch" && r.Body.Contains(key, StringComparison.Ordinal))
            .Select(r => JsonNode.Parse(r.Body)!["batch"]!.AsArray().Select(m => m!).ToList())];

    /// <summary>
    /// The messages that reached the API with <paramref name="key"/>, by messageId, once the one that
    /// <paramref name="last"/> matches has arrived (the last thing the visit sends).
    /// </summary>
    private async Task<Dictionary<string, JsonNode>> SentMessagesAsync(string key, Func<JsonNode, bool> last)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var messages = Batches(key).SelectMany(b => b).ToList();
            if (messages.Any(last)) return messages.GroupBy(m => m["messageId"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.First());
            Assert.True(DateTime.UtcNow < deadline, "the visit's last message did not arrive; the messages that did: " +
                string.Join(", ", messages.Select(m => $"{m["type"]}/{m["event"] ?? m["name"]}")));
            await Task.Delay(100);
        }
    }
}
