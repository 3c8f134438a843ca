using System.Text.Json;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Batch;

/// <summary>
/// One row of the processed zone (<c>events/type=/dt=/hr=/part-00000.parquet</c>) and of the warehouse's staging table.
/// The first fifteen columns are, in order, the Glue table <c>processed_events</c>; the rest follow them. Redshift's
/// COPY of Parquet maps columns by position, so this order is the staging table's too.
/// </summary>
public sealed record ProcessedEvent
{
    public required string EventId { get; init; }

    public required string Schema { get; init; }

    public required string EventType { get; init; }

    public DateTime OccurredAt { get; init; }

    /// <summary>When the stream received it (lineage arrival time).</summary>
    public DateTime ReceivedAt { get; init; }

    public string? UserId { get; init; }

    public string? AnonymousId { get; init; }

    public string? SessionId { get; init; }

    public string? Sku { get; init; }

    public string? Category { get; init; }

    public string? OrderId { get; init; }

    /// <summary>
    /// The money the event carries, in <see cref="Currency"/>: the order total (purchase, order_placed), the amount
    /// (order_paid, order_refunded: positive, the type says which way it moves), price × quantity (cart events).
    /// </summary>
    public decimal? Revenue { get; init; }

    public string? Currency { get; init; }

    /// <summary>The event's data as JSON.</summary>
    public required string Properties { get; init; }

    /// <summary>The lineage as JSON.</summary>
    public required string Lineage { get; init; }

    public string? ResolvedUserId { get; init; }

    public string? Brand { get; init; }

    public decimal? Price { get; init; }

    public int? Quantity { get; init; }

    public string? SearchQuery { get; init; }

    public string? Intent { get; init; }

    public double? Engagement { get; init; }

    public string? Consent { get; init; }

    public string? DeviceType { get; init; }

    public DateTime? IngestedAt { get; init; }

    public DateTime ProcessedAt { get; init; }

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
        return new ProcessedEvent
        {
            EventId = e.EventId,
            Schema = e.Schema,
            EventType = e.Type,
            OccurredAt = e.EventTime.UtcDateTime,
            ReceivedAt = e.Lineage.ArrivalTime.UtcDateTime,
            UserId = e.UserId,
            AnonymousId = e.AnonymousId,
            SessionId = e.SessionId,
            Sku = e.Sku ?? d.Sku,
            Category = d.Category,
            OrderId = e.OrderId ?? d.OrderId,
            Revenue = revenue is { } r ? decimal.Round(r, 4) : null,
            Currency = d.Currency,
            Properties = JsonSerializer.Serialize(d, EnrichedEventJsonContext.Default.EventData),
            Lineage = JsonSerializer.Serialize(e.Lineage, EnrichedEventJsonContext.Default.Lineage),
            ResolvedUserId = e.ResolvedUserId,
            Brand = d.Brand,
            Price = d.Price is { } price ? decimal.Round(price, 4) : null,
            Quantity = d.Quantity,
            SearchQuery = d.Query,
            Intent = e.Enrichment.Intent,
            Engagement = e.Enrichment.Engagement,
            Consent = e.Enrichment.Consent,
            DeviceType = e.Context.DeviceType,
            IngestedAt = e.Lineage.IngestTime?.UtcDateTime,
            ProcessedAt = e.Lineage.ProcessingTime.UtcDateTime,
        };
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
