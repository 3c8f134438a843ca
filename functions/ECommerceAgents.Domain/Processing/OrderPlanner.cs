using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Orders;

namespace ECommerceAgents.Domain.Processing;

/// <summary>Moves each order through its lifecycle (<see cref="OrderStateMachine"/>); bot traffic moves no order.</summary>
internal static class OrderPlanner
{
    public static void Plan(ValidEvent[] ordered, PlannedEvent[] planned, StateSnapshot state, List<PlannedWrite<OrderRecord>> writes) =>
        WatermarkedGroups.Plan(ordered, new Run(planned, state), writes);

    private sealed class Run(PlannedEvent[] planned, StateSnapshot state) : IWatermarkedEntity<OrderRecord>
    {
        public string? KeyOf(int slot)
        {
            var w = planned[slot];
            return !w.Bot && (EventTypes.IsOrderLifecycle(w.Type) || w.Type == EventTypes.Purchase) ? w.Event.Data.OrderId : null;
        }

        public OrderRecord Load(string key) => state.Orders.TryGetValue(key, out var existing) ? existing : new OrderRecord { OrderId = key };

        public void Apply(OrderRecord order, int slot)
        {
            var w = planned[slot];
            OrderStateMachine.Apply(order, w.Event, w.Type);
            order.UserId ??= w.ResolvedUser;
        }
    }
}
