using System.Text;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Validation;

public sealed class EventParserTests
{
    private readonly EventParser _parser = new(SchemaRegistry.Default, new FakeTimeProvider(EventBuilder.Now));

    private RejectedEvent Rejected(byte[] payload) => Assert.IsType<RejectedEvent>(_parser.Parse(payload));

    [Fact]
    public void Registry_HoldsEveryEventTypeAndTheEnvelope()
    {
        var names = SchemaRegistry.Default.All.Select(e => e.Key.Name).ToHashSet();

        Assert.Contains("envelope", names);
        Assert.All(EventTypes.All, t => Assert.Contains(t, names));
        Assert.Equal(EventTypes.All.Count + 1, names.Count);
    }

    [Fact]
    public void Parse_ValidProductView_TypedEventWithDecimalPrice()
    {
        var parsed = Assert.IsType<ParsedEvent>(_parser.Parse(EventBuilder.ProductView(price: 19.99m).Json()));

        Assert.Equal(EventTypes.ProductView, parsed.Type);
        Assert.Equal(19.99m, parsed.Event.Data.Price);
        Assert.Equal("SKU-1", parsed.Event.Data.Sku);
    }

    [Fact]
    public void Parse_EverySampleInTheTrafficGenerator_IsValid()
    {
        var generator = new Local.Traffic.TrafficGenerator(new Local.Traffic.TrafficOptions { Events = 1500, End = EventBuilder.Now, MalformedRate = 0, SchemaViolationRate = 0 });

        var outcomes = generator.Generate().Select(r => _parser.Parse(r.Data)).ToArray();

        var rejected = outcomes.OfType<RejectedEvent>().ToArray();
        Assert.True(rejected.Length == 0, string.Join("\n", rejected.Take(5).Select(r => r.Summary)));
    }

    [Fact]
    public void Parse_SeveralViolations_AllReportedWithJsonPaths()
    {
        var node = EventBuilder.ProductView().Node();
        node["data"]!.AsObject().Remove("sku");
        node["data"]!["price"] = "free";
        node["data"]!["currency"] = "euro";
        node["data"]!["colour"] = "red";
        node["eventId"] = "not-a-uuid";

        var rejection = Rejected(EventBuilder.Bytes(node));

        Assert.Equal(FailureReason.SchemaViolation, rejection.Reason);
        var byPath = rejection.Violations.ToDictionary(v => v.Path, v => v.Keyword);
        Assert.Equal("required", byPath["$.data.sku"]);
        Assert.Equal("type", byPath["$.data.price"]);
        Assert.Equal("pattern", byPath["$.data.currency"]);
        Assert.Equal("additionalProperties", byPath["$.data.colour"]);
        Assert.Equal("format", byPath["$.eventId"]);
    }

    [Fact]
    public void Parse_OrderLines_ArrayItemPathsNamed()
    {
        var node = EventBuilder.Purchase("o-1", 10m, ("SKU-1", 1, 10m), ("SKU-2", 0, 5m)).Node();

        var rejection = Rejected(EventBuilder.Bytes(node));

        var violation = Assert.Single(rejection.Violations);
        Assert.Equal("$.data.items[1].quantity", violation.Path);
        Assert.Equal("minimum", violation.Keyword);
    }

    [Theory]
    [InlineData("{\"schema\":\"com.ecommerceagents/page_view/1-0-0\",", "malformed_json")]
    [InlineData("not json at all", "malformed_json")]
    [InlineData("", "malformed_json")]
    [InlineData("[1,2,3]", "schema_violation")]
    [InlineData("{\"schema\":\"com.ecommerceagents/page_view/7-0-0\",\"eventId\":\"6f1c2b7e-3f0a-4f5e-9a7b-2d8c1e4f5a6b\",\"eventTime\":\"2026-11-23T10:00:00Z\",\"data\":{}}", "unknown_schema")]
    [InlineData("{\"schema\":\"org.other/page_view/1-0-0\",\"eventId\":\"6f1c2b7e-3f0a-4f5e-9a7b-2d8c1e4f5a6b\",\"eventTime\":\"2026-11-23T10:00:00Z\",\"data\":{}}", "schema_violation")]
    public void Parse_NotAnEvent_RejectedWithReason(string text, string reason)
    {
        Assert.Equal(reason, Rejected(Encoding.UTF8.GetBytes(text)).Reason.Name());
    }

