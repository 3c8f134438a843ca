using System.Text.Json;
using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Tests.Processing.Fakes;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Processing;

/// <summary>Each consent purpose enforced where it applies: the planner (zones, profiles, aggregates) and the processor (metrics, GPC opt-outs).</summary>
public sealed class ConsentPurposeTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(EventBuilder.Now.AddHours(1));
    private readonly Pseudonymiser _pseudonymiser = Pseudonymiser.FromSecret("test-key-0123456789abcdef");
    private readonly EventParser _parser;
    private readonly RecordBuilder _records = new();

    public ConsentPurposeTests() => _parser = new EventParser(SchemaRegistry.Default, _clock);

    public void Dispose() => _pseudonymiser.Dispose();

    private StreamPlan Plan(StateSnapshot state, ProcessorOptions? options, params EventBuilder[] events)
    {
        var works = events.Select((e, i) =>
        {
            var input = _records.Next(e);
            var parsed = Assert.IsType<ParsedEvent>(_parser.Parse(input.Data.Span));
            return new ValidEvent(i, input, parsed.Event, parsed.Type);
        }).ToList();
        return new StreamPlanner(_pseudonymiser, options ?? new ProcessorOptions(), _clock).Plan("s", works, state);
    }

    private static List<EnrichedEvent> Enriched(StreamPlan plan) =>
        plan.Enriched.Select(e => JsonSerializer.Deserialize(e.Json.Span, EnrichedEventJsonContext.Default.EnrichedEvent)!).ToList();

    private static StateSnapshot With(ConsentRecord user)
    {
        var state = new StateSnapshot();
        state.Consents[user.Subject] = user;
        return state;
    }

    [Fact]
    public void Personalisation_Denied_NoProfileNoRealtimeUser_AggregatesKept_MarkedAggregateOnly()
    {
        var plan = Plan(With(new ConsentRecord("u-1", EventBuilder.Now) { Personalisation = false }), null, EventBuilder.ProductView(), EventBuilder.AddToCart());

        Assert.Empty(plan.Profiles);
        Assert.Empty(plan.Realtime.Users);
        Assert.Equal(1, plan.ProductStats.Single().Item.Deltas.Sum(d => d.Views));
        Assert.All(Enriched(plan), e => Assert.Equal("aggregate_only", e.Enrichment.Consent));
    }

    [Fact]
    public void Analytics_Denied_Pseudonymous_IdsReplacedByStablePseudonyms_NoProfileLinkage()
    {
        var plan = Plan(With(new ConsentRecord("u-1", EventBuilder.Now) { Analytics = false }), null,
            EventBuilder.ProductView().AtMinute(0), EventBuilder.ProductView("SKU-2").AtMinute(1), EventBuilder.ProductView().User("u-2", "a-2").AtMinute(2));

        var enriched = Enriched(plan);
        var mine = enriched.Where(e => e.Enrichment.Consent == "pseudonymous").ToList();
        Assert.Equal(2, mine.Count);
        Assert.All(mine, e =>
        {
            Assert.NotNull(e.UserId);
            Assert.NotEqual("u-1", e.UserId);
            Assert.NotEqual("a-1", e.AnonymousId);
            Assert.Null(e.ResolvedUserId);
        });
        Assert.Single(mine.Select(e => e.UserId).Distinct());
        Assert.DoesNotContain(enriched, e => e.UserId == "u-1" || e.AnonymousId == "a-1");
        var other = Assert.Single(enriched, e => e.UserId == "u-2");
        Assert.Equal(("full", "u-2"), (other.Enrichment.Consent, other.ResolvedUserId));

        // Aggregates and personalisation (granted) are not analytics: counters and the profile still move.
        Assert.Equal(2, plan.ProductStats.Single(p => p.Item.Sku == "SKU-1").Item.Deltas.Sum(d => d.Views));
        Assert.Contains(plan.Profiles, p => p.Item.UserId == "u-1");
    }

    [Fact]
    public void Analytics_Denied_Drop_LeftOutOfTheZone_CountedAsConsentDropped_AggregatesKept()
    {
        var plan = Plan(With(new ConsentRecord("u-1", EventBuilder.Now) { Analytics = false }), new ProcessorOptions { AnalyticsDenied = AnalyticsDenial.Drop },
            EventBuilder.ProductView().AtMinute(0), EventBuilder.ProductView().AtMinute(1), EventBuilder.ProductView().User("u-2", "a-2").AtMinute(2));

        Assert.Equal(2, plan.ConsentDropped);
        Assert.Equal("u-2", Assert.Single(Enriched(plan)).UserId);
        Assert.Equal(3, plan.Events.Count);
        Assert.Equal(3, plan.ProductStats.Single().Item.Deltas.Sum(d => d.Views));
    }

    [Fact]
    public void Marketing_Denied_MarkedNoMarketing_PersonalisationUntouched()
    {
        var plan = Plan(With(new ConsentRecord("u-1", EventBuilder.Now) { Marketing = false }), null, EventBuilder.ProductView());

        Assert.Equal("no_mktg", Assert.Single(Enriched(plan)).Enrichment.Consent);
        Assert.Single(plan.Profiles);
        Assert.Empty(plan.SaleShareOptOuts);
    }

    [Fact]
    public void SaleShare_DeniedInTheRecord_MarkedNoSale_NothingWritten()
    {
        var plan = Plan(With(new ConsentRecord("u-1", EventBuilder.Now) { SaleShare = false }), null, EventBuilder.ProductView().Gpc());

        Assert.Equal("no_sale", Assert.Single(Enriched(plan)).Enrichment.Consent);
        Assert.Empty(plan.SaleShareOptOuts); // already opted out: the GPC signal writes nothing
    }

    [Fact]
    public void Gpc_OnAnEvent_OneOptOutPerSubject_ItsLaterEventsMarkedToo_OthersNot()
    {
        var plan = Plan(new StateSnapshot(), null,
            EventBuilder.ProductView().AtMinute(0),
            EventBuilder.ProductView().Gpc().AtMinute(1),
            EventBuilder.ProductView().Gpc().AtMinute(2),
            EventBuilder.ProductView().AtMinute(3),
            EventBuilder.ProductView().User("u-2", "a-2").AtMinute(4));

        var optOut = Assert.Single(plan.SaleShareOptOuts);
        Assert.Equal(("u-1", false, ConsentRecord.GpcSource), (optOut.Item.Subject, optOut.Item.SaleShare, optOut.Item.SaleShareSource));
        Assert.Equal([1], optOut.Members);
        Assert.Equal(["full", "no_sale", "no_sale", "no_sale", "full"], Enriched(plan).Select(e => e.Enrichment.Consent));
    }

    [Fact]
    public void Gpc_AnonymousVisitor_RecordedUnderTheAnonymousId()
    {
        var plan = Plan(new StateSnapshot(), null, EventBuilder.ProductView().User(null, "a-7").Gpc());

        Assert.Equal(ConsentRecord.AnonymousSubject("a-7"), Assert.Single(plan.SaleShareOptOuts).Item.Subject);
        Assert.Equal("no_sale", Assert.Single(Enriched(plan)).Enrichment.Consent);
    }

    [Fact]
    public void AnonymousConsent_AppliesToItsEvents_AndCarriesOverToTheUser_WhereTheUserMadeNoChoice()
    {
        var state = With(new ConsentRecord("u-1", EventBuilder.Now) { Marketing = true });
        state.AnonymousConsents["a-1"] = new ConsentRecord(ConsentRecord.AnonymousSubject("a-1"), EventBuilder.Now) { Marketing = false, Personalisation = false };

        var plan = Plan(state, null, EventBuilder.ProductView().User(null, "a-1").AtMinute(0), EventBuilder.ProductView().AtMinute(1));

        // The anonymous event: both denials. The user's: their own marketing choice wins, the visitor's personalisation opt-out stands.
        Assert.Equal(["aggregate_only,no_mktg", "aggregate_only"], Enriched(plan).Select(e => e.Enrichment.Consent));
        Assert.Empty(plan.Profiles);
    }

    [Theory]
    [InlineData(null, null, null, null, ConsentPurposes.None)]
    [InlineData(false, null, null, null, ConsentPurposes.Analytics)]
    [InlineData(true, false, true, false, ConsentPurposes.Personalisation | ConsentPurposes.SaleShare)]
    public void NeverSet_IsGranted_OnlyExplicitDenialsCount(bool? analytics, bool? personalisation, bool? marketing, bool? saleShare, ConsentPurposes denied)
    {
        var record = new ConsentRecord("u-1", EventBuilder.Now) { Analytics = analytics, Personalisation = personalisation, Marketing = marketing, SaleShare = saleShare };

        Assert.Equal(denied, ConsentRecord.DeniedFor(record, null, globalPrivacyControl: false));
        Assert.Equal(denied | ConsentPurposes.SaleShare, ConsentRecord.DeniedFor(record, null, globalPrivacyControl: true));
    }

    [Fact]
    public void ConsentMarker_EveryCombination_FitsTheWarehouseColumn_FullOnlyWhenNothingDenied()
    {
        var markers = Enumerable.Range(0, (int)ConsentPurposes.All + 1).Select(d => EnrichedEventWriter.ConsentMarker((ConsentPurposes)d)).ToArray();

        Assert.All(markers, m => Assert.InRange(m.Length, 1, 32));
        Assert.Equal("full", markers[0]);
        Assert.DoesNotContain("full", markers[1..]);
    }

    [Fact]
    public async Task Processor_GpcOptOutWrittenOnce_DropsCountedInTheOutcome()
    {
        var store = new InMemoryStateStore();
        store.Consents["u-2"] = new ConsentRecord("u-2", EventBuilder.Now) { Analytics = false };
        var sink = new InMemoryEnrichedSink();
        using var service = new StreamProcessorService("test-key-0123456789abcdef", store, store, sink, new InMemoryQuarantine(), new InMemoryRealtime(), new InMemoryJournal(),
            new ProcessorOptions { CursorWriteAttempts = 1, AnalyticsDenied = AnalyticsDenial.Drop }, _clock);

        var first = await service.ProcessAsync([_records.Next(EventBuilder.ProductView().Gpc().AtMinute(0)), _records.Next(EventBuilder.ProductView().User("u-2", "a-2").AtMinute(1))], CancellationToken.None);
        var second = await service.ProcessAsync([_records.Next(EventBuilder.ProductView().Gpc().AtMinute(2))], CancellationToken.None);

        Assert.Equal((1, 0), (first.ConsentDropped, second.ConsentDropped));
        Assert.Null(first.RetryFrom);
        Assert.Equal(2, first.Acknowledged.Count); // the dropped event is done, not lost or retried
        Assert.Equal(2, sink.Records.Count);
        Assert.Equal(false, store.Consents["u-1"].SaleShare);
        Assert.Equal(1, store.ConsentWrites); // the second batch read the opt-out and wrote nothing
    }
}
