using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Ingest;

/// <summary>
/// Segment's tracking spec onto our schemas: every mapped call passes the same validation as our own envelope, ids and
/// times follow Segment's rules, and Segment's limits are enforced with an error that names the message.
/// </summary>
public sealed class SegmentMappingTests
{
    private const string Scope = "key-1";
    private static readonly DateTimeOffset ReceivedAt = EventBuilder.Now;
    private readonly IngestValidator _validator = new(new EventParser(SchemaRegistry.Default, new FakeTimeProvider(EventBuilder.Now)));

    private static readonly JsonArray Products = new(
        new JsonObject { ["product_id"] = "P-1", ["sku"] = "SKU-1", ["category"] = "books", ["price"] = 10, ["quantity"] = 2 },
        new JsonObject { ["product_id"] = "P-2", ["category"] = "games", ["price"] = 5.5 });

    /// <summary>Segment's e-commerce spec v2 examples, with what each one's properties carry.</summary>
    public static TheoryData<string, string> Ecommerce() => new()
    {
        { "Products Searched", """{"query":"blue hotpants"}""" },
        { "Product List Viewed", $$"""{"list_id":"hot_deals_1","category":"Deals","products":{{Products.ToJsonString()}}}""" },
        { "Product Clicked", """{"product_id":"P-1","sku":"SKU-1","category":"books","name":"Monopoly","brand":"Hasbro","price":18.99,"position":3}""" },
        { "Product Viewed", """{"product_id":"P-1","sku":"SKU-1","category":"books","name":"Monopoly","brand":"Hasbro","price":18.99,"currency":"eur"}""" },
        { "Product Added", """{"cart_id":"c-1","product_id":"P-1","category":"books","price":18.99,"quantity":1}""" },
        { "Product Removed", """{"cart_id":"c-1","product_id":"P-1","category":"books","price":18.99}""" },
        { "Cart Viewed", $$"""{"cart_id":"c-1","products":{{Products.ToJsonString()}}}""" },
        { "Checkout Started", $$"""{"order_id":"o-1","value":30,"revenue":25.5,"currency":"USD","products":{{Products.ToJsonString()}}}""" },
        { "Order Completed", $$"""{"order_id":"o-1","total":30,"revenue":25,"currency":"USD","products":{{Products.ToJsonString()}}}""" },
        { "Order Updated", $$"""{"order_id":"o-1","total":35,"products":{{Products.ToJsonString()}}}""" },
        { "Order Refunded", """{"order_id":"o-1","total":30,"currency":"USD"}""" },
        { "Order Cancelled", """{"order_id":"o-1","reason":"changed my mind"}""" },
    };

    [Theory]
    [MemberData(nameof(Ecommerce))]
    public void Track_EcommerceSpecEvent_MapsToItsTypeAndPassesOurSchemas(string name, string properties)
    {
        var message = new JsonObject { ["type"] = "track", ["event"] = name, ["messageId"] = "m-1", ["anonymousId"] = "a-1", ["properties"] = JsonNode.Parse(properties) };

        var (accepted, record) = MapAndValidate("batch", new JsonObject { ["batch"] = new JsonArray(message) });

        Assert.Equal(SegmentMapping.TrackTypes[name], accepted.Type);
        Assert.Equal($"com.ecommerceagents/{accepted.Type}/1-0-0", record["schema"]!.GetValue<string>());
        Assert.Equal(SegmentMapping.EventId(Scope, "m-1"), accepted.EventId);
    }

    [Fact]
    public void Track_OrderCompleted_IsAPurchaseWithItsLinesAndTotal()
    {
        var message = Track("Order Completed", $$"""{"order_id":"o-1","total":30,"currency":"eur","products":{{Products.ToJsonString()}}}""");

        var (accepted, record) = MapAndValidate("track", message);

        Assert.Equal(EventTypes.Purchase, accepted.Type);
        var data = record["data"]!;
        Assert.Equal("o-1", data["orderId"]!.GetValue<string>());
        Assert.Equal(30m, data["total"]!.GetValue<decimal>());
        Assert.Equal("EUR", data["currency"]!.GetValue<string>());
        Assert.Equal(["SKU-1", "P-2"], data["items"]!.AsArray().Select(i => i!["sku"]!.GetValue<string>()));
        Assert.Equal([2, 1], data["items"]!.AsArray().Select(i => i!["quantity"]!.GetValue<int>()));
    }

    [Fact]
    public void Track_UnknownName_CustomEventKeepingNameAndProperties()
    {
        var properties = """{"coupon":"SPRING","discount":{"percent":10},"order_id":"o-7"}""";

        var (accepted, record) = MapAndValidate("track", Track("Coupon Applied", properties));

        Assert.Equal(EventTypes.CustomEvent, accepted.Type);
        Assert.Equal("Coupon Applied", record["data"]!["name"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(properties), JsonNode.Parse(record["data"]!["properties"]!.GetValue<string>())));
        Assert.Equal("o-7", record["data"]!["orderId"]!.GetValue<string>());
    }

