namespace ECommerceAgents.Domain.Events;

/// <summary>The event types the platform knows, and the family each belongs to.</summary>
public static class EventTypes
{
    public const string PageView = "page_view";
    public const string ProductView = "product_view";
    public const string Search = "search";
    public const string AddToCart = "add_to_cart";
    public const string RemoveFromCart = "remove_from_cart";
    public const string BeginCheckout = "begin_checkout";
    public const string Purchase = "purchase";
    public const string Identify = "identify";
    public const string OrderPlaced = "order_placed";
    public const string OrderPaid = "order_paid";
    public const string OrderShipped = "order_shipped";
    public const string OrderDelivered = "order_delivered";
    public const string OrderCancelled = "order_cancelled";
    public const string OrderRefunded = "order_refunded";
    public const string ProductUpserted = "product_upserted";
    public const string DeviceTelemetry = "device_telemetry";
    public const string ProductListViewed = "product_list_viewed";
    public const string ProductClicked = "product_clicked";
    public const string CartViewed = "cart_viewed";
    public const string ScreenView = "screen_view";
    public const string Group = "group";

    /// <summary>A Segment source's <c>track</c> whose name no platform type describes (our own envelope still quarantines unknown schemas).</summary>
    public const string CustomEvent = "custom_event";

    public static readonly IReadOnlyList<string> Interactions = [PageView, ProductView, Search, AddToCart, RemoveFromCart, BeginCheckout, Purchase, Identify, ProductListViewed, ProductClicked, CartViewed, ScreenView, CustomEvent];

    public static readonly IReadOnlyList<string> OrderLifecycle = [OrderPlaced, OrderPaid, OrderShipped, OrderDelivered, OrderCancelled, OrderRefunded];

    public static readonly IReadOnlyList<string> All = [.. Interactions, .. OrderLifecycle, ProductUpserted, DeviceTelemetry, Group];

    public static bool IsInteraction(string type) => Interactions.Contains(type);

    public static bool IsOrderLifecycle(string type) => OrderLifecycle.Contains(type);
}
