using System.Text.Json;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Batch;

/// <summary>
/// One row of the processed zone (<c>events/type=/dt=/hr=/part-00000.parquet</c>) and of the warehouse's staging table.
/// The parameters are grouped by meaning; the column order is the Parquet schema's (<c>EventParquet.EventsSchema</c>:
/// the Glue table <c>processed_events</c>'s fifteen columns first), which Redshift's COPY maps by position.
/// </summary>
/// <param name="Properties">The event's data as JSON.</param>
/// <param name="Lineage">The lineage as JSON.</param>
/// <param name="ReceivedAt">When the stream received it (lineage arrival time).</param>
/// <param name="Revenue">
/// The money the event carries, in <paramref name="Currency"/>: the order total (purchase, order_placed), the amount
/// (order_paid, order_refunded: positive, the type says which way it moves), price × quantity (cart events).
/// </param>
/// <param name="Attribution">The event's session's attribution (<c>enrichment.attribution</c>): the <c>session_*</c> columns.</param>
public sealed record ProcessedEvent(
    string EventId, string Schema, string EventType, string Properties, string Lineage,
    DateTime OccurredAt = default, DateTime ReceivedAt = default, DateTime? IngestedAt = null, DateTime ProcessedAt = default,
    string? UserId = null, string? AnonymousId = null, string? SessionId = null, string? ResolvedUserId = null,
    string? Sku = null, string? Category = null, string? Brand = null, decimal? Price = null, int? Quantity = null,
    string? OrderId = null, decimal? Revenue = null, string? Currency = null,
    string? SearchQuery = null, string? Intent = null, double? Engagement = null, string? Consent = null, string? DeviceType = null,
    Processing.SessionAttribution? Attribution = null)
{
    /// <summary>The user the row belongs to for analytics: the resolved id, else the sent one.</summary>
    public string? Subject => ResolvedUserId ?? UserId;

    internal static ProcessedEvent From(EnrichedEvent e)
    {
        var d = e.Data;
        decimal? revenue = e.Type switch
        {
            EventTypes.Purchase or EventTypes.OrderPlaced => d.Total,
            EventTypes.OrderPaid or EventTypes.OrderRefunded => d.Amount,
            EventTypes.AddToCart or EventTypes.RemoveFromCart when d.Price is { } p => p * (d.Quantity ?? 1),
            EventTypes.BeginCheckout => d.CartValue,
            _ => null,
        };
        return new ProcessedEvent(
            e.EventId, e.Schema, e.Type, JsonSerializer.Serialize(d, EnrichedEventJsonContext.Default.EventData), JsonSerializer.Serialize(e.Lineage, EnrichedEventJsonContext.Default.Lineage),
            OccurredAt: e.EventTime.UtcDateTime, ReceivedAt: e.Lineage.ArrivalTime.UtcDateTime, IngestedAt: e.Lineage.IngestTime?.UtcDateTime, ProcessedAt: e.Lineage.ProcessingTime.UtcDateTime,
            UserId: e.UserId, AnonymousId: e.AnonymousId, SessionId: e.SessionId, ResolvedUserId: e.ResolvedUserId,
            Sku: e.Sku ?? d.Sku, Category: d.Category, Brand: d.Brand, Price: d.Price is { } price ? decimal.Round(price, 4) : null, Quantity: d.Quantity,
            OrderId: e.OrderId ?? d.OrderId, Revenue: revenue is { } r ? decimal.Round(r, 4) : null, Currency: d.Currency,
            SearchQuery: d.Query, Intent: e.Enrichment.Intent, Engagement: e.Enrichment.Engagement, Consent: e.Enrichment.Consent, DeviceType: e.Context.DeviceType,
            Attribution: e.Enrichment.Attribution);
    }

    /// <summary>The order lines an order event carries (purchase and order_placed), one row each.</summary>
    internal static IEnumerable<OrderLineRow> LinesOf(EnrichedEvent e)
    {
        if (e.Type is not (EventTypes.Purchase or EventTypes.OrderPlaced) || e.Data.Items is not { Count: > 0 } items) yield break;
        var orderId = e.OrderId ?? e.Data.OrderId;
        if (orderId is null) yield break;
        for (var i = 0; i < items.Count; i++)
        {
            var line = items[i];
            yield return new OrderLineRow
            {
                EventId = e.EventId,
                OrderId = orderId,
                LineNo = i + 1,
                Sku = line.Sku,
                Quantity = line.Quantity,
                Price = decimal.Round(line.Price, 4),
                Category = line.Category,
                Currency = e.Data.Currency,
                OccurredAt = e.EventTime.UtcDateTime,
            };
        }
    }
}

/// <summary>One order line (<c>order-lines/type=/dt=/hr=/part-00000.parquet</c>), keyed by event id and line number.</summary>
public sealed record OrderLineRow
{
    public required string EventId { get; init; }

    public required string OrderId { get; init; }

    public int LineNo { get; init; }

    public required string Sku { get; init; }

    public int Quantity { get; init; }

    public decimal Price { get; init; }

    public string? Category { get; init; }

    public string? Currency { get; init; }

    public DateTime OccurredAt { get; init; }
}