    [Fact]
    public void Calls_PageScreenGroupIdentifyAlias_MapToTheirTypesAndIdentities()
    {
        var batch = new JsonArray(
            new JsonObject { ["type"] = "page", ["name"] = "Home", ["anonymousId"] = "a-1", ["properties"] = new JsonObject { ["url"] = "https://shop.example/", ["referrer"] = "https://search.example/" } },
            new JsonObject { ["type"] = "screen", ["name"] = "Basket", ["userId"] = "u-1" },
            new JsonObject { ["type"] = "group", ["groupId"] = "acme", ["userId"] = "u-1", ["traits"] = new JsonObject { ["plan"] = "pro" } },
            new JsonObject { ["type"] = "identify", ["userId"] = "u-1", ["anonymousId"] = "a-1", ["traits"] = new JsonObject { ["email"] = "pat@example.com" } },
            new JsonObject { ["type"] = "identify", ["userId"] = "u-1", ["traits"] = new JsonObject { ["plan"] = "gold" } },
            new JsonObject { ["type"] = "alias", ["userId"] = "u-2", ["previousId"] = "a-2" });

        var result = Validate(SegmentMapping.Map(Bytes(new JsonObject { ["batch"] = batch }), "batch", Scope, ReceivedAt));

        Assert.Empty(result.Rejected);
        Assert.Equal([EventTypes.PageView, EventTypes.ScreenView, EventTypes.Group, EventTypes.Identify, EventTypes.CustomEvent, EventTypes.Identify], result.Accepted.Select(a => a.Type));
        var records = result.Accepted.Select(a => JsonNode.Parse(a.Record)!).ToArray();
        Assert.Equal("https://shop.example/", records[0]["data"]!["url"]!.GetValue<string>());
        Assert.Equal("Home", records[0]["data"]!["title"]!.GetValue<string>());
        Assert.Equal("Basket", records[1]["data"]!["name"]!.GetValue<string>());
        Assert.Equal("acme", records[2]["data"]!["groupId"]!.GetValue<string>());
        Assert.Equal("identify", records[3]["data"]!["method"]!.GetValue<string>());
        Assert.Equal("pat@example.com", records[3]["context"]!["email"]!.GetValue<string>());
        Assert.Equal("Identify", records[4]["data"]!["name"]!.GetValue<string>());
        Assert.Equal(("u-2", "a-2", "alias"), (records[5]["userId"]!.GetValue<string>(), records[5]["anonymousId"]!.GetValue<string>(), records[5]["data"]!["method"]!.GetValue<string>()));
    }

    [Fact]
    public void Context_PageReferrerAgentIpCampaignLocale_Kept()
    {
        var message = Track("Signed Up", "{}");
        message["context"] = JsonNode.Parse("""
            {"ip":"203.0.113.7","userAgent":"Mozilla/5.0","locale":"fr-FR","page":{"url":"https://shop.example/a","referrer":"https://news.example/"},
             "campaign":{"source":"newsletter","medium":"email","name":"spring","term":"shoes","content":"hero-link"},"device":{"id":"dev-9"}}
            """);

        var (_, record) = MapAndValidate("track", message);

        var context = record["context"]!;
        Assert.Equal("203.0.113.7", context["ip"]!.GetValue<string>());
        Assert.Equal("Mozilla/5.0", context["userAgent"]!.GetValue<string>());
        Assert.Equal("fr-FR", context["locale"]!.GetValue<string>());
        Assert.Equal("dev-9", context["deviceId"]!.GetValue<string>());
        Assert.Equal("https://news.example/", context["page"]!["referrer"]!.GetValue<string>());
        Assert.Equal(("newsletter", "email", "spring"), (context["campaign"]!["source"]!.GetValue<string>(), context["campaign"]!["medium"]!.GetValue<string>(), context["campaign"]!["name"]!.GetValue<string>()));
        Assert.Equal(("shoes", "hero-link"), (context["campaign"]!["term"]!.GetValue<string>(), context["campaign"]!["content"]!.GetValue<string>()));
    }

    [Fact]
    public void Context_CampaignWithOnlyTermAndContent_Kept()
    {
        var message = Track("Signed Up", "{}");
        message["context"] = JsonNode.Parse("""{"campaign":{"term":"shoes","content":"hero-link"}}""");

        var (_, record) = MapAndValidate("track", message);

        Assert.Equal(("shoes", "hero-link"), (record["context"]!["campaign"]!["term"]!.GetValue<string>(), record["context"]!["campaign"]!["content"]!.GetValue<string>()));
    }

