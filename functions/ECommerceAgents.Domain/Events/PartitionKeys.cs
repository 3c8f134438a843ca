namespace ECommerceAgents.Domain.Events;

/// <summary>
/// Partition keys decide ordering on the stream: interactions by user (or anonymous id when there is no user),
/// order lifecycle events by order id, catalog changes by SKU, telemetry by device.
/// </summary>
public static class PartitionKeys
{
    public static string For(string type, string? userId, string? anonymousId, string? orderId, string? sku, string? deviceId, string eventId) => type switch
    {
        _ when EventTypes.IsOrderLifecycle(type) && orderId is not null => "order:" + orderId,
        EventTypes.ProductUpserted when sku is not null => "sku:" + sku,
        EventTypes.DeviceTelemetry when deviceId is not null => "device:" + deviceId,
        _ when userId is not null => "user:" + userId,
        _ when anonymousId is not null => "anon:" + anonymousId,
        _ => "event:" + eventId,
    };
}
