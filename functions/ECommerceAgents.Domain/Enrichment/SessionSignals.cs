using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Enrichment;

/// <summary>
/// What a session's events say about the shopper: counters, intent (browsing, researching, purchase intent, at risk
/// of abandoning the cart) and an engagement score from 0 to 100.
/// </summary>
internal static class SessionSignals
{
    /// <summary>A cart untouched this long while the shopper is still active is at risk.</summary>
    public static readonly TimeSpan CartIdle = TimeSpan.FromMinutes(15);

    public static void Count(SessionCounters c, string type, EventData data, DateTimeOffset time)
    {
        c.Events++;
        switch (type)
        {
            case EventTypes.PageView:
                c.PageViews++;
                break;
            case EventTypes.ProductView:
                c.ProductViews++;
                if (data.Category is { } category)
                {
                    c.CategoryViews[category] = c.CategoryViews.GetValueOrDefault(category) + 1;
                    if (c.CategoryViews.Count > 10)
                    {
                        c.CategoryViews.Remove(c.CategoryViews.MinBy(kv => kv.Value).Key);
                    }
                }

                break;
            case EventTypes.Search:
                c.Searches++;
                break;
            case EventTypes.AddToCart:
                c.CartAdds++;
                c.CartItems += data.Quantity ?? 1;
                c.LastCartActivity = Max(c.LastCartActivity, time);
                break;
            case EventTypes.RemoveFromCart:
                c.CartRemoves++;
                c.CartItems = Math.Max(0, c.CartItems - (data.Quantity ?? 1));
                c.LastCartActivity = Max(c.LastCartActivity, time);
                break;
            case EventTypes.BeginCheckout:
                c.Checkouts++;
                c.LastCartActivity = Max(c.LastCartActivity, time);
                break;
            case EventTypes.Purchase:
                c.Purchases++;
                c.Revenue += data.Total ?? 0;
                c.CartItems = 0;
                c.LastCartActivity = Max(c.LastCartActivity, time);
                break;
        }
    }

    /// <summary>
    /// Rules, in order: a cart left idle (or emptied by removals) while the shopper goes on browsing is at risk; a
    /// non-empty cart or a started checkout is purchase intent; repeated searching or comparing within a category is
    /// researching; anything else is browsing.
    /// </summary>
    public static string Intent(SessionCounters c, DateTimeOffset now)
    {
        if (c.CartItems > 0)
        {
            var idle = c.LastCartActivity is { } last ? now - last : TimeSpan.Zero;
            if (idle >= CartIdle || c.CartRemoves >= 2) return Intents.AtRiskOfAbandoningCart;
            return Intents.PurchaseIntent;
        }

        if (c.Checkouts > 0 && c.Purchases == 0) return Intents.AtRiskOfAbandoningCart;
        if (c.Searches >= 2 || c.CategoryViews.Values.DefaultIfEmpty(0).Max() >= 3) return Intents.Researching;
        return Intents.Browsing;
    }

    /// <summary>
    /// Saturating score: deeper actions weigh more (view 1, search 1.5, cart 4, checkout 6, purchase 10, plus 0.3 a
    /// minute of session), mapped to 0–100 by 100·(1 − e^(−points/25)).
    /// </summary>
    public static double Engagement(SessionCounters c, TimeSpan duration)
    {
        var points = c.PageViews + c.ProductViews + 1.5 * c.Searches + 4 * c.CartAdds + 6 * c.Checkouts + 10 * c.Purchases
            + 0.3 * Math.Min(duration.TotalMinutes, 120);
        return Math.Round(100 * (1 - Math.Exp(-points / 25)), 2);
    }

    private static DateTimeOffset Max(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;
}