    [Fact]
    public void EventTime_DeviceClockAhead_CorrectedBySentAtAgainstReceivedAt()
    {
        var skew = TimeSpan.FromHours(3);
        var happened = ReceivedAt.AddSeconds(-40);
        var message = Track("Signed Up", "{}");
        message["timestamp"] = (happened + skew).ToString("O");
        var body = new JsonObject { ["batch"] = new JsonArray(message), ["sentAt"] = (ReceivedAt.AddSeconds(-1) + skew).ToString("O") };

        var (_, record) = MapAndValidate("batch", body);

        // One second in flight: the device's skew is gone, the flight time stays in the error.
        Assert.Equal(happened.AddSeconds(1), record["eventTime"]!.GetValue<DateTimeOffset>());
        Assert.Equal(ReceivedAt, SegmentMapping.EventTime(null, null, ReceivedAt));
    }

    [Fact]
    public void EventId_SameMessageIdAndKey_SameUuidV5_OtherKeyOrMessageDiffers()
    {
        var id = SegmentMapping.EventId(Scope, "m-1");

        Assert.Equal(id, SegmentMapping.EventId(Scope, "m-1"));
        Assert.NotEqual(id, SegmentMapping.EventId("key-2", "m-1"));
        Assert.NotEqual(id, SegmentMapping.EventId(Scope, "m-2"));
        Assert.Equal(5, Guid.Parse(id).Version);
    }

    [Fact]
    public void Limits_MissingIdsLongMessageIdOversizedMessage_RejectedByIndex()
    {
        var noIds = new JsonObject { ["type"] = "track", ["event"] = "X", ["messageId"] = "m-a" };
        var longId = Track("X", "{}");
        longId["messageId"] = new string('m', SegmentMapping.MaxMessageIdLength + 1);
        var big = Track("X", JsonSerializerString(new string('x', SegmentMapping.MaxMessageBytes)));
        var good = Track("X", "{}");

        var batch = SegmentMapping.Map(Bytes(new JsonObject { ["batch"] = new JsonArray(noIds, longId, big, good) }), "batch", Scope, ReceivedAt);

        Assert.Equal([3], batch.SourceIndexes);
        Assert.Equal([0, 1, 2], batch.Rejected.Select(r => r.Index));
        Assert.Contains("userId or anonymousId", batch.Rejected[0].Violations[0].Message, StringComparison.Ordinal);
        Assert.Equal("$.batch[1].messageId", batch.Rejected[1].Violations[0].Path);
        Assert.Equal("maxSize", batch.Rejected[2].Violations[0].Keyword);
    }

    [Fact]
    public void Limits_TooManyMessagesTooLargeOrNotJson_BodyError()
    {
        var many = new JsonArray([.. Enumerable.Range(0, SegmentMapping.MaxBatchMessages + 1).Select(_ => (JsonNode)new JsonObject())]);

        Assert.NotNull(SegmentMapping.Map(Bytes(new JsonObject { ["batch"] = many }), "batch", Scope, ReceivedAt).BodyError);
        Assert.NotNull(SegmentMapping.Map(new byte[SegmentMapping.MaxBatchBytes + 1], "batch", Scope, ReceivedAt).BodyError);
        Assert.NotNull(SegmentMapping.Map("{\"batch\":["u8, "batch", Scope, ReceivedAt).BodyError);
        Assert.Equal("wk-1", SegmentMapping.Map("""{"writeKey":"wk-1","batch":{}}"""u8, "batch", Scope, ReceivedAt).WriteKey);
    }

    private static string JsonSerializerString(string value) => new JsonObject { ["blob"] = value }.ToJsonString();

    private static JsonObject Track(string name, string properties) =>
        new() { ["type"] = "track", ["event"] = name, ["messageId"] = Guid.NewGuid().ToString(), ["userId"] = "u-1", ["anonymousId"] = "a-1", ["properties"] = JsonNode.Parse(properties) };

    private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    private (AcceptedEvent Accepted, JsonNode Record) MapAndValidate(string call, JsonObject body)
    {
        var result = Validate(SegmentMapping.Map(Bytes(body), call, Scope, ReceivedAt));
        Assert.True(result.Rejected.Count == 0, string.Join("; ", result.Rejected.SelectMany(r => r.Violations)));
        var accepted = Assert.Single(result.Accepted);
        var record = JsonNode.Parse(accepted.Record)!;
        Assert.Equal("segment", record["lineage"]!["source"]!.GetValue<string>());
        return (accepted, record);
    }

    private IngestResult Validate(SegmentBatch batch)
    {
        Assert.Null(batch.BodyError);
        Assert.True(batch.Rejected.Count == 0, string.Join("; ", batch.Rejected.SelectMany(r => r.Violations)));
        return _validator.Validate(batch.Envelopes, new IngestLineage("segment", ReceivedAt, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "r-1"), null, SegmentMapping.MaxBatchMessages);
    }
}
