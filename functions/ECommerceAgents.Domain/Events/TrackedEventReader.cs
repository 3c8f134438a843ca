using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace ECommerceAgents.Domain.Events;

/// <summary>
/// Reads a <see cref="TrackedEvent"/> from its JSON in one pass of a <see cref="Utf8JsonReader"/>, as
/// <see cref="TrackedEventJsonContext"/> would (the same reader calls for each value, so the same numbers, times and
/// failures), without the serializer's cost for init-only records: its source-generated code collects every property
/// of an object as a boxed constructor argument first. Names match exactly (escaped names unescaped first), unknown
/// properties are skipped, a repeated property keeps its last value, a missing required property or a value of the
/// wrong kind throws. EventParser runs it only on events that passed their schemas.
/// </summary>
internal static class TrackedEventReader
{
    /// <summary>
    /// The event; with <paramref name="all"/> false, only what ingest uses (schema, eventId, eventTime, userId,
    /// anonymousId, context.deviceId, data.orderId, data.sku, lineage), every other string left null: each value is still
    /// read and checked as for the whole event, so the outcome (an event or an exception) is the same. Leaving strings
    /// out relies on the caller having checked the bytes are UTF-8 (an escaped string is still decoded).
    /// </summary>
    public static TrackedEvent Read(ReadOnlySpan<byte> json, bool all = true)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        if (!reader.Read()) throw new JsonException("The input does not contain any JSON tokens.");
        var evt = ReadEvent(ref reader, all) ?? throw new JsonException("The event is null.");
        if (reader.Read()) throw new JsonException("'" + reader.TokenType + "' is invalid after a single JSON value.");
        return evt;
    }

    private static TrackedEvent? ReadEvent(ref Utf8JsonReader r, bool all)
    {
        if (StartObject(ref r)) return null;
        string? schema = null, eventId = null, userId = null, anonymousId = null;
        bool hasSchema = false, hasEventId = false;
        var eventTime = default(DateTimeOffset);
        EventContext? context = null;
        EventData? data = null;
        var hasData = false;
        EventLineage? lineage = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("schema"u8)) (schema, hasSchema) = (String(ref r), true);
            else if (name.SequenceEqual("eventId"u8)) (eventId, hasEventId) = (String(ref r), true);
            else if (name.SequenceEqual("eventTime"u8)) eventTime = Time(ref r);
            else if (name.SequenceEqual("userId"u8)) userId = String(ref r);
            else if (name.SequenceEqual("anonymousId"u8)) anonymousId = String(ref r);
            else if (name.SequenceEqual("context"u8)) context = ReadContext(ref r, all);
            else if (name.SequenceEqual("data"u8)) (data, hasData) = (ReadData(ref r, all), true);
            else if (name.SequenceEqual("lineage"u8)) lineage = ReadLineage(ref r);
            else r.Skip();
        }

        if (!hasSchema || !hasEventId || !hasData) throw Missing(nameof(TrackedEvent), !hasSchema ? "schema" : !hasEventId ? "eventId" : "data");
        return new TrackedEvent { Schema = schema!, EventId = eventId!, EventTime = eventTime, UserId = userId, AnonymousId = anonymousId, Context = context, Data = data!, Lineage = lineage };
    }

    private static EventContext? ReadContext(ref Utf8JsonReader r, bool all)
    {
        if (StartObject(ref r)) return null;
        string? userAgent = null, ip = null, locale = null, deviceId = null, email = null;
        PageContext? page = null;
        CampaignContext? campaign = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("userAgent"u8)) userAgent = String(ref r, all);
            else if (name.SequenceEqual("ip"u8)) ip = String(ref r, all);
            else if (name.SequenceEqual("locale"u8)) locale = String(ref r, all);
            else if (name.SequenceEqual("deviceId"u8)) deviceId = String(ref r);
            else if (name.SequenceEqual("email"u8)) email = String(ref r, all);
            else if (name.SequenceEqual("page"u8)) page = ReadPage(ref r, all);
            else if (name.SequenceEqual("campaign"u8)) campaign = ReadCampaign(ref r, all);
            else r.Skip();
        }

        return new EventContext { UserAgent = userAgent, Ip = ip, Locale = locale, DeviceId = deviceId, Email = email, Page = page, Campaign = campaign };
    }

    private static PageContext? ReadPage(ref Utf8JsonReader r, bool all)
    {
        if (StartObject(ref r)) return null;
        string? url = null, referrer = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("url"u8)) url = String(ref r, all);
            else if (name.SequenceEqual("referrer"u8)) referrer = String(ref r, all);
            else r.Skip();
        }

        return new PageContext { Url = url, Referrer = referrer };
    }

    private static CampaignContext? ReadCampaign(ref Utf8JsonReader r, bool all)
    {
        if (StartObject(ref r)) return null;
        string? source = null, medium = null, name = null, term = null, content = null;
        while (NextProperty(ref r, out var property))
        {
            if (property.SequenceEqual("source"u8)) source = String(ref r, all);
            else if (property.SequenceEqual("medium"u8)) medium = String(ref r, all);
            else if (property.SequenceEqual("name"u8)) name = String(ref r, all);
            else if (property.SequenceEqual("term"u8)) term = String(ref r, all);
            else if (property.SequenceEqual("content"u8)) content = String(ref r, all);
            else r.Skip();
        }

        return new CampaignContext { Source = source, Medium = medium, Name = name, Term = term, Content = content };
    }

    private static EventLineage? ReadLineage(ref Utf8JsonReader r)
    {
        if (StartObject(ref r)) return null;
        string? source = null, traceparent = null, requestId = null, webhookSource = null;
        DateTimeOffset? ingestTime = null;
        bool? gpc = null;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("source"u8)) source = String(ref r);
            else if (name.SequenceEqual("ingestTime"u8)) ingestTime = r.TokenType == JsonTokenType.Null ? null : Time(ref r);
            else if (name.SequenceEqual("traceparent"u8)) traceparent = String(ref r);
            else if (name.SequenceEqual("requestId"u8)) requestId = String(ref r);
            else if (name.SequenceEqual("webhookSource"u8)) webhookSource = String(ref r);
            else if (name.SequenceEqual("gpc"u8) && r.TokenType is JsonTokenType.True or JsonTokenType.False) gpc = r.GetBoolean();
            else r.Skip();
        }

        return new EventLineage { Source = source, IngestTime = ingestTime, Traceparent = traceparent, RequestId = requestId, WebhookSource = webhookSource, Gpc = gpc };
    }

    private static EventData? ReadData(ref Utf8JsonReader r, bool all)
    {
        if (StartObject(ref r)) return null;
        var fields = new DataFields();
        while (NextProperty(ref r, out var name))
        {
            if (!fields.TryRead(name, ref r, all)) r.Skip();
        }

        return fields.Build();
    }

    private static List<OrderLine>? ReadLines(ref Utf8JsonReader r, bool all)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        if (r.TokenType != JsonTokenType.StartArray) throw Unexpected(ref r, "an array");
        var lines = all ? new List<OrderLine>() : null;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            var line = ReadLine(ref r, all);
            lines?.Add(line!);
        }

        return lines;
    }

    private static OrderLine? ReadLine(ref Utf8JsonReader r, bool all)
    {
        if (StartObject(ref r)) return null;
        string? sku = null, category = null;
        var hasSku = false;
        int quantity = 0;
        decimal price = 0;
        while (NextProperty(ref r, out var name))
        {
            if (name.SequenceEqual("sku"u8)) (sku, hasSku) = (String(ref r, all), true);
            else if (name.SequenceEqual("quantity"u8)) quantity = Int(ref r);
            else if (name.SequenceEqual("price"u8)) price = Decimal(ref r);
            else if (name.SequenceEqual("category"u8)) category = String(ref r, all);
            else r.Skip();
        }

        if (!hasSku) throw Missing(nameof(OrderLine), "sku");
        if (!all) return null;
        return new OrderLine { Sku = sku!, Quantity = quantity, Price = price, Category = category };
    }

    /// <summary>The string fields of <see cref="EventData"/>, in the order of <see cref="TextNames"/> (21, the length of <see cref="Texts"/>).</summary>
    private enum Text
    {
        Url, Referrer, Title, Sku, Category, Brand, Currency, Query, OrderId, Method, Channel, PaymentMethod, Carrier, TrackingNumber, Reason, Metric, Unit, ListId, Name, GroupId, Properties,
    }

    /// <summary>Each <see cref="Text"/>'s JSON name (camelCase, as the context names it) in UTF-8.</summary>
    private static readonly byte[][] TextNames = [.. Enum.GetNames<Text>().Select(n => Encoding.UTF8.GetBytes(char.ToLowerInvariant(n[0]) + n[1..]))];

    [InlineArray(21)]
    private struct Texts
    {
        private string? _element;
    }

    /// <summary>The fields of <see cref="EventData"/> as they are read, for the init-only record built at the end.</summary>
    private struct DataFields
    {
        private Texts _texts;
        private decimal? _price, _cartValue, _total, _amount;
        private int? _quantity, _resultsCount, _itemCount;
        private long? _stock, _stockDelta;
        private double? _value;
        private IReadOnlyList<OrderLine>? _items;

        public bool TryRead(scoped ReadOnlySpan<byte> name, ref Utf8JsonReader r, bool all)
        {
            for (var i = 0; i < TextNames.Length; i++)
            {
                if (!name.SequenceEqual(TextNames[i])) continue;

                // Ingest keys events by sku and order id: it keeps those.
                _texts[i] = String(ref r, all || (Text)i is Text.Sku or Text.OrderId);
                return true;
            }

            switch (name.Length)
            {
                case 5 when name.SequenceEqual("price"u8): _price = NullableDecimal(ref r); return true;
                case 5 when name.SequenceEqual("total"u8): _total = NullableDecimal(ref r); return true;
                case 6 when name.SequenceEqual("amount"u8): _amount = NullableDecimal(ref r); return true;
                case 9 when name.SequenceEqual("cartValue"u8): _cartValue = NullableDecimal(ref r); return true;
                case 8 when name.SequenceEqual("quantity"u8): _quantity = NullableInt(ref r); return true;
                case 5 when name.SequenceEqual("items"u8): _items = ReadLines(ref r, all); return true;
                case 9 when name.SequenceEqual("itemCount"u8): _itemCount = NullableInt(ref r); return true;
                case 12 when name.SequenceEqual("resultsCount"u8): _resultsCount = NullableInt(ref r); return true;
                case 5 when name.SequenceEqual("stock"u8): _stock = NullableLong(ref r); return true;
                case 10 when name.SequenceEqual("stockDelta"u8): _stockDelta = NullableLong(ref r); return true;
                case 5 when name.SequenceEqual("value"u8): _value = NullableDouble(ref r); return true;
                default: return false;
            }
        }

        public readonly EventData Build() => new()
        {
            Url = T(Text.Url), Referrer = T(Text.Referrer), Title = T(Text.Title), Sku = T(Text.Sku), Category = T(Text.Category),
            Brand = T(Text.Brand), Price = _price, Currency = T(Text.Currency), Quantity = _quantity, Query = T(Text.Query),
            ResultsCount = _resultsCount, CartValue = _cartValue, ItemCount = _itemCount, OrderId = T(Text.OrderId), Total = _total,
            Amount = _amount, Items = _items, Method = T(Text.Method), Channel = T(Text.Channel), PaymentMethod = T(Text.PaymentMethod),
            Carrier = T(Text.Carrier), TrackingNumber = T(Text.TrackingNumber), Reason = T(Text.Reason), Stock = _stock,
            StockDelta = _stockDelta, Metric = T(Text.Metric), Value = _value, Unit = T(Text.Unit),
            ListId = T(Text.ListId), Name = T(Text.Name), GroupId = T(Text.GroupId), Properties = T(Text.Properties),
        };

        private readonly string? T(Text field) => _texts[(int)field];
    }

    /// <summary>True for null (the value is null); otherwise the reader must be at the start of an object.</summary>
    private static bool StartObject(ref Utf8JsonReader r)
    {
        if (r.TokenType == JsonTokenType.Null) return true;
        return r.TokenType == JsonTokenType.StartObject ? false : throw Unexpected(ref r, "an object");
    }

    /// <summary>Moves to the next property's value and gives its (unescaped) name; false at the object's end.</summary>
    private static bool NextProperty(ref Utf8JsonReader r, out ReadOnlySpan<byte> name)
    {
        if (!r.Read() || r.TokenType != JsonTokenType.PropertyName)
        {
            name = default;
            return false;
        }

        // An escaped name is rare: unescaped through a string, as the serializer compares it.
        name = r.ValueIsEscaped ? Encoding.UTF8.GetBytes(r.GetString()!) : r.ValueSpan;
        r.Read();
        return true;
    }

    /// <summary>The string; with <paramref name="keep"/> false, null unless escaped (decoding is what could fail).</summary>
    private static string? String(ref Utf8JsonReader r, bool keep = true) => r.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => keep || r.ValueIsEscaped ? r.GetString() : null,
        _ => throw Unexpected(ref r, "a string"),
    };

    private static DateTimeOffset Time(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.String ? r.GetDateTimeOffset() : throw Unexpected(ref r, "a date-time string");

    private static decimal? NullableDecimal(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : Decimal(ref r);

    private static int? NullableInt(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Null ? null : Int(ref r);

    // Strict number handling, as the context has it: a quoted number is not a number.
    private static int Int(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Number ? r.GetInt32() : throw Unexpected(ref r, "a number");

    private static long? NullableLong(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Null ? null : r.TokenType == JsonTokenType.Number ? r.GetInt64() : throw Unexpected(ref r, "a number");

    private static decimal Decimal(ref Utf8JsonReader r) => r.TokenType == JsonTokenType.Number ? r.GetDecimal() : throw Unexpected(ref r, "a number");

    private static double? NullableDouble(ref Utf8JsonReader r) =>
        r.TokenType == JsonTokenType.Null ? null : r.TokenType == JsonTokenType.Number ? r.GetDouble() : throw Unexpected(ref r, "a number");

    private static JsonException Unexpected(ref Utf8JsonReader r, string expected) =>
        new($"expected {expected}, got {r.TokenType} at byte {r.TokenStartIndex}");

    private static JsonException Missing(string type, string property) =>
        new($"{type} is missing its required property '{property}'");
}
