using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Tests.Builders;

namespace ECommerceAgents.Domain.Tests.Enrichment;

public sealed class SessionSignalsTests
{
    private static SessionCounters Play(params (string Type, double Minute, EventData? Data)[] events)
    {
        var c = new SessionCounters();
        foreach (var (type, minute, data) in events)
        {
            SessionSignals.Count(c, type, data ?? new EventData { Category = "electronics", Quantity = 1, Total = 10m }, EventBuilder.Now.AddMinutes(minute));
        }

        return c;
    }

    [Fact]
    public void Intent_FewViews_Browsing()
    {
        var c = Play((EventTypes.PageView, 0, null), (EventTypes.ProductView, 1, null));

        Assert.Equal(Intents.Browsing, SessionSignals.Intent(c, EventBuilder.Now.AddMinutes(1)));
    }

    [Fact]
    public void Intent_SearchesAndComparisons_Researching()
    {
        var c = Play((EventTypes.Search, 0, null), (EventTypes.Search, 1, null), (EventTypes.ProductView, 2, null));

        Assert.Equal(Intents.Researching, SessionSignals.Intent(c, EventBuilder.Now.AddMinutes(2)));
    }

    [Fact]
    public void Intent_FreshCart_PurchaseIntent_IdleCart_AtRisk()
    {
        var c = Play((EventTypes.AddToCart, 0, null));

        Assert.Equal(Intents.PurchaseIntent, SessionSignals.Intent(c, EventBuilder.Now.AddMinutes(2)));
        Assert.Equal(Intents.AtRiskOfAbandoningCart, SessionSignals.Intent(c, EventBuilder.Now.AddMinutes(20)));
    }

    [Fact]
    public void Intent_CheckoutWithoutPurchase_AtRisk_AfterPurchase_Browsing()
    {
        var checkout = Play((EventTypes.AddToCart, 0, null), (EventTypes.RemoveFromCart, 1, null), (EventTypes.BeginCheckout, 2, null));
        var bought = Play((EventTypes.AddToCart, 0, null), (EventTypes.BeginCheckout, 1, null), (EventTypes.Purchase, 2, null));

        Assert.Equal(Intents.AtRiskOfAbandoningCart, SessionSignals.Intent(checkout, EventBuilder.Now.AddMinutes(3)));
        Assert.Equal(Intents.Browsing, SessionSignals.Intent(bought, EventBuilder.Now.AddMinutes(3)));
    }

    [Fact]
    public void Engagement_DeeperActionsScoreHigher_AndStaysWithinZeroToHundred()
    {
        var light = SessionSignals.Engagement(Play((EventTypes.PageView, 0, null)), TimeSpan.FromMinutes(1));
        var deep = SessionSignals.Engagement(Play((EventTypes.ProductView, 0, null), (EventTypes.AddToCart, 1, null), (EventTypes.Purchase, 2, null)), TimeSpan.FromMinutes(5));
        var extreme = SessionSignals.Engagement(Play(Enumerable.Range(0, 500).Select(i => (EventTypes.Purchase, (double)i, (EventData?)null)).ToArray()), TimeSpan.FromHours(10));

        Assert.InRange(light, 0, 10);
        Assert.True(deep > light * 5);
        Assert.InRange(extreme, 99, 100);
    }
}
