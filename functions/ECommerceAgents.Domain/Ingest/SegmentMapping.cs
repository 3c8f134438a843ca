using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Ingest;

/// <summary>
/// A Segment tracking API request read into our envelopes: <see cref="Envelopes"/> is a JSON array of events for
/// <see cref="IngestValidator"/>, its i-th event from the request's message <see cref="SourceIndexes"/>[i]; messages that
/// could not be mapped are in <see cref="Rejected"/> (by their index in the request), a request that cannot be read at
/// all has a <see cref="BodyError"/>.
/// </summary>
public sealed record SegmentBatch(string? WriteKey, int Messages, byte[] Envelopes, IReadOnlyList<int> SourceIndexes, IReadOnlyList<RejectedEvent> Rejected, Violation? BodyError = null);

/// <summary>
/// Maps the Segment tracking spec (track, identify, page, screen, alias, group, batch) onto our schemas. Segment's
/// limits hold (32 KB a message, 500 KB and 2,500 messages a batch, a messageId of at most 100 characters, a userId or
/// an anonymousId on every call); the event id is a name-based UUID (v5) of the API key's id and the messageId, so an
/// SDK's retry carries the same event id and is dropped downstream as a duplicate; the event time is corrected for the
/// device's clock as Segment does: <c>receivedAt − (sentAt − timestamp)</c>. A track whose name is not in Segment's
/// e-commerce spec v2 becomes a <c>custom_event</c>.
/// </summary>
public static class SegmentMapping
{
    public const int MaxMessageBytes = 32 * 1024;
    public const int MaxBatchBytes = 500 * 1024;
    public const int MaxBatchMessages = 2500;
    public const int MaxMessageIdLength = 100;

    /// <summary>The calls, each with its route (<c>/v1/{call}</c>); <c>batch</c> carries the others.</summary>
    public static readonly IReadOnlyList<string> Calls = ["track", "identify", "page", "screen", "alias", "group"];

    /// <summary>Segment's e-commerce spec v2 names and the type each becomes; other track names become <c>custom_event</c>.</summary>
    public static readonly IReadOnlyDictionary<string, string> TrackTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Products Searched"] = EventTypes.Search,
        ["Product List Viewed"] = EventTypes.ProductListViewed,
        ["Product Clicked"] = EventTypes.ProductClicked,
        ["Product Viewed"] = EventTypes.ProductView,
        ["Product Added"] = EventTypes.AddToCart,
        ["Product Removed"] = EventTypes.RemoveFromCart,
        ["Cart Viewed"] = EventTypes.CartViewed,
        ["Checkout Started"] = EventTypes.BeginCheckout,
        ["Order Completed"] = EventTypes.Purchase,
        ["Order Refunded"] = EventTypes.OrderRefunded,
        ["Order Cancelled"] = EventTypes.OrderCancelled,

