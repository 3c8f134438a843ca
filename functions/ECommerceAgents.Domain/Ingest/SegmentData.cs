using System.Globalization;
using System.Text.Json;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Ingest;

/// <summary>
/// The <c>data</c> of a mapped Segment message: Segment's properties (snake_case, e-commerce spec v2) renamed to the
/// fields of our type. Segment's documented defaults apply (currency USD, quantity 1); a sku is the product's
/// <c>sku</c>, else its <c>product_id</c>. What our type requires and the message lacks is left out, so the schema names
/// it when the envelope is validated.
/// </summary>
internal static class SegmentData
{
    private const string DefaultCurrency = "USD";

    public static void Write(Utf8JsonWriter w, string type, string? name, string call, JsonElement p, JsonElement context, string? groupId)
    {
        switch (type)
        {
            case EventTypes.Search:
                Text(w, "query", p, "query");
                break;
            case EventTypes.ProductListViewed:
                Text(w, "listId", p, "list_id");
                Text(w, "category", p, "category");
                Currency(w, p, always: false);
                if (Products(p) is { } listed)
                {
                    w.WriteNumber("itemCount", listed.Count);
                    Items(w, listed, quantity: false);
                }

                break;
            case EventTypes.ProductClicked or EventTypes.ProductView:
                Product(w, p);
                Text(w, "title", p, "name");
                if (type == EventTypes.ProductClicked) Text(w, "listId", p, "list_id");
                break;
            case EventTypes.AddToCart:
                Product(w, p);
                w.WriteNumber("quantity", Int(p, "quantity") ?? 1);
                break;
            case EventTypes.RemoveFromCart:
                SegmentMapping.Write(w, "sku", Sku(p));
                Text(w, "category", p, "category");
                w.WriteNumber("quantity", Int(p, "quantity") ?? 1);
                break;
            case EventTypes.CartViewed:
                Cart(w, p, "cartValue", always: false);
                break;
            case EventTypes.BeginCheckout:
                Cart(w, p, "cartValue", always: true);
                break;
            default:
                OrderOrCall(w, type, name, call, p, context, groupId);
                break;
        }

        if (type is EventTypes.CustomEvent or EventTypes.Group && p.ValueKind == JsonValueKind.Object) w.WriteString("properties", p.GetRawText());
    }

    /// <summary>The order events' data, and that of the calls that are not e-commerce events (page, screen, identify, group, custom).</summary>
    private static void OrderOrCall(Utf8JsonWriter w, string type, string? name, string call, JsonElement p, JsonElement context, string? groupId)
    {
        switch (type)
        {
            case EventTypes.Purchase:
                Text(w, "orderId", p, "order_id");
                Money(w, "total", Number(p, "total") ?? Number(p, "revenue") ?? Number(p, "value") ?? Sum(Products(p)));
                Currency(w, p, always: true);
                if (Products(p) is { } bought) Items(w, bought, quantity: true);
                break;
            case EventTypes.OrderRefunded:
                Text(w, "orderId", p, "order_id");
                Money(w, "amount", Number(p, "total") ?? Number(p, "value") ?? Number(p, "revenue") ?? Sum(Products(p)));
                Currency(w, p, always: true);
                Text(w, "reason", p, "reason");
                break;
            case EventTypes.OrderCancelled:
                Text(w, "orderId", p, "order_id");
                Text(w, "reason", p, "reason");
                break;
            case EventTypes.PageView:
                SegmentMapping.Write(w, "url", SegmentMapping.Text(p, "url") ?? SegmentMapping.Text(SegmentMapping.Object(context, "page"), "url"));
                SegmentMapping.Write(w, "referrer", SegmentMapping.Text(p, "referrer") ?? SegmentMapping.Text(SegmentMapping.Object(context, "page"), "referrer"));
                SegmentMapping.Write(w, "title", SegmentMapping.Text(p, "title") ?? name);
                break;
            case EventTypes.ScreenView:
                SegmentMapping.Write(w, "name", name ?? SegmentMapping.Text(p, "name"));
                break;
            case EventTypes.Identify:
                w.WriteString("method", call == "alias" ? "alias" : "identify");
                break;
            case EventTypes.Group:
                SegmentMapping.Write(w, "groupId", groupId);
                break;
            case EventTypes.CustomEvent:
                SegmentMapping.Write(w, "name", name);
                Text(w, "orderId", p, "order_id");
                SegmentMapping.Write(w, "sku", Sku(p));
                break;
        }
    }

    private static void Product(Utf8JsonWriter w, JsonElement p)
    {
        SegmentMapping.Write(w, "sku", Sku(p));
        Text(w, "category", p, "category");
        Text(w, "brand", p, "brand");
        Money(w, "price", Number(p, "price"));
        Currency(w, p, always: true);
    }

    /// <summary>A cart (Cart Viewed, Checkout Started): its value (Segment's value, else revenue, else the products' sum), currency and item count.</summary>
    private static void Cart(Utf8JsonWriter w, JsonElement p, string valueName, bool always)
    {
        var products = Products(p);
        Money(w, valueName, Number(p, "value") ?? Number(p, "revenue") ?? Number(p, "total") ?? Sum(products));
        Currency(w, p, always);
        if (products is not null) w.WriteNumber("itemCount", products.Sum(x => Int(x, "quantity") ?? 1));
        if (products is not null && !always) Items(w, products, quantity: true);
    }

    private static void Items(Utf8JsonWriter w, IReadOnlyList<JsonElement> products, bool quantity)
    {
        if (products.Count == 0) return;
        w.WriteStartArray("items");
        foreach (var product in products)
        {
            w.WriteStartObject();
            SegmentMapping.Write(w, "sku", Sku(product));
            if (quantity) w.WriteNumber("quantity", Int(product, "quantity") ?? 1);
            Money(w, "price", Number(product, "price"));
            Text(w, "category", product, "category");
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static IReadOnlyList<JsonElement>? Products(JsonElement p) =>
        p.ValueKind == JsonValueKind.Object && p.TryGetProperty("products", out var a) && a.ValueKind == JsonValueKind.Array ? [.. a.EnumerateArray()] : null;

    /// <summary>The products' price × quantity, when every product has a price.</summary>
    private static decimal? Sum(IReadOnlyList<JsonElement>? products) =>
        products is { Count: > 0 } && products.All(x => Number(x, "price") is not null) ? products.Sum(x => Number(x, "price")!.Value * (Int(x, "quantity") ?? 1)) : null;

    private static string? Sku(JsonElement p) => SegmentMapping.Text(p, "sku") ?? SegmentMapping.Text(p, "product_id");

    private static void Currency(Utf8JsonWriter w, JsonElement p, bool always)
    {
        var currency = SegmentMapping.Text(p, "currency")?.ToUpperInvariant();
        if (currency is not null || always) w.WriteString("currency", currency ?? DefaultCurrency);
    }

    private static void Text(Utf8JsonWriter w, string name, JsonElement p, string segmentName) => SegmentMapping.Write(w, name, SegmentMapping.Text(p, segmentName));

    private static void Money(Utf8JsonWriter w, string name, decimal? value)
    {
        if (value is { } v) w.WriteNumber(name, v);
    }

    /// <summary>A number, or a string holding one (some sources quote their prices).</summary>
    private static decimal? Number(JsonElement p, string name) =>
        SegmentMapping.Text(p, name) is { } text && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null;

    private static int? Int(JsonElement p, string name) => Number(p, name) is { } d && d == decimal.Truncate(d) && d is >= int.MinValue and <= int.MaxValue ? (int)d : null;
}
