using System.Text.Json;
using System.Text.Json.Serialization;

namespace ECommerceAgents.Domain.Events;

/// <summary>
/// An event after StreamProcessor: valid, pseudonymised (no raw e-mail, device id or full IP), enriched and with its
/// lineage. This is what the enriched zone, the processed zone and the warehouse hold.
/// </summary>
/// <param name="ResolvedUserId">The user id, also for anonymous events of a shopper who has identified.</param>
internal sealed record EnrichedEvent(
    [property: JsonRequired] string EventId,
    [property: JsonRequired] string Schema,
    [property: JsonRequired] string Type,
    [property: JsonRequired] EnrichedContext Context,
    [property: JsonRequired] EventData Data,
    [property: JsonRequired] EventEnrichment Enrichment,
    [property: JsonRequired] Lineage Lineage,
    [property: JsonRequired] PartitionInfo Partition,
    DateTimeOffset EventTime = default,
    string? UserId = null, string? AnonymousId = null, string? ResolvedUserId = null, string? SessionId = null,
    string? OrderId = null, string? Sku = null);

internal sealed record EnrichedContext
{
    public string? DeviceType { get; init; }

    public string? Browser { get; init; }

    public string? Os { get; init; }

    public string? IpPrefix { get; init; }

    public string? Locale { get; init; }

    public string? DeviceIdHash { get; init; }

    public string? EmailHash { get; init; }

    public PageContext? Page { get; init; }

    public CampaignContext? Campaign { get; init; }
}

internal sealed record EventEnrichment
{
    public string? Intent { get; init; }

    public double? Engagement { get; init; }

    public bool Bot { get; init; }

    public string? BotReason { get; init; }

    public string? PriceBand { get; init; }

    /// <summary>
    /// <c>full</c>, or what the subject denied, comma separated: <c>pseudonymous</c> (analytics) or <c>aggregate_only</c>
    /// (personalisation), <c>no_mktg</c> (marketing), <c>no_sale</c> (sale/share).
    /// </summary>
    public string Consent { get; init; } = "full";

    /// <summary>The session's attribution (interactions, once an event of the session said where it came from).</summary>
    public Processing.SessionAttribution? Attribution { get; init; }
}

internal sealed record Lineage
{
    public string? Source { get; init; }

    public DateTimeOffset? IngestTime { get; init; }

    public DateTimeOffset ArrivalTime { get; init; }

    public DateTimeOffset ProcessingTime { get; init; }

    public required string PipelineVersion { get; init; }

    public required IReadOnlyList<string> Steps { get; init; }

    public string? ShardId { get; init; }

    public string? SequenceNumber { get; init; }

    /// <summary>The event's place in its Kinesis record when the record carries several events (absent for the first).</summary>
    public int? SubSequenceNumber { get; init; }

    public string? Traceparent { get; init; }

    public string? RequestId { get; init; }
}

/// <summary>Where the event lands in the zones: <c>zone</c> is <c>events</c> or <c>bots</c>; dt and hr are the event time's.</summary>
internal sealed record PartitionInfo(string Zone, string Type, string Dt, string Hr);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(EnrichedEvent))]
internal sealed partial class EnrichedEventJsonContext : JsonSerializerContext;
