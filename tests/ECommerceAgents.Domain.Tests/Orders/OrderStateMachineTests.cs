using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Orders;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Tests.Builders;

namespace ECommerceAgents.Domain.Tests.Orders;

public sealed class OrderStateMachineTests
{
    private static bool Apply(OrderRecord order, string type, double minute, decimal? amount = null) =>
        OrderStateMachine.Apply(order, EventBuilder.Order(type, order.OrderId, amount).AtMinute(minute).Build(), type);

    [Fact]
    public void Lifecycle_InOrder_StateFollowsEachEvent()
    {
        var order = new OrderRecord { OrderId = "o-1" };

        Apply(order, EventTypes.OrderPlaced, 0, 100m);
        Apply(order, EventTypes.OrderPaid, 1, 100m);
        Apply(order, EventTypes.OrderShipped, 60);
        Apply(order, EventTypes.OrderDelivered, 120);

        Assert.Equal("delivered", order.State);
        Assert.Equal(4, order.History.Count);
        Assert.Equal(100m, OrderStateMachine.NetRevenue(order));
        Assert.Equal("2026-11-23", order.OrderDate);
    }

    [Fact]
    public void LateEarlierEvent_RecordedButStateNotMovedBack()
    {
        var order = new OrderRecord { OrderId = "o-1" };
        Apply(order, EventTypes.OrderPlaced, 0, 100m);
        Apply(order, EventTypes.OrderShipped, 60);

        var moved = Apply(order, EventTypes.OrderPaid, 1, 100m);

        Assert.False(moved);
        Assert.Equal("shipped", order.State);
        Assert.Equal([EventTypes.OrderPlaced, EventTypes.OrderPaid, EventTypes.OrderShipped], order.History.Select(h => h.Type));
        Assert.Equal(100m, order.Paid);
    }

    [Fact]
    public void Refund_NetsOutOfRevenue_CancelledUnpaid_CountsNothing()
    {
        var refunded = new OrderRecord { OrderId = "o-1" };
        Apply(refunded, EventTypes.OrderPlaced, 0, 80m);
        Apply(refunded, EventTypes.OrderPaid, 1, 80m);
        Apply(refunded, EventTypes.OrderRefunded, 90, 30m);
        var cancelled = new OrderRecord { OrderId = "o-2" };
        Apply(cancelled, EventTypes.OrderPlaced, 0, 50m);
        Apply(cancelled, EventTypes.OrderCancelled, 5);

        Assert.Equal(("refunded", 50m), (refunded.State, OrderStateMachine.NetRevenue(refunded)));
        Assert.Equal(("cancelled", 0m), (cancelled.State, OrderStateMachine.NetRevenue(cancelled)));
    }

    [Fact]
    public void SameEventTwice_AppliedOnce()
    {
        var order = new OrderRecord { OrderId = "o-1" };
        var paid = EventBuilder.Order(EventTypes.OrderPaid, "o-1", 40m).AtMinute(1).Build();

        OrderStateMachine.Apply(order, paid, EventTypes.OrderPaid);
        OrderStateMachine.Apply(order, paid, EventTypes.OrderPaid);

        Assert.Equal(40m, order.Paid);
        Assert.Single(order.History);
    }
}
