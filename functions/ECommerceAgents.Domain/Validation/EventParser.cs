using System.Text.Json;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Validation;

/// <summary>Why a record cannot become an event. A closed set: every quarantined record carries one.</summary>
public enum FailureReason
{
    PayloadTooLarge,
    InvalidUtf8,
    MalformedJson,
    UnknownSchema,
    SchemaViolation,
    TimestampOutOfRange,

    /// <summary>The Kinesis record's data is not base64 (only a hand-made event has such a record).</summary>
    InvalidBase64,

    /// <summary>A KPL aggregated record: many user records in one protobuf envelope, which StreamProcessor does not de-aggregate.</summary>
    KplAggregated,
}

public static class FailureReasons
{
    /// <summary>The snake_case name used in the quarantine's keys and records.</summary>
    public static string Name(this FailureReason reason) => reason switch
    {
        FailureReason.PayloadTooLarge => "payload_too_large",
        FailureReason.InvalidUtf8 => "invalid_utf8",
        FailureReason.MalformedJson => "malformed_json",
        FailureReason.UnknownSchema => "unknown_schema",
        FailureReason.SchemaViolation => "schema_violation",
        FailureReason.TimestampOutOfRange => "timestamp_out_of_range",
        FailureReason.InvalidBase64 => "invalid_base64",
        FailureReason.KplAggregated => "kpl_aggregated",
        _ => reason.ToString(),
    };
}

public abstract record ParseOutcome;

/// <summary>A valid event of a known schema.</summary>
public sealed record ParsedEvent(TrackedEvent Event, SchemaKey Key) : ParseOutcome
{
    public string Type => Key.Name;
}

/// <summary>
/// An event that was rejected, with every reason found: the one type for it, whoever found it (the parser, the ingest
/// validator, StreamProcessor) and wherever it goes (the API's problem response, the quarantine).
/// </summary>
public sealed record RejectedEvent(FailureReason Reason, IReadOnlyList<Violation> Violations, string? EventId = null, string? Schema = null) : ParseOutcome
{
    /// <summary>The event's index in its request (ingest); 0 when it stands alone.</summary>
    public int Index { get; init; }

    /// <summary>The reason's snake_case name, as the quarantine's keys and records and the API's problems spell it.</summary>
    public string ReasonName => Reason.Name();

    public string Summary => Violations.Count == 0 ? Reason.Name() : string.Join("; ", Violations.Take(5).Select(v => v.ToString()));
}

public sealed record EventParserOptions
{
    /// <summary>Records above this size are rejected before parsing (Kinesis allows 1 MiB per record).</summary>
    public int MaxRecordBytes { get; init; } = 1024 * 1024;

    /// <summary>How far in the future an event time may be (clock skew).</summary>
    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How old an event time may be; older events are quarantined as out of range.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(400);
}

/// <summary>
/// Turns one record's bytes into a <see cref="ParsedEvent"/> or a <see cref="RejectedEvent"/>: UTF-8 check, envelope
/// schema, the type's data schema (all violations, with JSON paths), identity rules, time range, then the typed model.
/// Never throws for bad input. One instance per thread.
/// </summary>
public sealed class EventParser(SchemaRegistry registry, TimeProvider clock, EventParserOptions? options = null)
{
    private static readonly string[] EnvelopeCaptures = ["schema", "data"];
    private readonly StreamingValidator _validator = new();
    private readonly EventParserOptions _options = options ?? new EventParserOptions();
    private SchemaEntry? _resolved;

    private StreamingValidator Validator
    {
        get
        {
            _validator.DataSchemaResolver ??= utf8 =>
            {
                _resolved = registry.Resolve(utf8);
                return _resolved?.Compiled;
            };
            return _validator;
        }
    }

    public ParseOutcome Parse(ReadOnlySpan<byte> payload) => Parse(payload, all: true);

    /// <summary>
    /// As <see cref="Parse(ReadOnlySpan{byte})"/>, the same checks and outcome; with <paramref name="all"/> false the
    /// parsed event keeps only the fields ingest reads (see <see cref="TrackedEventReader.Read"/>), sparing the API the
    /// strings it would drop at once.
    /// </summary>
    internal ParseOutcome Parse(ReadOnlySpan<byte> payload, bool all)
    {
        if (payload.Length > _options.MaxRecordBytes)
        {
            return new RejectedEvent(FailureReason.PayloadTooLarge, [new Violation("$", "maxBytes", $"the record is {payload.Length} bytes; at most {_options.MaxRecordBytes} are allowed")]);
        }

        if (KplAggregate.Is(payload))
        {
            return new RejectedEvent(FailureReason.KplAggregated, [new Violation("$", "encoding",
                $"the record is a KPL aggregated record ({payload.Length} bytes: magic 0xF3899AC2, protobuf, MD5); StreamProcessor does not de-aggregate: producers must put plain records (KPL AggregationEnabled=false)")]);
        }

        if (!System.Text.Unicode.Utf8.IsValid(payload))
        {
            return new RejectedEvent(FailureReason.InvalidUtf8, [new Violation("$", "encoding", "the record is not valid UTF-8")]);
        }

        try
        {
            _ = Validator;
            return ParseValid(payload, all);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            // Deep nesting, lone surrogates, bad escapes, numbers the model cannot hold: all are the sender's problem.
            return new RejectedEvent(FailureReason.MalformedJson, [new Violation("$", "json", Trim(ex.Message))]);
        }
    }

