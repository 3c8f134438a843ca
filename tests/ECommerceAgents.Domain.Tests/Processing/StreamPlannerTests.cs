using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Processing;

public sealed class StreamPlannerTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(EventBuilder.Now.AddHours(1));
    private readonly Pseudonymiser _pseudonymiser = Pseudonymiser.FromSecret("test-key-0123456789abcdef");
    private readonly EventParser _parser;
    private readonly RecordBuilder _records = new();

    public StreamPlannerTests() => _parser = new EventParser(SchemaRegistry.Default, _clock);

    public void Dispose() => _pseudonymiser.Dispose();

    private StreamPlanner Planner(ProcessorOptions? options = null) => new(_pseudonymiser, options ?? new ProcessorOptions(), _clock);

    private List<ValidEvent> Works(params EventBuilder[] events) => Works(events.Select(e => _records.Next(e)).ToArray());

    private List<ValidEvent> Works(params StreamInput[] inputs) =>
        inputs.Select((input, i) =>
        {
            var parsed = Assert.IsType<ParsedEvent>(_parser.Parse(input.Data.Span));
            return new ValidEvent(i, input, parsed.Event, parsed.Type);
        }).ToList();

    private static List<EnrichedEvent> Enriched(StreamPlan plan) =>
        plan.Enriched.Select(e => JsonSerializer.Deserialize(e.Json.Span, EnrichedEventJsonContext.Default.EnrichedEvent)!).ToList();

    [Fact]
    public void Sessions_SplitAcrossTwoBatches_SameIdsAsOneBatch()
    {
        var minutes = new[] { 0.0, 4, 9, 50, 52, 120 };
        var events = minutes.Select(m => EventBuilder.ProductView().AtMinute(m)).ToArray();
        var inputs = events.Select(e => _records.Next(e)).ToArray();

        var whole = Enriched(Planner().Plan("s", Works(inputs), new StateSnapshot())).Select(e => e.SessionId).ToArray();

        var first = Planner().Plan("s", Works(inputs[..3]), new StateSnapshot());
        var carried = new StateSnapshot();
        carried.Subjects["u-1"] = first.Subjects.Single().Item;
        var second = Planner().Plan("s", Works(inputs[3..]).Select((w, i) => w with { Index = i }).ToList(), carried);

        Assert.Equal(whole, Enriched(first).Concat(Enriched(second)).Select(e => e.SessionId));
        Assert.Equal(3, whole.Distinct().Count());
    }

    [Fact]
    public void Identity_AnonymousEventsAfterIdentify_ResolveToTheUser_EarlierOnesDoNot()
    {
        var plan = Planner().Plan("s", Works(
            EventBuilder.ProductView().User(null, "a-9").AtMinute(0),
            new EventBuilder().Type(EventTypes.Identify).User("u-9", "a-9").Data(new EventData { Method = "login" }).AtMinute(1),
            EventBuilder.AddToCart().User(null, "a-9").AtMinute(2)), new StateSnapshot());

        var link = Assert.Single(plan.Links).Item;
        Assert.Equal(("a-9", "u-9"), (link.AnonymousId, link.UserId));
        Assert.Equal([null, "u-9", "u-9"], Enriched(plan).Select(e => e.ResolvedUserId));
        Assert.Equal("u-9", Assert.Single(plan.Profiles).Item.UserId);
    }

    [Fact]
    public void Identity_LinkFromAnEarlierBatch_ResolvesAnonymousEvents()
    {
        var snapshot = new StateSnapshot();
        snapshot.IdentityLinks["a-9"] = new IdentityLink("a-9", "u-9", EventBuilder.Now.AddDays(-1), "e-0", new StreamPosition("shardId-000000000000", "10"));

        var plan = Planner().Plan("s", Works(EventBuilder.ProductView().User(null, "a-9")), snapshot);

        Assert.Equal("u-9", Enriched(plan).Single().ResolvedUserId);
        Assert.Empty(plan.Links);
    }

    [Fact]
    public void Identity_LinkStoredByALaterRecord_DoesNotReachBackToEarlierEvents()
    {
        var snapshot = new StateSnapshot();
        snapshot.IdentityLinks["a-9"] = new IdentityLink("a-9", "u-9", EventBuilder.Now, "e-late", new StreamPosition("shardId-000000000000", "99999999"));

        var plan = Planner().Plan("s", Works(EventBuilder.ProductView().User(null, "a-9")), snapshot);

        Assert.Null(Enriched(plan).Single().ResolvedUserId);
    }

    [Fact]
    public void Bots_CrawlerAgent_RoutedToBotZoneAndKeptOutOfProfilesAndCounters()
    {
        var crawler = new EventContext { UserAgent = "Mozilla/5.0 (compatible; Googlebot/2.1)", Ip = "66.249.66.1" };

        var plan = Planner().Plan("s", Works(EventBuilder.ProductView().User(null, "bot-1").Context(crawler), EventBuilder.ProductView()), new StateSnapshot());

        var enriched = Enriched(plan);
        Assert.Equal("bots", enriched[0].Partition.Zone);
        Assert.True(enriched[0].Enrichment.Bot);
        Assert.StartsWith("user_agent:", enriched[0].Enrichment.BotReason);
        Assert.Equal("events", enriched[1].Partition.Zone);
        Assert.DoesNotContain(plan.Profiles, p => p.Item.UserId == "bot-1");
        Assert.Equal(1, plan.ProductStats.Single().Item.Deltas.Sum(d => d.Views));
        Assert.Equal(1, plan.Realtime.Counters!.Contributions.Where(c => c.Member == "bots").Sum(c => c.Amount));
    }

    [Fact]
    public void Bots_RateAboveLimit_EveryEventOfTheSessionInTheBatchIsBot()
    {
        var human = new EventContext { UserAgent = "Mozilla/5.0 (Windows NT 10.0) Chrome/126.0", Ip = "203.0.113.9" };
        var burst = Enumerable.Range(0, 40).Select(i => EventBuilder.ProductView().User(null, "fast").Context(human).At(EventBuilder.Now.AddSeconds(i))).ToArray();

        var plan = Planner(new ProcessorOptions { BotEventsPerMinute = 30 }).Plan("s", Works(burst), new StateSnapshot());

        Assert.All(Enriched(plan), e => Assert.Equal("bots", e.Partition.Zone));
        Assert.All(Enriched(plan), e => Assert.StartsWith("rate:", e.Enrichment.BotReason));
    }

    [Fact]
    public void Bots_KnownAutomationNetwork_BotFromTheFirstEvent()
    {
        var scraper = new EventContext { UserAgent = "Mozilla/5.0 (Windows NT 10.0) Chrome/126.0", Ip = "198.51.100.20" };
        var options = new ProcessorOptions { BotNetworks = ProcessorOptions.ParseNetworks("198.51.100.0/24") };

        var plan = Planner(options).Plan("s", Works(EventBuilder.ProductView().User(null, "scraper").Context(scraper)), new StateSnapshot());

        Assert.Equal("network:198.51.100.0/24", Enriched(plan).Single().Enrichment.BotReason);
    }

    [Fact]
    public void Consent_OptedOut_AggregatesOnly()
    {
        var snapshot = new StateSnapshot();
        snapshot.Consents["u-1"] = new ConsentRecord("u-1", EventBuilder.Now) { Personalisation = false };

        var plan = Planner().Plan("s", Works(EventBuilder.ProductView(), EventBuilder.AddToCart()), snapshot);

        Assert.Empty(plan.Profiles);
        Assert.Empty(plan.Realtime.Users);
        Assert.All(Enriched(plan), e => Assert.Equal("aggregate_only", e.Enrichment.Consent));
        Assert.Equal(1, plan.ProductStats.Single().Item.Deltas.Sum(d => d.Views));
    }

    [Fact]
    public void Pseudonymisation_NoRawPersonalDataInTheEnrichedRecord()
    {
        var context = new EventContext { UserAgent = "Mozilla/5.0 (Windows NT 10.0) Chrome/126.0", Ip = "203.0.113.77", Email = "jane.doe@example.com", DeviceId = "device-42" };
        var identify = new EventBuilder().Type(EventTypes.Identify).User("u-1", "a-1").Context(context).Data(new EventData { Method = "login" });
        var search = EventBuilder.Search("mail me at jane.doe@example.com").Context(context);

        var plan = Planner().Plan("s", Works(identify, search), new StateSnapshot());

        foreach (var (_, _, json) in plan.Enriched)
        {
            var text = Encoding.UTF8.GetString(json.Span);
            Assert.DoesNotContain("jane.doe@example.com", text);
            Assert.DoesNotContain("203.0.113.77", text);
            Assert.DoesNotContain("device-42", text);
            Assert.Contains("203.0.113.0", text);
        }

        var first = Enriched(plan)[0];
        Assert.Equal(_pseudonymiser.Hash("jane.doe@example.com", "email"), first.Context.EmailHash);
        Assert.Equal(_pseudonymiser.Hash("device-42", "device"), first.Context.DeviceIdHash);
    }

    [Fact]
    public void Redelivery_EventsUnderTheWatermarks_ChangeNothing()
    {
        var works = Works(EventBuilder.ProductView().AtMinute(0), EventBuilder.AddToCart().AtMinute(1));
        var first = Planner().Plan("shardId-000000000000", works, new StateSnapshot());
        var after = new StateSnapshot();
        after.Subjects["u-1"] = first.Subjects.Single().Item;
        after.Profiles["u-1"] = first.Profiles.Single().Item;

        var again = Planner().Plan("shardId-000000000000", works, after);

        Assert.Empty(again.Subjects);
        Assert.Empty(again.Profiles);
        Assert.Empty(again.Realtime.Users);
        Assert.Equal(Enriched(first).Select(e => e.SessionId), Enriched(again).Select(e => e.SessionId));
    }

    [Fact]
    public void Partition_IsTheEventTimesDateAndHour()
    {
        var plan = Planner().Plan("s", Works(EventBuilder.ProductView().At(new DateTimeOffset(2026, 11, 23, 9, 59, 59, TimeSpan.FromHours(-2)))), new StateSnapshot());

        Assert.Equal(new PartitionInfo("events", "product_view", "2026-11-23", "11"), Enriched(plan).Single().Partition);
    }

    [Fact]
    public void Lineage_CarriesTraceAndPosition()
    {
        var node = EventBuilder.ProductView().Node();
        node["lineage"] = new System.Text.Json.Nodes.JsonObject { ["source"] = "api", ["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };

        var plan = Planner().Plan("s", Works(_records.Next(EventBuilder.Bytes(node))), new StateSnapshot());

        var lineage = Enriched(plan).Single().Lineage;
        Assert.Equal("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", lineage.Traceparent);
        Assert.Equal("api", lineage.Source);
        Assert.Equal("shardId-000000000000", lineage.ShardId);
        Assert.Contains("sessionize", lineage.Steps);
    }
}
