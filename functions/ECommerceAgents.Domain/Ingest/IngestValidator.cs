using System.Buffers;
using System.Text.Json;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Ingest;

/// <summary>What the API stamps on every event it accepts.</summary>
/// <param name="Gpc">The request carried <c>Sec-GPC: 1</c>: stamped as <c>lineage.gpc</c>, so StreamProcessor records the sale/share opt-out.</param>
public sealed record IngestLineage(string Source, DateTimeOffset IngestTime, string Traceparent, string RequestId, string? WebhookSource = null, bool Gpc = false);

/// <summary>An event ready for the stream: its record bytes (with lineage) and its partition key.</summary>
public sealed record AcceptedEvent(int Index, string EventId, string Type, string PartitionKey, byte[] Record)
{
    /// <summary>
    /// Whose personal data the event holds, the owner of the data key its personal fields are sealed with:
    /// <c>user:…</c>, else <c>anon:…</c>, <c>device:…</c>, <c>order:…</c>, <c>event:…</c>.
    /// </summary>
    public string? Subject { get; init; }
}

public sealed record IngestResult(IReadOnlyList<AcceptedEvent> Accepted, IReadOnlyList<RejectedEvent> Rejected, Violation? BodyError = null);

/// <summary>
/// Checks an ingest request against the same schema registry StreamProcessor uses. The body is one event or an array
/// of up to <c>maxEvents</c>; each event is validated on its own, so a batch keeps its valid events and reports the rest
/// (the documented rule). Accepted events get the platform's lineage spliced into their own bytes, and the partition
/// key that orders them on the stream. Events are parsed keeping only the fields read here (the same checks as a
/// whole parse). One instance per request thread (the parser is not thread-safe).
/// </summary>
public sealed class IngestValidator(EventParser parser)
{
    private static readonly JsonEncodedText LineageName = JsonEncodedText.Encode("lineage");

    // Kept across requests (this instance serves one thread): nothing of them leaves Validate.
    private readonly List<(int Start, int End)> _ranges = [];
    private readonly ArrayBufferWriter<byte> _lineageBuffer = new(256);
    private Utf8JsonWriter? _lineageWriter;

    public IngestResult Validate(ReadOnlySpan<byte> body, IngestLineage lineage, Func<string, bool>? allowedType = null, int maxEvents = 500)
    {
        var ranges = _ranges;
        ranges.Clear();
        if (Split(body, ranges) is { } error) return new IngestResult([], [], error);
        if (ranges.Count == 0) return Body("$", "the batch holds no events");
        if (ranges.Count > maxEvents) return Body("$", $"a batch holds at most {maxEvents} events, this one {ranges.Count}");

        var lineageJson = LineageJson(lineage);
        var accepted = new List<AcceptedEvent>(ranges.Count);
        var rejected = new List<RejectedEvent>();
        for (var i = 0; i < ranges.Count; i++)
        {
            var slice = body[ranges[i].Start..ranges[i].End];
            switch (parser.Parse(slice, all: false))
            {
                case RejectedEvent r:
                    rejected.Add(r with { Index = i, Violations = Prefix(r.Violations, i, ranges.Count) });
                    break;
                case ParsedEvent p when p.Event.Lineage is not null:
                    rejected.Add(Rejected(i, p, new Violation(Path(i, ranges.Count, "$.lineage"), "readOnly", "lineage is set by the platform, not by producers")));
                    break;
                case ParsedEvent p when allowedType is not null && !allowedType(p.Type):
                    rejected.Add(Rejected(i, p, new Violation(Path(i, ranges.Count, "$.schema"), "route", $"{p.Type} events are not accepted on this route")));
                    break;
                case ParsedEvent p:
                    var e = p.Event;
                    var key = PartitionKeys.For(p.Type, e.UserId, e.AnonymousId, e.Data.OrderId, e.Data.Sku, e.Context?.DeviceId, e.EventId);
                    accepted.Add(new AcceptedEvent(i, e.EventId, p.Type, key, Splice(slice, lineageJson)) { Subject = Subject(e) });
                    break;
            }
        }

        return new IngestResult(accepted, rejected);
    }

    private static string Subject(TrackedEvent e) =>
        e.UserId is { } user ? "user:" + user
        : e.AnonymousId is { } anonymous ? "anon:" + anonymous
        : e.Context?.DeviceId is { } device ? "device:" + device
        : e.Data.OrderId is { } order ? "order:" + order
        : "event:" + e.EventId;

    /// <summary>The byte ranges of the body's events (one object, or the items of an array); an error when the body is neither.</summary>
    private static Violation? Split(ReadOnlySpan<byte> body, List<(int Start, int End)> ranges)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read()) return BodyError("$", "the body is empty");
            if (reader.TokenType == JsonTokenType.StartObject)
            {
                reader.Skip();
                ranges.Add((0, (int)reader.BytesConsumed));
            }
            else if (reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    ranges.Add((start, (int)reader.BytesConsumed));
                }
            }
            else
            {
                return BodyError("$", "the body must be an event object or an array of events");
            }

            return reader.Read() ? BodyError("$", "unexpected content after the JSON value") : null;
        }
        catch (JsonException ex)
        {
            return BodyError("$", "the body is not valid JSON: " + ex.Message);
        }
    }

    private static RejectedEvent Rejected(int index, ParsedEvent p, Violation violation) =>
        new(FailureReason.SchemaViolation, [violation], p.Event.EventId) { Index = index };

    /// <summary>The event's own bytes with <c>"lineage":{…}</c> added before its closing brace.</summary>
    private static byte[] Splice(ReadOnlySpan<byte> evt, byte[] lineageJson)
    {
        var close = evt.LastIndexOf((byte)'}');
        var record = new byte[close + 1 + lineageJson.Length + 1];
        evt[..close].CopyTo(record);
        record[close] = (byte)',';
        lineageJson.CopyTo(record.AsSpan(close + 1));
        record[^1] = (byte)'}';
        return record;
    }

    private byte[] LineageJson(IngestLineage l)
    {
        var buffer = _lineageBuffer;
        buffer.ResetWrittenCount();
        var w = _lineageWriter ??= new Utf8JsonWriter(buffer);
        w.Reset(buffer);
        w.WriteStartObject();
        w.WriteStartObject(LineageName);
        w.WriteString("source", l.Source);
        w.WriteString("ingestTime", l.IngestTime);
        w.WriteString("traceparent", l.Traceparent);
        w.WriteString("requestId", l.RequestId);
        if (l.WebhookSource is not null) w.WriteString("webhookSource", l.WebhookSource);
        if (l.Gpc) w.WriteBoolean("gpc", true);
        w.WriteEndObject();
        w.WriteEndObject();
        w.Flush();

        // Drop the outer braces: what is spliced is the property, not an object.
        return buffer.WrittenSpan[1..^1].ToArray();
    }

    private static IReadOnlyList<Violation> Prefix(IReadOnlyList<Violation> violations, int index, int count) =>
        count == 1 ? violations : violations.Select(v => v with { Path = Path(index, count, v.Path) }).ToArray();

    private static string Path(int index, int count, string path) => count == 1 ? path : $"$[{index}]" + path[1..];

    private static Violation BodyError(string path, string message) => new(path, "body", message);

    private static IngestResult Body(string path, string message) => new([], [], BodyError(path, message));
}
