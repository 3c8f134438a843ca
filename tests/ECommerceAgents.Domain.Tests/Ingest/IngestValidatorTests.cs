using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Ingest;

/// <summary>
/// The ingest check on the lighter parse and with its buffers kept across requests: bad events are named by index and
/// JSON path (a value only the typed read refuses too), accepted records carry their own request's lineage.
/// </summary>
public sealed class IngestValidatorTests
{
    private readonly IngestValidator _validator = new(new EventParser(SchemaRegistry.Default, new FakeTimeProvider(EventBuilder.Now)));

    private static IngestLineage Lineage(string requestId) =>
        new("api", EventBuilder.Now, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", requestId);

    [Fact]
    public void Batch_BadEventsNamedByIndexAndPath_GoodOnesAccepted()
    {
        var badCurrency = EventBuilder.AddToCart().Node();
        badCurrency["data"]!["currency"] = "eur";
        var fractionalQuantity = EventBuilder.AddToCart().Json();
        var text = Encoding.UTF8.GetString(fractionalQuantity).Replace("\"quantity\":1", "\"quantity\":1.0", StringComparison.Ordinal);
        var body = $"[{EventBuilder.ProductView().Node().ToJsonString()},{badCurrency.ToJsonString()},{text}]";

        var result = _validator.Validate(Encoding.UTF8.GetBytes(body), Lineage("r1"));

        Assert.Equal([0], result.Accepted.Select(a => a.Index));
        var currency = Assert.Single(result.Rejected, r => r.Index == 1);
        Assert.Contains(currency.Violations, v => v.Path == "$[1].data.currency" && v.Keyword == "pattern");
        var quantity = Assert.Single(result.Rejected, r => r.Index == 2);
        Assert.Equal(FailureReason.MalformedJson, quantity.Reason);
    }

    [Fact]
    public void GpcRequest_StampsLineageGpc_WhichTheStreamParserReads_OthersCarryNone()
    {
        var parser = new EventParser(SchemaRegistry.Default, new FakeTimeProvider(EventBuilder.Now));
        var gpc = _validator.Validate(EventBuilder.ProductView().Json(), Lineage("gpc") with { Gpc = true });
        var plain = _validator.Validate(EventBuilder.ProductView().Json(), Lineage("plain"));

        var stamped = Assert.IsType<ParsedEvent>(parser.Parse(Assert.Single(gpc.Accepted).Record));
        var unstamped = Assert.IsType<ParsedEvent>(parser.Parse(Assert.Single(plain.Accepted).Record));
        Assert.True(stamped.Event.Lineage!.Gpc);
        Assert.Null(unstamped.Event.Lineage!.Gpc);
    }

    [Fact]
    public void ProducerSentGpc_Refused_OnlyThePlatformStampsLineage()
    {
        var forged = EventBuilder.ProductView().Gpc().Json();

        var result = _validator.Validate(forged, Lineage("forged"));

        Assert.Empty(result.Accepted);
        Assert.Equal("$.lineage", Assert.Single(Assert.Single(result.Rejected).Violations).Path);
    }

    [Fact]
    public void ValidatorReused_EachRequestsRecordsCarryItsOwnLineage_AndOnlyItsOwnEvents()
    {
        var first = _validator.Validate(Encoding.UTF8.GetBytes($"[{EventBuilder.ProductView().Node().ToJsonString()},{EventBuilder.PageView().Node().ToJsonString()}]"), Lineage("first"));
        var second = _validator.Validate(EventBuilder.Search().Json(), Lineage("second-request"));

        Assert.Equal(2, first.Accepted.Count);
        var record = JsonNode.Parse(Assert.Single(second.Accepted).Record)!;
        Assert.Equal("second-request", record["lineage"]!["requestId"]!.GetValue<string>());
        Assert.All(first.Accepted, a => Assert.Equal("first", JsonNode.Parse(a.Record)!["lineage"]!["requestId"]!.GetValue<string>()));
    }

    [Fact]
    public void AcceptedEvent_PartitionKeyAndIdFromTheLighterParse()
    {
        var node = EventBuilder.ProductView().Node();
        node["userId"] = "u-42";

        var accepted = Assert.Single(_validator.Validate(EventBuilder.Bytes(node), Lineage("r")).Accepted);

        Assert.Equal("user:u-42", accepted.PartitionKey);
        Assert.Equal(node["eventId"]!.GetValue<string>(), accepted.EventId);
    }
}
