using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Orders;

/// <summary>
/// An order's state follows event time: the newest event (by event time, then by lifecycle rank) sets the state. A
/// late, earlier event is recorded in the history and its amounts count, but it never moves the state backwards.
/// </summary>
internal static class OrderStateMachine
{
    private static readonly Dictionary<string, int> Rank = new(StringComparer.Ordinal)
    {
        [EventTypes.OrderPlaced] = 1,
        [EventTypes.Purchase] = 1,
        [EventTypes.OrderPaid] = 2,
        [EventTypes.OrderShipped] = 3,
        [EventTypes.OrderDelivered] = 4,
        [EventTypes.OrderCancelled] = 5,
        [EventTypes.OrderRefunded] = 6,
    };

    public static string StateOf(string type) => type switch
    {
        EventTypes.OrderPlaced or EventTypes.Purchase => "placed",
        EventTypes.OrderPaid => "paid",
        EventTypes.OrderShipped => "shipped",
        EventTypes.OrderDelivered => "delivered",
        EventTypes.OrderCancelled => "cancelled",
        EventTypes.OrderRefunded => "refunded",
        _ => throw new ArgumentException($"'{type}' is not an order event", nameof(type)),
    };

    /// <summary>Applies one event; returns true when it moved the state.</summary>
    public static bool Apply(OrderRecord order, TrackedEvent e, string type)
    {
        if (order.History.Any(h => h.EventId == e.EventId)) return false;
        var data = e.Data;
        switch (type)
        {
            case EventTypes.OrderPlaced or EventTypes.Purchase:
                order.UserId ??= e.UserId;
                order.OrderDate ??= e.EventTime.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
                if (data.Total is { } total) order.Total = total;
                order.Currency ??= data.Currency;
                if (data.Items is { Count: > 0 } items && order.Items.Count == 0) order.Items = [.. items];
                break;
            case EventTypes.OrderPaid:
                order.Paid += data.Amount ?? 0;
                order.Currency ??= data.Currency;
                break;
            case EventTypes.OrderRefunded:
                order.Refunded += data.Amount ?? 0;
                break;
        }

        order.UserId ??= e.UserId;
        var moves = order.History.Count == 0 || IsNewer(e.EventTime, type, order.StateTime, order.State);
        if (moves)
        {
            order.State = StateOf(type);
            order.StateTime = e.EventTime;
        }

        order.History.Add(new OrderHistoryEntry(type, e.EventTime, e.EventId, moves));
        order.History.Sort((a, b) => a.EventTime != b.EventTime ? a.EventTime.CompareTo(b.EventTime) : Rank[a.Type].CompareTo(Rank[b.Type]));
        return moves;
    }

    private static bool IsNewer(DateTimeOffset time, string type, DateTimeOffset stateTime, string state)
    {
        if (time != stateTime) return time > stateTime;
        var current = Rank.FirstOrDefault(r => StateOf(r.Key) == state).Value;
        return Rank[type] > current;
    }

    /// <summary>Net revenue of the order: what was paid (or the total when no payment event is known) less refunds.</summary>
    public static decimal NetRevenue(OrderRecord order) =>
        order.State == "cancelled" && order.Paid == 0 ? 0 : (order.Paid > 0 ? order.Paid : order.Total) - order.Refunded;
}
