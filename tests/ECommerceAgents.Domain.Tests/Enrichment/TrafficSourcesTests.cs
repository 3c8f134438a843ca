using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Tests.Enrichment;

public sealed class TrafficSourcesTests
{
    private static readonly string[] Own = ["shop.example.com", "shop-checkout.example"];

    public static TheoryData<string?, string?, string?, string?, string?, string?> Urls => new()
    {
        // url → source, medium, campaign, term, content
        { "https://shop.example.com/p?utm_source=google&utm_medium=cpc&utm_campaign=winter&utm_term=red+shoes&utm_content=ad-1", "google", "cpc", "winter", "red shoes", "ad-1" },
        { "https://shop.example.com/?UTM_SOURCE=Newsletter&Utm_Medium=EMAIL&utm_campaign=Black%20Friday", "Newsletter", "EMAIL", "Black Friday", null, null },
        { "https://shop.example.com/?utm_campaign=caf%C3%A9%2Bcr%C3%A8me&utm_term=%E2%82%AC10", null, null, "café+crème", "€10", null },
        { "https://shop.example.com/?utm_source=a&utm_source=b#utm_medium=ignored", "a", null, null, null, null },
        { "https://shop.example.com/?utm_source=&utm_medium=%20&ref=x", null, null, null, null, null },
        { "https://shop.example.com/?gclid=Cj0KCQ", "google", "cpc", null, null, null },
        { "https://shop.example.com/?MSCLKID=abc&utm_campaign=spring", "bing", "cpc", "spring", null, null },
        { "https://shop.example.com/?fbclid=IwAR0", "facebook", "cpc", null, null, null },
        { "https://shop.example.com/?utm_source=newsletter&gclid=Cj0", "newsletter", null, null, null, null },
        { "https://shop.example.com/?gclid=", null, null, null, null, null },
        { "https://shop.example.com/?utm_source=bad%zzescape", "bad%zzescape", null, null, null, null },
        { "https://shop.example.com/products/42", null, null, null, null, null },
        { null, null, null, null, null, null },
    };

    [Theory]
    [MemberData(nameof(Urls))]
    public void FromUrl_ReadsUtmAndClickIds(string? url, string? source, string? medium, string? campaign, string? term, string? content)
    {
        var parsed = TrafficSources.FromUrl(url);

        if (source is null && medium is null && campaign is null && term is null && content is null)
        {
            Assert.Null(parsed);
            return;
        }

        Assert.NotNull(parsed);
        Assert.Equal((source, medium, campaign, term, content), (parsed.Source, parsed.Medium, parsed.Name, parsed.Term, parsed.Content));
    }

    public static TheoryData<string?, string?, string?, string, string?> Referrers => new()
    {
        // page url, referrer, utm query on the page, expected class, expected referrer host
        { "https://shop.example.com/", null, null, ReferrerClasses.Direct, null },
        { "https://shop.example.com/", "", null, ReferrerClasses.Direct, null },
        { "https://shop.example.com/", "not a url", null, ReferrerClasses.Direct, null },
        { "https://shop.example.com/", "https://www.google.com/search?q=private+thing", null, ReferrerClasses.Search, "www.google.com" },
        { "https://shop.example.com/", "https://www.GOOGLE.co.uk/", null, ReferrerClasses.Search, "www.google.co.uk" },
        { "https://shop.example.com/", "https://duckduckgo.com/", null, ReferrerClasses.Search, "duckduckgo.com" },
        { "https://shop.example.com/", "https://www.bing.com/search?q=x", null, ReferrerClasses.Search, "www.bing.com" },
        { "https://shop.example.com/", "https://yandex.ru/", null, ReferrerClasses.Search, "yandex.ru" },
        { "https://shop.example.com/", "https://www.ecosia.org/search", null, ReferrerClasses.Search, "www.ecosia.org" },
        { "https://shop.example.com/", "https://search.brave.com/search?q=x", null, ReferrerClasses.Search, "search.brave.com" },
        { "https://shop.example.com/", "https://l.facebook.com/l.php?u=x", null, ReferrerClasses.Social, "l.facebook.com" },
        { "https://shop.example.com/", "https://t.co/abc", null, ReferrerClasses.Social, "t.co" },
        { "https://shop.example.com/", "https://x.com/someone", null, ReferrerClasses.Social, "x.com" },
        { "https://shop.example.com/", "https://www.linkedin.com/feed", null, ReferrerClasses.Social, "www.linkedin.com" },
        { "https://shop.example.com/", "https://www.youtube.com/watch?v=1", null, ReferrerClasses.Social, "www.youtube.com" },
        { "https://shop.example.com/", "https://old.reddit.com/r/x", null, ReferrerClasses.Social, "old.reddit.com" },
        { "https://shop.example.com/", "https://mail.google.com/mail/u/0/#inbox/jane.doe@example.com", null, ReferrerClasses.Email, "mail.google.com" },
        { "https://shop.example.com/", "https://outlook.live.com/mail/0/", null, ReferrerClasses.Email, "outlook.live.com" },
        { "https://shop.example.com/", "https://webmail.example.net/", null, ReferrerClasses.Email, "webmail.example.net" },
        { "https://shop.example.com/b", "https://shop.example.com/a", null, ReferrerClasses.Internal, "shop.example.com" },
        { "https://shop.example.com/b", "https://pay.shop-checkout.example/done", null, ReferrerClasses.Internal, "pay.shop-checkout.example" },
        { "https://other.example/b", "https://notshop.example.com/", null, ReferrerClasses.Referral, "notshop.example.com" },
        { "https://shop.example.com/", "https://blog.example.org/review?reader=jane", null, ReferrerClasses.Referral, "blog.example.org" },
        { "https://shop.example.com/", "https://googleblog.example/", null, ReferrerClasses.Referral, "googleblog.example" },
        // The campaign's medium decides before the referrer: a paid Google click is paid, not search.
        { "https://shop.example.com/", "https://www.google.com/", "utm_source=google&utm_medium=CPC", ReferrerClasses.Paid, "www.google.com" },
        { "https://shop.example.com/", "https://www.google.com/", "gclid=x", ReferrerClasses.Paid, "www.google.com" },
        { "https://shop.example.com/", null, "utm_source=news&utm_medium=Email", ReferrerClasses.Email, null },
        { "https://shop.example.com/", "https://www.facebook.com/", "utm_source=fb&utm_medium=paid_social", ReferrerClasses.Paid, "www.facebook.com" },
        { "https://shop.example.com/", "https://www.facebook.com/", "utm_source=facebook&utm_medium=social", ReferrerClasses.Social, "www.facebook.com" },
        { "https://shop.example.com/", null, "utm_source=google&utm_medium=organic", ReferrerClasses.Search, null },
        // A tagged link with no referrer: the source's name, else referral.
        { "https://shop.example.com/", null, "utm_source=newsletter", ReferrerClasses.Email, null },
        { "https://shop.example.com/", null, "utm_source=Instagram", ReferrerClasses.Social, null },
        { "https://shop.example.com/", null, "utm_source=partner-x", ReferrerClasses.Referral, null },
        // An internal link tagged with utm: internal (its campaign kept), unless the medium says otherwise.
        { "https://shop.example.com/sale", "https://shop.example.com/", "utm_source=homepage&utm_campaign=banner", ReferrerClasses.Internal, "shop.example.com" },
        { "https://shop.example.com/sale", "https://shop.example.com/", "utm_source=mailing&utm_medium=email", ReferrerClasses.Email, "shop.example.com" },
    };

