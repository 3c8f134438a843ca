using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bogus;
using ECommerceAgents.Domain;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Local.Traffic;

/// <summary>What the generator did to a record on purpose.</summary>
public enum Fault
{
    None,
    Malformed,
    SchemaViolation,
    Duplicate,
    Late,
    Bot,
}

public enum Persona
{
    Browser,
    Researcher,
    BargainHunter,
    LoyalBuyer,
}

public sealed record Product(string Sku, string Title, string Category, string Brand, decimal Price, string Currency, int Stock);

public sealed record Shopper(string AnonymousId, string? UserId, Persona Persona, string UserAgent, string Ip, string Locale, string Email);

/// <summary>One record to send, with what it is.</summary>
public sealed record GeneratedRecord(
    byte[] Data,
    string PartitionKey,
    string? EventId,
    string? Type,
    Fault Fault,
    DateTimeOffset EventTime,
    string? UserId,
    string? ExpectedReason = null);

public sealed record TrafficOptions
{
    public int Seed { get; init; } = 42;

    public int Users { get; init; } = 200;

    /// <summary>About this many records are produced (the last session may run over a little).</summary>
    public int Events { get; init; } = 5000;

    public int Products { get; init; } = 240;

    /// <summary>The end of the generated period; events fall within <see cref="Span"/> before it.</summary>
    public DateTimeOffset End { get; init; } = DateTimeOffset.UtcNow;

    public TimeSpan Span { get; init; } = TimeSpan.FromHours(2);

    public double MalformedRate { get; init; } = 0.004;

    public double SchemaViolationRate { get; init; } = 0.006;

    public double DuplicateRate { get; init; } = 0.01;

    public double LateRate { get; init; } = 0.01;

    /// <summary>Share of records that come from bots (crawler user agents and a fast scraper).</summary>
    public double BotRate { get; init; } = 0.03;

    public int Devices { get; init; } = 5;

    public double TelemetryRate { get; init; } = 0.02;
}

/// <summary>
/// A seeded shop. Shoppers have personas (browser, researcher, bargain hunter, loyal buyer) that shape their sessions:
/// landing pages, product views within favourite categories, searches, carts with drop-offs, checkouts and purchases;
/// purchases become orders that go through payment, shipping and delivery, with some cancellations and refunds. Some
/// telemetry comes from devices. Faults are injected at the configured rates and recorded, so the run knows its own
/// ground truth. The same options give the same records.
/// </summary>
public sealed class TrafficGenerator
{
    public static readonly string[] Categories = ["electronics", "books", "home", "garden", "toys", "fashion", "sports", "beauty", "grocery", "automotive"];

