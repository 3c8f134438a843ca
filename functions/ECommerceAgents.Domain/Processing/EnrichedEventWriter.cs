using System.Buffers;
using System.Globalization;
using System.Text.Json;
using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// Writes enriched events straight to UTF-8 JSON in one reusable buffer: the same shape as <see cref="EnrichedEvent"/>
/// (which reads it back), without building the object graph per event. The slices it returns stay valid until
/// <see cref="Reset"/>, i.e. for one micro-batch. Not thread-safe.
/// </summary>
internal sealed class EnrichedEventWriter : IDisposable
{
    private static readonly JsonEncodedText EventId = JsonEncodedText.Encode("eventId");
    private static readonly JsonEncodedText Schema = JsonEncodedText.Encode("schema");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText EventTime = JsonEncodedText.Encode("eventTime");
    private static readonly JsonEncodedText UserId = JsonEncodedText.Encode("userId");
    private static readonly JsonEncodedText AnonymousId = JsonEncodedText.Encode("anonymousId");
    private static readonly JsonEncodedText ResolvedUserId = JsonEncodedText.Encode("resolvedUserId");
    private static readonly JsonEncodedText SessionId = JsonEncodedText.Encode("sessionId");
    private static readonly JsonEncodedText OrderId = JsonEncodedText.Encode("orderId");
    private static readonly JsonEncodedText Sku = JsonEncodedText.Encode("sku");
    private static readonly JsonEncodedText Context = JsonEncodedText.Encode("context");
    private static readonly JsonEncodedText DeviceType = JsonEncodedText.Encode("deviceType");
    private static readonly JsonEncodedText Browser = JsonEncodedText.Encode("browser");
    private static readonly JsonEncodedText Os = JsonEncodedText.Encode("os");
    private static readonly JsonEncodedText IpPrefix = JsonEncodedText.Encode("ipPrefix");
    private static readonly JsonEncodedText Locale = JsonEncodedText.Encode("locale");
    private static readonly JsonEncodedText DeviceIdHash = JsonEncodedText.Encode("deviceIdHash");
    private static readonly JsonEncodedText EmailHash = JsonEncodedText.Encode("emailHash");
    private static readonly JsonEncodedText Page = JsonEncodedText.Encode("page");
    private static readonly JsonEncodedText Campaign = JsonEncodedText.Encode("campaign");
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText Enrichment = JsonEncodedText.Encode("enrichment");
    private static readonly JsonEncodedText Intent = JsonEncodedText.Encode("intent");
    private static readonly JsonEncodedText Engagement = JsonEncodedText.Encode("engagement");
    private static readonly JsonEncodedText Bot = JsonEncodedText.Encode("bot");
    private static readonly JsonEncodedText BotReason = JsonEncodedText.Encode("botReason");
    private static readonly JsonEncodedText PriceBand = JsonEncodedText.Encode("priceBand");
    private static readonly JsonEncodedText Consent = JsonEncodedText.Encode("consent");
    private static readonly JsonEncodedText Lineage = JsonEncodedText.Encode("lineage");
    private static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
    private static readonly JsonEncodedText IngestTime = JsonEncodedText.Encode("ingestTime");
    private static readonly JsonEncodedText ArrivalTime = JsonEncodedText.Encode("arrivalTime");
    private static readonly JsonEncodedText ProcessingTime = JsonEncodedText.Encode("processingTime");
    private static readonly JsonEncodedText PipelineVersion = JsonEncodedText.Encode("pipelineVersion");
    private static readonly JsonEncodedText Steps = JsonEncodedText.Encode("steps");
    private static readonly JsonEncodedText ShardId = JsonEncodedText.Encode("shardId");
    private static readonly JsonEncodedText SequenceNumber = JsonEncodedText.Encode("sequenceNumber");
    private static readonly JsonEncodedText SubSequenceNumber = JsonEncodedText.Encode("subSequenceNumber");
    private static readonly JsonEncodedText Traceparent = JsonEncodedText.Encode("traceparent");
    private static readonly JsonEncodedText RequestId = JsonEncodedText.Encode("requestId");
    private static readonly JsonEncodedText Partition = JsonEncodedText.Encode("partition");
    private static readonly JsonEncodedText Zone = JsonEncodedText.Encode("zone");
    private static readonly JsonEncodedText Dt = JsonEncodedText.Encode("dt");
    private static readonly JsonEncodedText Hr = JsonEncodedText.Encode("hr");
    private static readonly JsonEncodedText Url = JsonEncodedText.Encode("url");
    private static readonly JsonEncodedText Referrer = JsonEncodedText.Encode("referrer");
    private static readonly JsonEncodedText Medium = JsonEncodedText.Encode("medium");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText Term = JsonEncodedText.Encode("term");
    private static readonly JsonEncodedText Content = JsonEncodedText.Encode("content");
    private static readonly JsonEncodedText Attribution = JsonEncodedText.Encode("attribution");
    private static readonly JsonEncodedText ReferrerClass = JsonEncodedText.Encode("referrerClass");
    private static readonly JsonEncodedText ReferrerHost = JsonEncodedText.Encode("referrerHost");

