using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Tests.Builders;

/// <summary>Builds events as producers send them, and stream records around them.</summary>
public sealed class EventBuilder
{
    private static int _counter;

    public static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private string _type = EventTypes.ProductView;
    private string _eventId = NewId();
    private DateTimeOffset _time = Now;
    private string? _userId = "u-1";
    private string? _anonymousId = "a-1";
    private EventContext? _context = new() { UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36", Ip = "203.0.113.42", Locale = "en-GB" };
    private EventLineage? _lineage;
    private EventData _data = new() { Sku = "SKU-1", Category = "electronics", Brand = "Acme", Price = 129.99m, Currency = "EUR" };

    public static string NewId() => new Guid(Interlocked.Increment(ref _counter), 0, 0, new byte[8]).ToString();

    public static EventBuilder ProductView(string sku = "SKU-1", string category = "electronics", decimal price = 129.99m) =>
        new EventBuilder().Type(EventTypes.ProductView).Data(new EventData { Sku = sku, Category = category, Brand = "Acme", Price = price, Currency = "EUR" });

    public static EventBuilder PageView(string url = "https://shop.example.com/") =>
        new EventBuilder().Type(EventTypes.PageView).Data(new EventData { Url = url });

    public static EventBuilder AddToCart(string sku = "SKU-1", int quantity = 1, decimal price = 129.99m) =>
        new EventBuilder().Type(EventTypes.AddToCart).Data(new EventData { Sku = sku, Category = "electronics", Brand = "Acme", Price = price, Currency = "EUR", Quantity = quantity });

    public static EventBuilder Search(string query = "headphones") =>
        new EventBuilder().Type(EventTypes.Search).Data(new EventData { Query = query, ResultsCount = 3 });

    public static EventBuilder Purchase(string orderId, decimal total, params (string Sku, int Quantity, decimal Price)[] lines) =>
        new EventBuilder().Type(EventTypes.Purchase).Data(new EventData
        {
            OrderId = orderId,
            Total = total,
            Currency = "EUR",
            Items = lines.Select(l => new OrderLine { Sku = l.Sku, Quantity = l.Quantity, Price = l.Price, Category = "electronics" }).ToArray(),
        });

    public static EventBuilder Order(string type, string orderId, decimal? amount = null) =>
        new EventBuilder().Type(type).User("u-1", null).Data(type switch
        {
            EventTypes.OrderPlaced => new EventData { OrderId = orderId, Total = amount ?? 100m, Currency = "EUR", Items = [new OrderLine { Sku = "SKU-1", Quantity = 1, Price = amount ?? 100m }] },
            EventTypes.OrderPaid or EventTypes.OrderRefunded => new EventData { OrderId = orderId, Amount = amount ?? 100m, Currency = "EUR" },
            _ => new EventData { OrderId = orderId },
        });

    public EventBuilder Type(string type)
    {
        _type = type;
        return this;
    }

    public EventBuilder Id(string id)
    {
        _eventId = id;
        return this;
    }

    public EventBuilder At(DateTimeOffset time)
    {
        _time = time;
        return this;
    }

    public EventBuilder AtMinute(double minutes) => At(Now.AddMinutes(minutes));

    public EventBuilder User(string? userId, string? anonymousId = "a-1")
    {
        _userId = userId;
        _anonymousId = anonymousId;
        return this;
    }

    public EventBuilder Context(EventContext? context)
    {
        _context = context;
        return this;
    }

    /// <summary>The event as the API stamps it when the request carried <c>Sec-GPC: 1</c>.</summary>
    public EventBuilder Gpc()
    {
        _lineage = new EventLineage { Source = "api", IngestTime = _time, Gpc = true };
        return this;
    }

    public EventBuilder Data(EventData data)
    {
        _data = data;
        return this;
    }

    public TrackedEvent Build() => new()
    {
        Schema = $"com.ecommerceagents/{_type}/1-0-0",
        EventId = _eventId,
        EventTime = _time,
        UserId = _userId,
        AnonymousId = _anonymousId,
        Context = _context,
        Data = _data,
        Lineage = _lineage,
    };

    public byte[] Json() => JsonSerializer.SerializeToUtf8Bytes(Build(), DomainJson.TrackedEvent);

    public JsonObject Node() => JsonNode.Parse(Json())!.AsObject();

    public static byte[] Bytes(JsonNode node) => System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
}

/// <summary>Wraps events as stream records of one shard, with increasing sequence numbers.</summary>
public sealed class RecordBuilder(string shardId = "shardId-000000000000", long firstSequence = 1000)
{
    private long _next = firstSequence;

    public StreamInput Next(byte[] data, string partitionKey = "k") =>
        new(new StreamPosition(shardId, (_next++).ToString(System.Globalization.CultureInfo.InvariantCulture)), partitionKey, data, EventBuilder.Now);

    public StreamInput Next(EventBuilder e) => Next(e.Json());
}