    private static readonly string[] HumanAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
    ];

    private static readonly string[] CrawlerAgents =
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "python-requests/2.32.3",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36",
    ];

    private readonly TrafficOptions _options;
    private readonly Random _random;
    private readonly Faker _faker;
    private readonly List<GeneratedRecord> _records = [];
    private readonly List<GeneratedRecord> _valid = [];
    private readonly List<GeneratedRecord> _late = [];
    private int _eventCounter;
    private int _orderCounter;

    public TrafficGenerator(TrafficOptions options)
    {
        _options = options;
        _random = new Random(options.Seed);
        _faker = new Faker("en") { Random = new Randomizer(options.Seed) };
        Catalog = BuildCatalog();
        Shoppers = BuildShoppers();
    }

    public IReadOnlyList<Product> Catalog { get; }

    public IReadOnlyList<Shopper> Shoppers { get; }

    public GroundTruth Truth { get; } = new();

    private DateTimeOffset Start => _options.End - _options.Span;

    /// <summary>The records in send order.</summary>
    public IReadOnlyList<GeneratedRecord> Generate()
    {
        if (_records.Count > 0) return _records;
        var sessions = new List<(DateTimeOffset Start, Func<DateTimeOffset, List<GeneratedRecord>> Produce)>();
        var budget = _options.Events;
        var botBudget = (int)(budget * _options.BotRate);
        var telemetryBudget = (int)(budget * _options.TelemetryRate);

        // Human sessions until the budget is spent; each shopper gets sessions spread over the span.
        var produced = new List<GeneratedRecord>();
        var spanSeconds = Math.Max(60, (int)_options.Span.TotalSeconds - 1800);
        while (produced.Count < budget - botBudget - telemetryBudget)
        {
            var shopper = Shoppers[_random.Next(Shoppers.Count)];
            var start = Start.AddSeconds(_random.Next(spanSeconds));
            produced.AddRange(Session(shopper, start));
        }

        produced.AddRange(Bots(botBudget));
        produced.AddRange(Telemetry(telemetryBudget));

        // Send order is arrival order: by event time, with late events held back and sent at the end.
        produced = produced.OrderBy(r => r.EventTime).ThenBy(r => r.EventId, StringComparer.Ordinal).ToList();
        foreach (var record in produced)
        {
            if (record.Fault == Fault.None && record.Type is not null && EventTypes.IsInteraction(record.Type) && _random.NextDouble() < _options.LateRate)
            {
                _late.Add(record with { Fault = Fault.Late });
                continue;
            }

            _records.Add(record);
        }

        _records.AddRange(_late);
        _valid.AddRange(_records.Where(r => r.Fault is Fault.None or Fault.Late));
        InjectFaults();
        foreach (var r in _records) Truth.Count(r);
        return _records;
    }

    private void InjectFaults()
    {
        var count = _records.Count;
        var positions = Enumerable.Range(0, count).OrderBy(_ => _random.Next()).ToArray();
        var p = 0;
        foreach (var _ in Enumerable.Range(0, (int)(count * _options.DuplicateRate)))
        {
            var original = _valid[_random.Next(_valid.Count)];
            _records.Insert(Math.Min(_records.Count, positions[p++ % count] + 1), original with { Fault = Fault.Duplicate });
        }

        foreach (var _ in Enumerable.Range(0, (int)(count * _options.MalformedRate)))
        {
            var at = positions[p++ % count];
            _records.Insert(Math.Min(_records.Count, at), Malformed(_records[Math.Min(at, _records.Count - 1)]));
        }

        foreach (var _ in Enumerable.Range(0, (int)(count * _options.SchemaViolationRate)))
        {
            var at = positions[p++ % count];
            _records.Insert(Math.Min(_records.Count, at), Violation(_records[Math.Min(at, _records.Count - 1)].EventTime));
        }
    }

    private List<GeneratedRecord> Session(Shopper shopper, DateTimeOffset start)
    {
        var records = new List<GeneratedRecord>();
        var time = start;
        var userId = shopper.Persona == Persona.LoyalBuyer ? shopper.UserId : null;
        var favourite = Categories[BatchIndex(shopper.AnonymousId, Categories.Length)];
        var cart = new List<(Product Product, int Quantity)>();
        void Emit(string type, EventData data)
        {
            records.Add(Record(type, shopper, userId, time, data));
            time = time.AddSeconds(5 + _random.Next(85));
        }

        var landing = _random.NextDouble() < 0.3 ? $"https://shop.example.com/c/{favourite}" : "https://shop.example.com/";
        Emit(EventTypes.PageView, new EventData { Url = landing, Referrer = _random.NextDouble() < 0.5 ? "https://www.google.com/" : null, Title = "Shop" });

        var (views, cartChance, buyChance, searchChance) = shopper.Persona switch
        {
            Persona.Browser => (_random.Next(2, 7), 0.06, 0.25, 0.1),
            Persona.Researcher => (_random.Next(4, 10), 0.15, 0.35, 0.5),
            Persona.BargainHunter => (_random.Next(3, 8), 0.3, 0.3, 0.3),
            _ => (_random.Next(1, 4), 0.6, 0.8, 0.1),
        };

        if (userId is null && shopper.UserId is not null && _random.NextDouble() < 0.35)
        {
            userId = shopper.UserId;
            Emit(EventTypes.Identify, new EventData { Method = "login" });
        }

        for (var i = 0; i < views; i++)
        {
            if (_random.NextDouble() < searchChance)
            {
                Emit(EventTypes.Search, new EventData { Query = _faker.Commerce.ProductAdjective().ToLowerInvariant() + " " + favourite, ResultsCount = _random.Next(0, 80), Category = favourite });
            }

            var product = PickProduct(shopper.Persona, favourite);
            Emit(EventTypes.ProductView, new EventData { Sku = product.Sku, Category = product.Category, Brand = product.Brand, Price = product.Price, Currency = product.Currency, Title = product.Title });
            if (_random.NextDouble() < cartChance)
            {
                var quantity = 1 + (_random.NextDouble() < 0.2 ? 1 : 0);
                cart.Add((product, quantity));
                Emit(EventTypes.AddToCart, new EventData { Sku = product.Sku, Category = product.Category, Brand = product.Brand, Price = product.Price, Currency = product.Currency, Quantity = quantity });
                if (_random.NextDouble() < 0.1)
                {
                    cart.RemoveAt(cart.Count - 1);
                    Emit(EventTypes.RemoveFromCart, new EventData { Sku = product.Sku, Category = product.Category, Quantity = quantity });
                }
            }

            if (_random.NextDouble() < 0.08) break; // drop-off
        }

        if (cart.Count == 0) return records;
        var value = cart.Sum(c => c.Product.Price * c.Quantity);
        Emit(EventTypes.BeginCheckout, new EventData { CartValue = value, Currency = "EUR", ItemCount = cart.Sum(c => c.Quantity) });
        if (_random.NextDouble() > buyChance) return records; // abandoned at checkout

        if (userId is null && shopper.UserId is not null)
        {
            userId = shopper.UserId;
            Emit(EventTypes.Identify, new EventData { Method = "checkout" });
        }

        var orderId = $"ord-{_options.Seed}-{++_orderCounter:D6}";
        var lines = cart.Select(c => new OrderLine { Sku = c.Product.Sku, Quantity = c.Quantity, Price = c.Product.Price, Category = c.Product.Category }).ToArray();
        Emit(EventTypes.Purchase, new EventData { OrderId = orderId, Total = value, Currency = "EUR", Items = lines });
        records.AddRange(OrderLifecycle(orderId, shopper, userId, time, value, lines));
        return records;
    }

    private IEnumerable<GeneratedRecord> OrderLifecycle(string orderId, Shopper shopper, string? userId, DateTimeOffset placed, decimal total, OrderLine[] lines)
    {
        var backend = shopper with { UserAgent = "eca-orders/1.0", Ip = "10.0.0.5" };
        var time = placed.AddSeconds(2);
        yield return Record(EventTypes.OrderPlaced, backend, userId, time, new EventData { OrderId = orderId, Total = total, Currency = "EUR", Items = lines, Channel = "web" }, order: true);
        Truth.OrderPlaced(orderId, userId, total);
        var roll = _random.NextDouble();
        if (roll < 0.05)
        {
            yield return Record(EventTypes.OrderCancelled, backend, userId, time.AddMinutes(3), new EventData { OrderId = orderId, Reason = "customer request" }, order: true);
            Truth.OrderCancelled(orderId);
            yield break;
        }

        yield return Record(EventTypes.OrderPaid, backend, userId, time.AddMinutes(1), new EventData { OrderId = orderId, Amount = total, Currency = "EUR", PaymentMethod = "card" }, order: true);
        Truth.OrderPaid(orderId, total);
        if (time.AddMinutes(20) < _options.End)
        {
            yield return Record(EventTypes.OrderShipped, backend, userId, time.AddMinutes(20), new EventData { OrderId = orderId, Carrier = "DHL", TrackingNumber = "TRK" + _orderCounter.ToString("D8", CultureInfo.InvariantCulture) }, order: true);
            Truth.OrderMoved(orderId, "shipped");
        }

        if (time.AddMinutes(50) < _options.End)
        {
            yield return Record(EventTypes.OrderDelivered, backend, userId, time.AddMinutes(50), new EventData { OrderId = orderId }, order: true);
            Truth.OrderMoved(orderId, "delivered");
            if (roll > 0.93)
            {
                var refund = decimal.Round(total * 0.5m, 2);
                yield return Record(EventTypes.OrderRefunded, backend, userId, time.AddMinutes(55), new EventData { OrderId = orderId, Amount = refund, Currency = "EUR", Reason = "returned item" }, order: true);
                Truth.OrderRefunded(orderId, refund);
            }
        }
    }

    private IEnumerable<GeneratedRecord> Bots(int budget)
    {
        var produced = 0;
        var bot = 0;
        while (produced < budget)
        {
            // Crawlers announce themselves; the scraper uses a browser's agent but fetches far faster than a person.
            var scraper = bot % 3 == 2;
            var agent = scraper ? HumanAgents[0] : CrawlerAgents[bot % CrawlerAgents.Length];
            var shopper = new Shopper($"bot-{_options.Seed}-{bot}", null, Persona.Browser, agent, $"198.51.100.{10 + bot}", "en-US", $"bot{bot}@example.net");
            var time = Start.AddSeconds(_random.Next(Math.Max(60, (int)_options.Span.TotalSeconds - 600)));
            var burst = Math.Min(budget - produced, scraper ? 180 : 40);
            for (var i = 0; i < burst; i++)
            {
                var product = Catalog[_random.Next(Catalog.Count)];
                var record = Record(EventTypes.ProductView, shopper, null, time, new EventData { Sku = product.Sku, Category = product.Category, Price = product.Price, Currency = product.Currency });
                yield return record with { Fault = Fault.Bot };
                time = time.AddMilliseconds(scraper ? 250 : 2000);
            }

            produced += burst;
            bot++;
        }
    }

    private IEnumerable<GeneratedRecord> Telemetry(int budget)
    {
        var metrics = new[] { ("temperature_c", 20.0, 4.0), ("battery_pct", 70.0, 20.0), ("scan_latency_ms", 120.0, 40.0) };
        for (var i = 0; i < budget; i++)
        {
            var device = $"dev-{_options.Seed}-{i % _options.Devices}";
            var (metric, mean, spread) = metrics[i % metrics.Length];
            var shopper = new Shopper(device, null, Persona.Browser, "eca-device/2.1", "10.1.0." + (i % _options.Devices), "en-GB", "ops@example.com");
            var time = Start.AddSeconds(_random.Next((int)_options.Span.TotalSeconds));
            var evt = Envelope(EventTypes.DeviceTelemetry, shopper, null, time, new EventData { Metric = metric, Value = Math.Round(mean + (_random.NextDouble() - 0.5) * spread, 2), Unit = metric[(metric.LastIndexOf('_') + 1)..] }) with
            {
                AnonymousId = null,
                Context = new EventContext { DeviceId = device, UserAgent = "eca-device/2.1" },
            };
            yield return ToRecord(evt, EventTypes.DeviceTelemetry, Fault.None);
        }
    }

    private GeneratedRecord Record(string type, Shopper shopper, string? userId, DateTimeOffset time, EventData data, bool order = false)
    {
        var evt = Envelope(type, shopper, userId, time, data);
        if (order) evt = evt with { AnonymousId = null, Context = new EventContext { UserAgent = shopper.UserAgent, Ip = shopper.Ip } };
        return ToRecord(evt, type, Fault.None);
    }

    private TrackedEvent Envelope(string type, Shopper shopper, string? userId, DateTimeOffset time, EventData data) => new()
    {
        Schema = $"{SchemaKey.PlatformVendor}/{type}/1-0-0",
        EventId = NextId(),
        EventTime = time,
        UserId = type == EventTypes.Identify ? shopper.UserId : userId,
        AnonymousId = shopper.AnonymousId,
        Context = new EventContext
        {
            UserAgent = shopper.UserAgent,
            Ip = shopper.Ip,
            Locale = shopper.Locale,
            Email = type == EventTypes.Identify ? shopper.Email : null,
            DeviceId = "web-" + shopper.AnonymousId,
        },
        Data = data,
        Lineage = new EventLineage { Source = "api", IngestTime = time.AddMilliseconds(120) },
    };

    private static GeneratedRecord ToRecord(TrackedEvent evt, string type, Fault fault)
    {
        var key = PartitionKeys.For(type, evt.UserId, evt.AnonymousId, evt.Data.OrderId, evt.Data.Sku, evt.Context?.DeviceId, evt.EventId);
        return new GeneratedRecord(JsonSerializer.SerializeToUtf8Bytes(evt, DomainJson.TrackedEvent), key, evt.EventId, type, fault, evt.EventTime, evt.UserId ?? evt.AnonymousId);
    }

    private GeneratedRecord Malformed(GeneratedRecord near)
    {
        var text = Encoding.UTF8.GetString(near.Data);
        byte[] data = (_random.Next(3)) switch
        {
            0 => Encoding.UTF8.GetBytes(text[..(text.Length / 2)]),
            1 => Encoding.UTF8.GetBytes("{\"schema\": \"com.ecommerceagents/page_view/1-0-0\", \"eventId\": oops}"),
            _ => Encoding.UTF8.GetBytes("GET /checkout HTTP/1.1 not json at all"),
        };
        return new GeneratedRecord(data, "malformed-" + _random.Next(1000), null, null, Fault.Malformed, near.EventTime, null, "malformed_json");
    }

    private GeneratedRecord Violation(DateTimeOffset time)
    {
        var product = Catalog[_random.Next(Catalog.Count)];
        var evt = Envelope(EventTypes.ProductView, Shoppers[_random.Next(Shoppers.Count)], null, time,
            new EventData { Sku = product.Sku, Category = product.Category, Price = product.Price, Currency = product.Currency });
        var node = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(evt, DomainJson.TrackedEvent))!.AsObject();
        var data = node["data"]!.AsObject();
        switch (_random.Next(4))
        {
            case 0: data.Remove("price"); break;
            case 1: data["price"] = "free"; break;
            case 2: data["currency"] = "euro"; break;
            default: node["schema"] = "com.ecommerceagents/product_view/9-9-9"; break;
        }

        var reason = node["schema"]!.GetValue<string>().EndsWith("9-9-9", StringComparison.Ordinal) ? "unknown_schema" : "schema_violation";
        return new GeneratedRecord(Encoding.UTF8.GetBytes(node.ToJsonString()), "user:" + evt.AnonymousId, evt.EventId, EventTypes.ProductView, Fault.SchemaViolation, time, evt.AnonymousId, reason);
    }

    private Product PickProduct(Persona persona, string favourite)
    {
        var pool = _random.NextDouble() < 0.7 ? Catalog.Where(p => p.Category == favourite).ToArray() : Catalog.ToArray();
        if (persona == Persona.BargainHunter) pool = pool.OrderBy(p => p.Price).Take(Math.Max(3, pool.Length / 3)).ToArray();
        // Popular products are viewed more: a skew towards the front of the pool.
        var index = (int)(Math.Pow(_random.NextDouble(), 2) * pool.Length);
        return pool[Math.Min(index, pool.Length - 1)];
    }

    private List<Product> BuildCatalog()
    {
        var products = new List<Product>();
        for (var i = 0; i < _options.Products; i++)
        {
            var category = Categories[i % Categories.Length];
            var price = decimal.Round((decimal)(Math.Exp(_random.NextDouble() * 6) + 2), 2);
            products.Add(new Product($"SKU-{i + 1:D5}", _faker.Commerce.ProductName(), category, _faker.Company.CompanyName().Split(' ')[0], price, "EUR", _random.Next(0, 500)));
        }

        return products;
    }

    private List<Shopper> BuildShoppers()
    {
        var shoppers = new List<Shopper>();
        for (var i = 0; i < _options.Users; i++)
        {
            var persona = (Persona)(i % 4);
            var registered = persona == Persona.LoyalBuyer || _random.NextDouble() < 0.6;
            shoppers.Add(new Shopper(
                $"a-{_options.Seed}-{i:D5}",
                registered ? $"u-{_options.Seed}-{i:D5}" : null,
                persona,
                HumanAgents[_random.Next(HumanAgents.Length)],
                $"203.0.113.{_random.Next(1, 255)}",
                _random.NextDouble() < 0.5 ? "en-GB" : "de-DE",
                _faker.Internet.Email()));
        }

        return shoppers;
    }

    private string NextId()
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        _eventCounter++;
        return new Guid(bytes, bigEndian: true).ToString();
    }

    private static int BatchIndex(string s, int modulo) => ECommerceAgents.Domain.Processing.CoViewLayout.StableHash(s) % modulo;
}
