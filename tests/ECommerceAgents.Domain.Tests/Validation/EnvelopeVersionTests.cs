using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Validation;

/// <summary>
/// Events do not name the envelope's version, so the registry checks every event against the newest one, and a new
/// version may only add what every older event still passes (1-0-1: the campaign's term and content).
/// </summary>
public sealed class EnvelopeVersionTests
{
    private readonly EventParser _parser = new(SchemaRegistry.Default, new FakeTimeProvider(EventBuilder.Now));

    private static SchemaEntry[] Envelopes() =>
        [.. SchemaRegistry.Default.All.Where(e => e.Key.Name == "envelope").OrderBy(e => e.Key.Model).ThenBy(e => e.Key.Revision).ThenBy(e => e.Key.Addition)];

    [Fact]
    public void Registry_ChecksAgainstTheNewestEnvelope()
    {
        var envelopes = Envelopes();

        Assert.True(envelopes.Length >= 2);
        Assert.Equal(envelopes[^1].Key, SchemaRegistry.Default.Envelope.Key);
    }

    [Fact]
    public void EveryEnvelopeVersion_OnlyAddsToTheOneBefore()
    {
        var envelopes = Envelopes();

        for (var i = 1; i < envelopes.Length; i++)
        {
            Assert.Empty(SchemaCompatibility.Compare("envelope", envelopes[i - 1].Compiled, envelopes[i].Compiled));
            Assert.Equal(envelopes[i - 1].Key.Model, envelopes[i].Key.Model);
        }

        var newest = SchemaCompatibility.Flatten(envelopes[^1].Compiled);
        Assert.Contains(newest.Keys, k => k.EndsWith("campaign.term", StringComparison.Ordinal));
        Assert.Contains(newest.Keys, k => k.EndsWith("campaign.content", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("shoes", "hero-link", true)]
    [InlineData("", "hero-link", false)]
    [InlineData("shoes", null, true)]
    public void Parse_CampaignTermAndContent_ReadOrRejected(string term, string? content, bool valid)
    {
        var node = EventBuilder.ProductView().Node();
        var campaign = new JsonObject { ["source"] = "google", ["term"] = term };
        if (content is not null) campaign["content"] = content;
        node["context"]!["campaign"] = campaign;

        var outcome = _parser.Parse(EventBuilder.Bytes(node));

        if (!valid)
        {
            Assert.IsType<RejectedEvent>(outcome);
            return;
        }

        var parsed = Assert.IsType<ParsedEvent>(outcome);
        Assert.Equal((term, content), (parsed.Event.Context!.Campaign!.Term, parsed.Event.Context.Campaign.Content));
    }

    [Fact]
    public void Parse_TermLongerThan256_Rejected()
    {
        var node = EventBuilder.ProductView().Node();
        node["context"]!["campaign"] = new JsonObject { ["term"] = new string('t', 257) };

        Assert.IsType<RejectedEvent>(_parser.Parse(EventBuilder.Bytes(node)));
    }
}
