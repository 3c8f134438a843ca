using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Tests.Events;

public sealed class PartitionKeysTests
{
    [Theory]
    [InlineData(EventTypes.OrderPlaced)]
    [InlineData(EventTypes.OrderPaid)]
    [InlineData(EventTypes.OrderShipped)]
    [InlineData(EventTypes.OrderRefunded)]
    public void OrderLifecycle_SharesThePurchasesShard(string type)
    {
        var purchase = PartitionKeys.For(EventTypes.Purchase, "u-1", "a-1", "o-1", null, null, "e-1");

        Assert.Equal(purchase, PartitionKeys.For(type, "u-1", "a-1", "o-1", null, null, "e-2"));
    }

    [Fact]
    public void GuestOrder_FollowsTheAnonymousShopper()
    {
        var purchase = PartitionKeys.For(EventTypes.Purchase, null, "a-1", "o-1", null, null, "e-1");

        Assert.Equal(purchase, PartitionKeys.For(EventTypes.OrderShipped, null, "a-1", "o-1", null, null, "e-2"));
    }

    [Fact]
    public void LifecycleWithoutShopper_KeepsItsOrdersEventsTogether()
    {
        var placed = PartitionKeys.For(EventTypes.OrderPlaced, null, null, "o-1", null, null, "e-1");

        Assert.Equal(placed, PartitionKeys.For(EventTypes.OrderDelivered, null, null, "o-1", null, null, "e-2"));
        Assert.NotEqual(placed, PartitionKeys.For(EventTypes.OrderDelivered, null, null, "o-2", null, null, "e-2"));
    }
}