    [Theory]
    [MemberData(nameof(Referrers))]
    public void Classify_GivesTheReferrersClassAndHost_NeverItsPathOrQuery(string? page, string? referrer, string? utm, string expectedClass, string? expectedHost)
    {
        var url = utm is null ? page : page + "?" + utm;

        var attribution = TrafficSources.Classify(TrafficSources.FromUrl(url), url, referrer, Own);

        Assert.Equal(expectedClass, attribution.ReferrerClass);
        Assert.Equal(expectedHost, attribution.ReferrerHost);
        if (referrer is { Length: > 0 }) Assert.DoesNotContain(referrer, attribution.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Classify_LowerCasesSourceAndMedium_KeepsTheRestAsSent()
    {
        var campaign = new CampaignContext { Source = " Google ", Medium = "CPC", Name = "Winter Sale", Term = "Red Shoes", Content = "Ad-1" };

        var a = TrafficSources.Classify(campaign, "https://shop.example.com/", null, []);

        Assert.Equal(("google", "cpc", "Winter Sale", "Red Shoes", "Ad-1"), (a.Source, a.Medium, a.Campaign, a.Term, a.Content));
    }

    [Fact]
    public void Classify_CutsLongValuesToTheColumnWidthInUtf8Bytes()
    {
        var campaign = new CampaignContext { Source = new string('s', 300), Name = string.Concat(Enumerable.Repeat("é", 100)), Term = string.Concat(Enumerable.Repeat("😀", 100)) };

        var a = TrafficSources.Classify(campaign, null, null, []);

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(a.Source!) <= TrafficSources.MaxValue);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(a.Campaign!) <= TrafficSources.MaxValue);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(a.Term!) <= TrafficSources.MaxLongValue);
        Assert.Equal(64, a.Campaign!.Length);                 // é is two bytes: 64 of them fill 128
        Assert.False(char.IsHighSurrogate(a.Term![^1]));     // never half an emoji
    }

    [Fact]
    public void CampaignOf_PrefersTheEventsOwnCampaign_ElseThePageUrls()
    {
        var sent = new CampaignContext { Source = "partner", Medium = "affiliate" };
        var tagged = new TrackedEvent
        {
            Schema = "com.ecommerceagents/page_view/1-0-0", EventId = "e-1",
            Context = new EventContext { Page = new PageContext { Url = "https://shop.example.com/?utm_source=google&utm_medium=cpc" } },
            Data = new EventData(),
        };

        Assert.Equal("google", TrafficSources.CampaignOf(tagged)!.Source);
        Assert.Same(sent, TrafficSources.CampaignOf(tagged with { Context = tagged.Context! with { Campaign = sent } }));
        Assert.Equal("google", TrafficSources.CampaignOf(tagged with { Context = tagged.Context! with { Campaign = new CampaignContext() } })!.Source);
        Assert.Equal("google", TrafficSources.CampaignOf(tagged with { Context = null, Data = new EventData { Url = "https://shop.example.com/?utm_source=google" } })!.Source);
    }

    [Theory]
    [InlineData(null, new string[0])]
    [InlineData(" ", new string[0])]
    [InlineData("Shop.Example.com, .checkout.example. ,,", new[] { "shop.example.com", "checkout.example" })]
    public void ParseDomains_TrimsAndLowerCases(string? text, string[] expected) =>
        Assert.Equal(expected, TrafficSources.ParseDomains(text));
}