        // No platform type says "updated": as order_placed it would move a paid order back to placed.
        ["Order Updated"] = EventTypes.CustomEvent,
    };

    // RFC 9562 name-based UUIDs need a namespace of their own: this one is random, fixed for the platform.
    private static readonly Guid Namespace = new("5b0c3e0e-9f51-4c8a-a2a6-5e6f1d3c7a21");

    /// <summary>
    /// The request's messages as envelopes. <paramref name="call"/> is the single call's name, or <c>batch</c>;
    /// <paramref name="scope"/> is the id of the key that sent them (the scope of messageId deduplication, as a source is
    /// Segment's), <paramref name="receivedAt"/> when the API received the request. A <paramref name="clientIp"/> (the
    /// request's own address, for a browser key) replaces every message's <c>context.ip</c>, as Segment stamps it for
    /// client-side sources.
    /// </summary>
    public static SegmentBatch Map(ReadOnlySpan<byte> body, string call, string scope, DateTimeOffset receivedAt, string? clientIp = null)
    {
        if (body.Length > MaxBatchBytes) return Refused($"the request is {body.Length} bytes; at most {MaxBatchBytes} (500 KB) are accepted");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            return Refused("the body is not valid JSON: " + ex.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return Refused("the body must be a JSON object");
            var writeKey = Text(root, "writeKey");
            IReadOnlyList<JsonElement> messages;
            if (call == "batch")
            {
                if (!root.TryGetProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Array) return Refused("a batch needs a \"batch\" array of messages", writeKey);
                if (batch.GetArrayLength() > MaxBatchMessages) return Refused($"a batch holds at most {MaxBatchMessages} messages, this one {batch.GetArrayLength()}", writeKey);
                messages = [.. batch.EnumerateArray()];
            }
            else
            {
                messages = [root];
            }

            var batchSentAt = Time(root, "sentAt");
            var output = new ArrayBufferWriter<byte>(body.Length + 256);
            var sourceIndexes = new List<int>(messages.Count);
            var rejected = new List<RejectedEvent>();
            using (var w = new Utf8JsonWriter(output))
            {
                w.WriteStartArray();
                for (var i = 0; i < messages.Count; i++)
                {
                    var path = call == "batch" ? $"$.batch[{i}]" : "$";
                    var error = MapOne(w, messages[i], call == "batch" ? Text(messages[i], "type") : call, path, scope, receivedAt, batchSentAt, clientIp);
                    if (error is null) sourceIndexes.Add(i);
                    else rejected.Add(new RejectedEvent(FailureReason.SchemaViolation, [error]) { Index = i });
                }

                w.WriteEndArray();
            }

            return new SegmentBatch(writeKey, messages.Count, output.WrittenSpan.ToArray(), sourceIndexes, rejected);
        }
    }

    /// <summary>The event id of a message: a UUID v5 of the key's id and the messageId.</summary>
    public static string EventId(string scope, string messageId)
    {
        Span<byte> name = stackalloc byte[16];
        Namespace.TryWriteBytes(name, bigEndian: true, out _);
        // RFC 9562 defines version 5 with SHA-1: a name-based id, not a security boundary.
#pragma warning disable CA5350
        var hash = SHA1.HashData([.. name, .. Encoding.UTF8.GetBytes(scope + "\n" + messageId)]);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString("D");
    }

    private static SegmentBatch Refused(string message, string? writeKey = null) =>
        new(writeKey, 0, "[]"u8.ToArray(), [], [], new Violation("$", "body", message));

    /// <summary>Writes the message's envelope, or returns why it cannot be mapped (then nothing is written).</summary>
    private static Violation? MapOne(Utf8JsonWriter w, JsonElement m, string? call, string path, string scope, DateTimeOffset receivedAt, DateTimeOffset? batchSentAt, string? clientIp)
    {
        if (m.ValueKind != JsonValueKind.Object) return new Violation(path, "type", "a message must be a JSON object");
        var size = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(m).Length;
        if (size > MaxMessageBytes) return new Violation(path, "maxSize", $"a message is at most {MaxMessageBytes} bytes (32 KB), this one {size}");
        if (call is null || !Calls.Contains(call)) return new Violation(path + ".type", "enum", $"type must be one of {string.Join(", ", Calls)}");
        var messageId = Text(m, "messageId");
        if (messageId is { Length: > MaxMessageIdLength }) return new Violation(path + ".messageId", "maxLength", $"messageId is at most {MaxMessageIdLength} characters");
        var userId = Text(m, "userId");
        var anonymousId = call == "alias" ? Text(m, "previousId") : Text(m, "anonymousId");
        if (call == "alias" && (userId is null || anonymousId is null)) return new Violation(path, "required", "alias needs both userId and previousId");
        if (userId is null && anonymousId is null) return new Violation(path, "required", "userId or anonymousId is required (both are missing)");

        var properties = Object(m, call is "identify" or "group" ? "traits" : "properties");
        var eventName = Text(m, call is "track" ? "event" : "name");
        if (call == "track" && eventName is null) return new Violation(path + ".event", "required", "a track call needs its event name");
        var type = call switch
        {
            "track" => TrackTypes.GetValueOrDefault(eventName!, EventTypes.CustomEvent),
            "page" => EventTypes.PageView,
            "screen" => EventTypes.ScreenView,
            "group" => EventTypes.Group,
            "alias" => EventTypes.Identify,
            _ => userId is not null && anonymousId is not null ? EventTypes.Identify : EventTypes.CustomEvent,
        };

        var context = Object(m, "context");
        w.WriteStartObject();
        w.WriteString("schema", $"{SchemaKey.PlatformVendor}/{type}/1-0-0");
        w.WriteString("eventId", EventId(scope, messageId ?? Guid.NewGuid().ToString("D")));
        w.WriteString("eventTime", EventTime(Time(m, "timestamp"), Time(m, "sentAt") ?? batchSentAt, receivedAt));
        if (userId is not null) w.WriteString("userId", userId);
        if (anonymousId is not null) w.WriteString("anonymousId", anonymousId);
        WriteContext(w, context, call == "identify" ? properties : Object(context, "traits"), clientIp);
        w.WriteStartObject("data");
        SegmentData.Write(w, type, call == "track" ? eventName! : call == "identify" ? "Identify" : eventName, call, properties, context, Text(m, "groupId"));
        w.WriteEndObject();
        w.WriteEndObject();
        return null;
    }

    /// <summary>Segment's clock-skew correction: the device's timestamp moved by the device clock's error (sentAt against receivedAt).</summary>
    internal static DateTimeOffset EventTime(DateTimeOffset? timestamp, DateTimeOffset? sentAt, DateTimeOffset receivedAt) =>
        timestamp is { } t ? (sentAt is { } s ? receivedAt - (s - t) : t) : receivedAt;

    private static void WriteContext(Utf8JsonWriter w, JsonElement context, JsonElement traits, string? clientIp)
    {
        var page = Object(context, "page");
        var campaign = Object(context, "campaign");
        string? userAgent = Text(context, "userAgent"), ip = Text(context, "ip"), locale = Text(context, "locale"),
            deviceId = Text(Object(context, "device"), "id"), email = Text(traits, "email"),
            url = Text(page, "url"), referrer = Text(page, "referrer"),
            source = Text(campaign, "source"), medium = Text(campaign, "medium"), name = Text(campaign, "name"),
            term = Text(campaign, "term"), content = Text(campaign, "content");
        ip = clientIp ?? ip;
        var hasCampaign = source is not null || medium is not null || name is not null || term is not null || content is not null;
        if (userAgent is null && ip is null && locale is null && deviceId is null && email is null && url is null && referrer is null && !hasCampaign) return;
        w.WriteStartObject("context");
        Write(w, "userAgent", userAgent);
        Write(w, "ip", ip);
        Write(w, "locale", locale);
        Write(w, "deviceId", deviceId);
        Write(w, "email", email);
        if (url is not null || referrer is not null)
        {
            w.WriteStartObject("page");
            Write(w, "url", url);
            Write(w, "referrer", referrer);
            w.WriteEndObject();
        }

        if (hasCampaign)
        {
            w.WriteStartObject("campaign");
            Write(w, "source", source);
            Write(w, "medium", medium);
            Write(w, "name", name);
            Write(w, "term", term);
            Write(w, "content", content);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    internal static void Write(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    /// <summary>The property as text: a non-empty string, or a number's text (Segment allows numeric ids); otherwise null.</summary>
    internal static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String when v.GetString() is { Length: > 0 } s => s,
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            }
            : null;

    /// <summary>The property when it is an object; otherwise an undefined element (every read of it gives nothing).</summary>
    internal static JsonElement Object(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : default;

    private static DateTimeOffset? Time(JsonElement element, string name) =>
        Text(element, name) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}
