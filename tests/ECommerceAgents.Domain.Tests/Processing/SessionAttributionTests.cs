using System.Text.Json;
using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Processing;

/// <summary>The session's attribution through the planner: fixed by the landing, carried by later events, the same however the stream is cut or redelivered.</summary>
public sealed class SessionAttributionTests : IDisposable
{
    private const string Landing = "https://shop.example.com/winter?utm_source=Google&utm_medium=organic&utm_campaign=winter&utm_term=warm+boots&utm_content=link-2";
    private readonly FakeTimeProvider _clock = new(EventBuilder.Now.AddHours(1));
    private readonly Pseudonymiser _pseudonymiser = Pseudonymiser.FromSecret("test-key-0123456789abcdef");
    private readonly EventParser _parser;
    private readonly RecordBuilder _records = new();
    private readonly ProcessorOptions _options = new() { OwnDomains = ["shop.example.com"] };

    public SessionAttributionTests() => _parser = new EventParser(SchemaRegistry.Default, _clock);

    public void Dispose() => _pseudonymiser.Dispose();

    private StreamPlanner Planner() => new(_pseudonymiser, _options, _clock);

    private List<ValidEvent> Works(IEnumerable<StreamInput> inputs) =>
        inputs.Select((input, i) =>
        {
            var parsed = Assert.IsType<ParsedEvent>(_parser.Parse(input.Data.Span));
            return new ValidEvent(i, input, parsed.Event, parsed.Type);
        }).ToList();

    private static List<EnrichedEvent> Enriched(StreamPlan plan) =>
        plan.Enriched.Select(e => JsonSerializer.Deserialize(e.Json.Span, EnrichedEventJsonContext.Default.EnrichedEvent)!).ToList();

    private static EventBuilder Page(double minute, string url, string? referrer, CampaignContext? campaign = null) =>
        EventBuilder.PageView(url).AtMinute(minute).Context(new EventContext { UserAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", Page = new PageContext { Url = url, Referrer = referrer }, Campaign = campaign });

    private StreamInput[] Visit() =>
    [
        .. new[]
        {
            EventBuilder.AddToCart().AtMinute(0).Context(null),     // a server-side event first: says nothing about where the visit came from
            Page(1, Landing, "https://www.google.de/search?q=warm+boots"),
            Page(2, "https://shop.example.com/boots", "https://shop.example.com/winter"),
            Page(3, "https://shop.example.com/sale?utm_source=banner&utm_campaign=sale", "https://shop.example.com/boots", new CampaignContext { Source = "banner", Name = "sale" }),
            EventBuilder.ProductView().AtMinute(4),
            Page(50, "https://shop.example.com/", null),            // 46 minutes later: a new, direct session
        }.Select(e => _records.Next(e)),
    ];

    [Fact]
    public void Landing_FixesTheAttribution_LaterEventsCarryIt_AlongsideTheirOwnCampaign()
    {
        var events = Enriched(Planner().Plan("s", Works(Visit()), new StateSnapshot()));

        var landing = events[1].Enrichment.Attribution;
        Assert.NotNull(landing);
        Assert.Equal(("google", "organic", "winter", "warm boots", "link-2", ReferrerClasses.Search, "www.google.de"),
            (landing.Source, landing.Medium, landing.Campaign, landing.Term, landing.Content, landing.ReferrerClass, landing.ReferrerHost));
        Assert.Null(events[0].Enrichment.Attribution);
        Assert.All(events.Skip(1).Take(4), e => Assert.Equal(landing, e.Enrichment.Attribution));
        Assert.Single(events.Take(5).Select(e => e.SessionId).Distinct());
        // Each event keeps its own campaign: the landing's read from its URL, the banner's as sent.
        Assert.Equal(("Google", "warm boots"), (events[1].Context.Campaign!.Source, events[1].Context.Campaign!.Term));
        Assert.Null(events[2].Context.Campaign);
        Assert.Equal("banner", events[3].Context.Campaign!.Source);
        // No full referrer anywhere in the attribution.
        Assert.DoesNotContain(events, e => e.Enrichment.Attribution?.ToString().Contains("q=", StringComparison.Ordinal) == true);

        var next = events[5];
        Assert.NotEqual(events[1].SessionId, next.SessionId);
        Assert.Equal(ReferrerClasses.Direct, next.Enrichment.Attribution!.ReferrerClass);
        Assert.Null(next.Enrichment.Attribution.Source);
    }

    [Fact]
    public void Attribution_IsKeptOnTheSessionState()
    {
        var plan = Planner().Plan("s", Works(Visit()), new StateSnapshot());

        var subject = Assert.Single(plan.Subjects).Item;
        var landed = subject.All.Single(s => s.Attribution?.ReferrerClass == ReferrerClasses.Search);
        Assert.Equal("www.google.de", landed.Attribution!.ReferrerHost);
        Assert.Equal(ReferrerClasses.Direct, subject.Current!.Attribution!.ReferrerClass);
    }

    [Fact]
    public void SplitAcrossBatches_AndRedelivered_GiveEveryEventTheSameAttribution()
    {
        var inputs = Visit();
        var whole = Enriched(Planner().Plan("s", Works(inputs), new StateSnapshot())).Select(e => (e.EventId, e.Enrichment.Attribution)).ToArray();

        // Cut after the landing: the second micro-batch reads the session's attribution from the stored state.
        var first = Planner().Plan("s", Works(inputs[..2]), new StateSnapshot());
        var carried = new StateSnapshot();
        carried.Subjects["u-1"] = Roundtrip(first.Subjects.Single().Item);
        var second = Planner().Plan("s", Works(inputs[2..]), carried);
        var split = Enriched(first).Concat(Enriched(second)).Select(e => (e.EventId, e.Enrichment.Attribution)).ToArray();

        // Lambda delivers the second batch again: its events are below the watermark and change nothing.
        var after = new StateSnapshot();
        after.Subjects["u-1"] = Roundtrip(second.Subjects.Single().Item);
        var again = Planner().Plan("s", Works(inputs[2..]), after);

        Assert.Equal(whole, split);
        Assert.Equal(split[2..], Enriched(again).Select(e => (e.EventId, e.Enrichment.Attribution)));
        Assert.Empty(again.Subjects);
    }

    [Fact]
    public void LateEvent_FromAnotherSource_DoesNotRewriteTheLandingsAttribution()
    {
        var inputs = Visit()[..3].Append(_records.Next(Page(0.5, "https://shop.example.com/?utm_source=newsletter&utm_medium=email", null))).ToArray();

        var events = Enriched(Planner().Plan("s", Works(inputs), new StateSnapshot()));

        Assert.Single(events.Select(e => e.SessionId).Distinct());
        Assert.Equal(ReferrerClasses.Search, events[3].Enrichment.Attribution!.ReferrerClass);
        Assert.Equal("newsletter", events[3].Context.Campaign!.Source);
    }

    [Fact]
    public void OrderLifecycleEvents_CarryNoSessionAttribution()
    {
        var events = Enriched(Planner().Plan("s", Works([_records.Next(EventBuilder.Order(EventTypes.OrderPaid, "o-1", 10m).AtMinute(1))]), new StateSnapshot()));

        Assert.Null(Assert.Single(events).Enrichment.Attribution);
    }

    /// <summary>The state as the store gives it back: through JSON.</summary>
    private static SubjectState Roundtrip(SubjectState state) =>
        JsonSerializer.Deserialize<SubjectState>(JsonSerializer.Serialize(state, JsonSerializerOptions.Web), JsonSerializerOptions.Web)!;
}