    private ParseOutcome ParseValid(ReadOnlySpan<byte> payload, bool all)
    {
        _validator.Reset();
        _resolved = null;
        _validator.Validate(payload, registry.Envelope.Compiled, EnvelopeCaptures);
        var schema = _resolved;
        var violations = _validator.Violations.Count == 0 ? null : new List<Violation>(_validator.Violations);

        if (schema is null)
        {
            // No schema read in passing: an escaped, missing or unknown schema name. Read it the slow way.
            var schemaText = SchemaText(payload);
            schema = SchemaKey.TryParse(schemaText, out var key) ? registry.Resolve(key.Value) : null;
            if (schemaText is not null && schema is null && (violations is null || violations.All(v => v.Path != "$.schema")))
            {
                return new RejectedEvent(FailureReason.UnknownSchema, [new Violation("$.schema", "schema", $"no schema '{schemaText}' is registered"), .. violations ?? []], Id(payload), schemaText);
            }
        }

        if (schema is not null && !_validator.DataValidatedInline && _validator.Captures.TryGetValue("data", out var dataRange))
        {
            _validator.Reset("$.data");
            _validator.Validate(payload[dataRange.Start..dataRange.End], schema.Compiled);
            if (_validator.Violations.Count > 0) (violations ??= []).AddRange(_validator.Violations);
        }

        if (violations is not null)
        {
            return new RejectedEvent(FailureReason.SchemaViolation, violations, Id(payload), SchemaText(payload));
        }

        var evt = TrackedEventReader.Read(payload, all);
        var type = schema!.Key.Name;
        var rules = new List<Violation>(0);
        IdentityRules(type, evt, rules);
        if (rules.Count > 0)
        {
            return new RejectedEvent(FailureReason.SchemaViolation, rules, evt.EventId, evt.Schema);
        }

        var now = clock.GetUtcNow();
        if (evt.EventTime > now + _options.MaxFutureSkew || evt.EventTime < now - _options.MaxAge)
        {
            return new RejectedEvent(FailureReason.TimestampOutOfRange,
                [new Violation("$.eventTime", "range", $"{evt.EventTime:O} is outside [{now - _options.MaxAge:O}, {now + _options.MaxFutureSkew:O}]")], evt.EventId, evt.Schema);
        }

        return new ParsedEvent(evt, schema.Key);
    }

    private string? SchemaText(ReadOnlySpan<byte> payload)
    {
        if (!_validator.Captures.TryGetValue("schema", out var range)) return null;
        var reader = new Utf8JsonReader(payload[range.Start..range.End]);
        reader.Read();
        return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
    }

    /// <summary>Rules a JSON Schema subset cannot say: who an event is about.</summary>
    private static void IdentityRules(string type, TrackedEvent evt, List<Violation> violations)
    {
        if (type == EventTypes.Identify)
        {
            if (evt.UserId is null) violations.Add(new Violation("$.userId", "required", "identify needs the user id"));
            if (evt.AnonymousId is null) violations.Add(new Violation("$.anonymousId", "required", "identify needs the anonymous id it links"));
        }
        else if (EventTypes.IsInteraction(type) && evt.UserId is null && evt.AnonymousId is null)
        {
            violations.Add(new Violation("$.userId", "required", "an interaction needs a userId or an anonymousId"));
        }
        else if (type == EventTypes.DeviceTelemetry && evt.Context?.DeviceId is null)
        {
            violations.Add(new Violation("$.context.deviceId", "required", "telemetry needs the device id"));
        }
    }

    /// <summary>The event id, when a rejected record still has a readable one (for the quarantine's key and the dedup of redrive).</summary>
    private static string? Id(ReadOnlySpan<byte> payload)
    {
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isId = reader.ValueTextEquals("eventId"u8);
                reader.Read();
                if (isId && reader.TokenType == JsonTokenType.String) return reader.GetString() is { Length: <= 64 } id ? id : null;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private static string Trim(string message) => message.Length > 300 ? message[..300] : message;
}
