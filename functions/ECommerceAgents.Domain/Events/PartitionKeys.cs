namespace ECommerceAgents.Domain.Events;

/// <summary>
/// Partition keys decide ordering on the stream: interactions by user (or anonymous id when there is no user), catalog
/// changes by SKU, telemetry by device. Order lifecycle events follow their shopper too, so they land on the shard of
/// the purchase that created the order: keyed by order id, the two would update the same order (and profile) items
/// from two shards, and the loser of each conditional write would redeliver its whole micro-batch. Only a lifecycle
/// event that names no shopper is keyed by its order id.
/// </summary>
public static class PartitionKeys
{
    public static string For(string type, string? userId, string? anonymousId, string? orderId, string? sku, string? deviceId, string eventId) => type switch
    {
        EventTypes.ProductUpserted when sku is not null => "sku:" + sku,
        EventTypes.DeviceTelemetry when deviceId is not null => "device:" + deviceId,
        _ when userId is not null => "user:" + userId,
        _ when anonymousId is not null => "anon:" + anonymousId,
        _ when EventTypes.IsOrderLifecycle(type) && orderId is not null => "order:" + orderId,
        _ => "event:" + eventId,
    };
}
