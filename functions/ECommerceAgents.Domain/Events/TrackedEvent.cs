using System.Text.Json;
using System.Text.Json.Serialization;

namespace ECommerceAgents.Domain.Events;

/// <summary>
/// An event as producers send it. <see cref="Data"/> carries the fields of every type; the schema named in
/// <see cref="Schema"/> says which of them this event must and may have.
/// </summary>
public sealed record TrackedEvent
{
    public required string Schema { get; init; }

    public required string EventId { get; init; }

    public DateTimeOffset EventTime { get; init; }

    public string? UserId { get; init; }

    public string? AnonymousId { get; init; }

    public EventContext? Context { get; init; }

    public required EventData Data { get; init; }

    public EventLineage? Lineage { get; init; }
}

public sealed record EventContext
{
    public string? UserAgent { get; init; }

    /// <summary>Raw IP: PII, sealed at the door (x-personal); opened only inside StreamProcessor, which writes it on truncated to /24 or /48.</summary>
    public string? Ip { get; init; }

    public string? Locale { get; init; }

    /// <summary>PII: sealed at the door; pseudonymised with a keyed hash before the event leaves StreamProcessor.</summary>
    public string? DeviceId { get; init; }

    /// <summary>PII: sealed at the door; pseudonymised with a keyed hash before the event leaves StreamProcessor.</summary>
    public string? Email { get; init; }

    public PageContext? Page { get; init; }

    public CampaignContext? Campaign { get; init; }
}

public sealed record PageContext
{
    public string? Url { get; init; }

    public string? Referrer { get; init; }
}

public sealed record CampaignContext
{
    public string? Source { get; init; }

    public string? Medium { get; init; }

    public string? Name { get; init; }

    /// <summary>The paid keyword (<c>utm_term</c>).</summary>
    public string? Term { get; init; }

    /// <summary>What was clicked, to tell ads or links of one campaign apart (<c>utm_content</c>).</summary>
    public string? Content { get; init; }
}

/// <summary>The union of all types' fields; the type's schema decides which are present.</summary>
public sealed record EventData
{
    public string? Url { get; init; }

    public string? Referrer { get; init; }

    public string? Title { get; init; }

    public string? Sku { get; init; }

    public string? Category { get; init; }

    public string? Brand { get; init; }

    public decimal? Price { get; init; }

    public string? Currency { get; init; }

    public int? Quantity { get; init; }

    public string? Query { get; init; }

    public int? ResultsCount { get; init; }

    public decimal? CartValue { get; init; }

    public int? ItemCount { get; init; }

    public string? OrderId { get; init; }

    public decimal? Total { get; init; }

    public decimal? Amount { get; init; }

    public IReadOnlyList<OrderLine>? Items { get; init; }

    public string? Method { get; init; }

    public string? Channel { get; init; }

    public string? PaymentMethod { get; init; }

    public string? Carrier { get; init; }

    public string? TrackingNumber { get; init; }

    public string? Reason { get; init; }

    public long? Stock { get; init; }

    public long? StockDelta { get; init; }

    public string? Metric { get; init; }

    public double? Value { get; init; }

    public string? Unit { get; init; }

    /// <summary>The list a product was shown in or clicked from (product_list_viewed, product_clicked).</summary>
    public string? ListId { get; init; }

    /// <summary>A screen's or a custom event's name.</summary>
    public string? Name { get; init; }

    public string? GroupId { get; init; }

    /// <summary>A custom event's properties or a group's traits, as JSON text (free text: masked before it leaves StreamProcessor).</summary>
    public string? Properties { get; init; }
}

public sealed record OrderLine
{
    public required string Sku { get; init; }

    public int Quantity { get; init; }

    public decimal Price { get; init; }

    public string? Category { get; init; }
}

/// <summary>Where the event came from, as recorded at ingest.</summary>
public sealed record EventLineage
{
    public string? Source { get; init; }

    public DateTimeOffset? IngestTime { get; init; }

    /// <summary>W3C trace context from the API request.</summary>
    public string? Traceparent { get; init; }

    public string? RequestId { get; init; }

    public string? WebhookSource { get; init; }

    /// <summary>The request carried <c>Sec-GPC: 1</c> (Global Privacy Control): an opt-out of sale/share for the event's subject.</summary>
    public bool? Gpc { get; init; }
}

/// <summary>Source-generated JSON for events as producers send them (Web defaults: camelCase).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNameCaseInsensitive = false, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(TrackedEvent))]
internal sealed partial class TrackedEventJsonContext : JsonSerializerContext;