    /// <summary>The <c>enrichment.consent</c> marker for each set of denied purposes (<see cref="ConsentMarker"/>), encoded once.</summary>
    private static readonly JsonEncodedText[] ConsentMarkers =
        Enumerable.Range(0, (int)ConsentPurposes.All + 1).Select(d => JsonEncodedText.Encode(ConsentMarker((ConsentPurposes)d))).ToArray();
    private static readonly JsonEncodedText Events = JsonEncodedText.Encode("events");
    private static readonly JsonEncodedText Bots = JsonEncodedText.Encode("bots");

    private readonly ArrayBufferWriter<byte> _buffer = new(256 * 1024);
    private readonly Utf8JsonWriter _writer;
    private readonly Dictionary<long, (string Dt, string Hr)> _hours = [];

    public EnrichedEventWriter() => _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

    public void Reset()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
    }

    /// <summary>The event-time partition of an event (cached per hour).</summary>
    public (string Dt, string Hr) PartitionOf(DateTimeOffset time)
    {
        var hour = time.UtcTicks / TimeSpan.TicksPerHour;
        if (!_hours.TryGetValue(hour, out var p))
        {
            var utc = time.UtcDateTime;
            p = (utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), utc.ToString("HH", CultureInfo.InvariantCulture));
            if (_hours.Count > 2048) _hours.Clear();
            _hours[hour] = p;
        }

        return p;
    }

    /// <summary>Appends one record and returns its bytes (a slice of the micro-batch's buffer).</summary>
    public ReadOnlyMemory<byte> Write(in EnrichedFields f)
    {
        var start = _buffer.WrittenCount;
        var w = _writer;
        var e = f.Event;
        w.WriteStartObject();
        w.WriteString(EventId, e.EventId);
        w.WriteString(Schema, e.Schema);
        w.WriteString(Type, f.Type);
        w.WriteString(EventTime, e.EventTime);
        Optional(w, UserId, f.UserId);
        Optional(w, AnonymousId, f.AnonymousId);
        Optional(w, ResolvedUserId, f.ResolvedUserId);
        Optional(w, SessionId, f.SessionId);
        Optional(w, OrderId, e.Data.OrderId);
        Optional(w, Sku, e.Data.Sku);
        WriteContext(w, f);
        w.WritePropertyName(Data);
        JsonSerializer.Serialize(w, f.Data, EnrichedEventJsonContext.Default.EventData);
        WriteEnrichment(w, f);
        WriteLineage(w, f);
        WritePartition(w, f);
        w.WriteEndObject();
        w.Flush();
        w.Reset(_buffer);
        return _buffer.WrittenMemory[start..];
    }

    private static void WriteContext(Utf8JsonWriter w, in EnrichedFields f)
    {
        var context = f.Event.Context;
        w.WriteStartObject(Context);
        w.WriteString(DeviceType, f.Agent.DeviceType);
        w.WriteString(Browser, f.Agent.Browser);
        w.WriteString(Os, f.Agent.Os);
        Optional(w, IpPrefix, f.IpPrefix);
        Optional(w, Locale, context?.Locale);
        Optional(w, DeviceIdHash, f.DeviceIdHash);
        Optional(w, EmailHash, f.EmailHash);
        if (context?.Page is { } page)
        {
            w.WriteStartObject(Page);
            Optional(w, Url, page.Url);
            Optional(w, Referrer, page.Referrer);
            w.WriteEndObject();
        }

        if (f.Campaign is { } campaign)
        {
            w.WriteStartObject(Campaign);
            Optional(w, Source, campaign.Source);
            Optional(w, Medium, campaign.Medium);
            Optional(w, Name, campaign.Name);
            Optional(w, Term, campaign.Term);
            Optional(w, Content, campaign.Content);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteEnrichment(Utf8JsonWriter w, in EnrichedFields f)
    {
        w.WriteStartObject(Enrichment);
        Optional(w, Intent, f.Intent);
        if (f.Engagement is { } engagement) w.WriteNumber(Engagement, engagement);
        w.WriteBoolean(Bot, f.Bot);
        Optional(w, BotReason, f.BotReason);
        if (f.Event.Data.Price is { } price) w.WriteString(PriceBand, PreferenceExtractor.PriceBand(price));
        w.WriteString(Consent, ConsentMarkers[(int)(f.Denied & ConsentPurposes.All)]);
        if (f.Attribution is { } a)
        {
            w.WriteStartObject(Attribution);
            Optional(w, Source, a.Source);
            Optional(w, Medium, a.Medium);
            Optional(w, Campaign, a.Campaign);
            Optional(w, Term, a.Term);
            Optional(w, Content, a.Content);
            w.WriteString(ReferrerClass, a.ReferrerClass);
            Optional(w, ReferrerHost, a.ReferrerHost);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteLineage(Utf8JsonWriter w, in EnrichedFields f)
    {
        var lineage = f.Event.Lineage;
        w.WriteStartObject(Lineage);
        w.WriteString(Source, lineage?.Source ?? "device");
        if (lineage?.IngestTime is { } ingest) w.WriteString(IngestTime, ingest);
        w.WriteString(ArrivalTime, f.ArrivalTime);
        w.WriteString(ProcessingTime, f.ProcessingTime);
        w.WriteString(PipelineVersion, f.PipelineVersion);
        w.WriteStartArray(Steps);
        foreach (var step in f.Steps) w.WriteStringValue(step);
        w.WriteEndArray();
        w.WriteString(ShardId, f.Position.ShardId);
        w.WriteString(SequenceNumber, f.Position.SequenceNumber);
        if (f.Position.SubSequence > 0) w.WriteNumber(SubSequenceNumber, f.Position.SubSequence);
        Optional(w, Traceparent, lineage?.Traceparent);
        Optional(w, RequestId, lineage?.RequestId);
        w.WriteEndObject();
    }

    private void WritePartition(Utf8JsonWriter w, in EnrichedFields f)
    {
        var (dt, hr) = PartitionOf(f.Event.EventTime);
        w.WriteStartObject(Partition);
        w.WriteString(Zone, f.Bot ? Bots : Events);
        w.WriteString(Type, f.Type);
        w.WriteString(Dt, dt);
        w.WriteString(Hr, hr);
        w.WriteEndObject();
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>
    /// What the zones may do with an event, from the purposes its subject denied: <c>full</c> when none; else, comma
    /// separated, <c>pseudonymous</c> (analytics denied: ids are pseudonyms, no profile linkage) or <c>aggregate_only</c>
    /// (personalisation denied), <c>no_mktg</c> (marketing denied; implied by pseudonymous), <c>no_sale</c> (sale/share
    /// denied). At most 30 characters: the warehouse's column is 32.
    /// </summary>
    internal static string ConsentMarker(ConsentPurposes denied)
    {
        var parts = new List<string>(3);
        if ((denied & ConsentPurposes.Analytics) != 0) parts.Add("pseudonymous");
        else
        {
            if ((denied & ConsentPurposes.Personalisation) != 0) parts.Add("aggregate_only");
            if ((denied & ConsentPurposes.Marketing) != 0) parts.Add("no_mktg");
        }

        if ((denied & ConsentPurposes.SaleShare) != 0) parts.Add("no_sale");
        return parts.Count == 0 ? "full" : string.Join(',', parts);
    }

    private static void Optional(Utf8JsonWriter w, JsonEncodedText name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }
}

/// <summary>Everything the writer needs about one event, computed by the planner.</summary>
internal readonly record struct EnrichedFields(
    TrackedEvent Event,
    string Type,
    EventData Data,
    UserAgentInfo Agent,
    string? UserId,
    string? AnonymousId,
    string? ResolvedUserId,
    string? SessionId,
    CampaignContext? Campaign,
    SessionAttribution? Attribution,
    string? IpPrefix,
    string? DeviceIdHash,
    string? EmailHash,
    string? Intent,
    double? Engagement,
    bool Bot,
    string? BotReason,
    ConsentPurposes Denied,
    DateTimeOffset ArrivalTime,
    DateTimeOffset ProcessingTime,
    string PipelineVersion,
    IReadOnlyList<string> Steps,
    StreamPosition Position);