    [Fact]
    public void Parse_InvalidUtf8_Rejected()
    {
        var bytes = EventBuilder.ProductView().Json();
        bytes[20] = 0xFF;

        Assert.Equal(FailureReason.InvalidUtf8, Rejected(bytes).Reason);
    }

    [Fact]
    public void Parse_NestingTenThousandDeep_RejectedNotThrown()
    {
        var deep = "{\"a\":" + string.Concat(Enumerable.Repeat("[", 10_000)) + string.Concat(Enumerable.Repeat("]", 10_000)) + "}";

        Assert.Equal(FailureReason.MalformedJson, Rejected(Encoding.UTF8.GetBytes(deep)).Reason);
    }

    [Fact]
    public void Parse_DuplicateKey_Rejected()
    {
        var json = Encoding.UTF8.GetString(EventBuilder.ProductView().Json()).Replace("\"sku\":\"SKU-1\"", "\"sku\":\"SKU-1\",\"sku\":\"SKU-2\"", StringComparison.Ordinal);

        var rejection = Rejected(Encoding.UTF8.GetBytes(json));

        Assert.Contains(rejection.Violations, v => v.Path == "$.data.sku" && v.Keyword == "uniqueProperties");
    }

    [Theory]
    [InlineData("\"NaN\"")]
    [InlineData("\"Infinity\"")]
    [InlineData("1e400")]
    [InlineData("-5")]
    [InlineData("99999999999")]
    public void Parse_PriceOutOfRangeOrText_Rejected(string price)
    {
        var json = Encoding.UTF8.GetString(EventBuilder.ProductView().Json()).Replace("\"price\":129.99", "\"price\":" + price, StringComparison.Ordinal);

        var rejection = Rejected(Encoding.UTF8.GetBytes(json));

        Assert.Contains(rejection.Violations, v => v.Path == "$.data.price");
    }

    [Theory]
    [InlineData(-500)]
    [InlineData(365 * 3)]
    public void Parse_TimestampYearsAway_Rejected(int days)
    {
        var rejection = Rejected(EventBuilder.ProductView().At(EventBuilder.Now.AddDays(days)).Json());

        Assert.Equal(FailureReason.TimestampOutOfRange, rejection.Reason);
        Assert.Equal("$.eventTime", rejection.Violations.Single().Path);
    }

    [Fact]
    public void Parse_InteractionWithoutAnyIdentity_Rejected()
    {
        var rejection = Rejected(EventBuilder.ProductView().User(null, null).Json());

        Assert.Equal("$.userId", rejection.Violations.Single().Path);
    }

    [Fact]
    public void Parse_IdentifyWithoutAnonymousId_Rejected()
    {
        var rejection = Rejected(new EventBuilder().Type(EventTypes.Identify).User("u-1", null).Data(new EventData { Method = "login" }).Json());

        Assert.Equal("$.anonymousId", rejection.Violations.Single().Path);
    }

    [Fact]
    public void Parse_OneMegabyteString_RejectedByLength()
    {
        var json = Encoding.UTF8.GetString(EventBuilder.Search().Json()).Replace("\"headphones\"", "\"" + new string('x', 1024 * 1024 - 500) + "\"", StringComparison.Ordinal);

        var rejection = Rejected(Encoding.UTF8.GetBytes(json));

        Assert.Contains(rejection.Violations, v => v.Path == "$.data.query" && v.Keyword == "maxLength");
    }

    [Fact]
    public void Parse_RecordOverTheLimit_RejectedBeforeParsing()
    {
        var rejection = Rejected(new byte[1024 * 1024 + 1]);

        Assert.Equal(FailureReason.PayloadTooLarge, rejection.Reason);
    }

    [Fact]
    public void Parse_EscapedLoneSurrogate_RejectedNotThrown()
    {
        var json = Encoding.UTF8.GetString(EventBuilder.Search().Json()).Replace("headphones", "\\ud800x", StringComparison.Ordinal);

        var outcome = _parser.Parse(Encoding.UTF8.GetBytes(json));

        Assert.IsType<RejectedEvent>(outcome);
    }

    [Fact]
    public void Parse_ErrorNeverThrows_ForArbitraryBytes()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var bytes = EventBuilder.ProductView().Json();
            for (var k = 0; k < 3; k++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);

            var outcome = _parser.Parse(bytes);

            Assert.NotNull(outcome);
        }
    }
}
