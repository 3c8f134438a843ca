using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Quality;

namespace ECommerceAgents.Domain.Tests.Batch;

internal static class Lines
{
    public static EnrichedEvent View(string id, DateTimeOffset at, DateTimeOffset? arrival = null, string? session = "s", string type = "product_view") => new(
        id, $"com.ecommerceagents/{type}/1-0-0", type,
        Context: new EnrichedContext(),
        Data: new EventData { Sku = "S", Category = "books", Price = 10, Currency = "EUR" },
        Enrichment: new EventEnrichment(),
        Lineage: new Lineage { ArrivalTime = arrival ?? at.AddSeconds(1), ProcessingTime = (arrival ?? at.AddSeconds(1)).AddMilliseconds(200), PipelineVersion = "1", Steps = [] },
        Partition: new PartitionInfo("events", type, at.UtcDateTime.ToString("yyyy-MM-dd"), at.UtcDateTime.ToString("HH")),
        EventTime: at, UserId: "u", AnonymousId: "a", SessionId: session);

    public static byte[] Ndjson(params EnrichedEvent[] events) =>
        Encoding.UTF8.GetBytes(string.Join("\n", events.Select(e => JsonSerializer.Serialize(e, EnrichedEventJsonContext.Default.EnrichedEvent))) + "\n");
}

public sealed class PartitionCompactorTests
{
    private static readonly DateTimeOffset Hour = new(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);
    private static readonly PartitionId P = new("product_view", "2026-03-10", "08");

    [Fact]
    public void Compact_DuplicateIds_KeepsTheEarliestArrival_WhateverTheObjectOrder()
    {
        var early = Lines.View("e1", Hour.AddMinutes(1), Hour.AddMinutes(2));
        var late = early with { Lineage = early.Lineage with { ArrivalTime = Hour.AddMinutes(30), ProcessingTime = Hour.AddMinutes(30) }, SessionId = "other" };

        var forward = new PartitionCompactor(P);
        forward.AddObject("a", Lines.Ndjson(early));
        forward.AddObject("b", Lines.Ndjson(late));
        var backward = new PartitionCompactor(P);
        backward.AddObject("b", Lines.Ndjson(late));
        backward.AddObject("a", Lines.Ndjson(early));

        var f = forward.Complete();
        var b = backward.Complete();
        Assert.Equal(1, f.DuplicatesWithin);
        Assert.Equal("s", Assert.Single(f.Events).SessionId);
        Assert.Equal(f.Events, b.Events);
    }

    [Fact]
    public void Compact_IdsClaimedByAnotherPartition_Dropped()
    {
        var c = new PartitionCompactor(P, new HashSet<string> { "e2" });
        c.AddObject("a", Lines.Ndjson(Lines.View("e1", Hour), Lines.View("e2", Hour.AddMinutes(1))));

        var r = c.Complete();

        Assert.Equal("e1", Assert.Single(r.Events).EventId);
        Assert.Equal(1, r.DuplicatesAcross);
    }

    [Fact]
    public void Compact_LinesThatDoNotBelong_AreInvalidWithAReason()
    {
        var c = new PartitionCompactor(P);
        c.AddObject("a", Encoding.UTF8.GetBytes("{not json\n"));
        c.AddObject("b", Lines.Ndjson(Lines.View("e1", Hour.AddHours(1)), Lines.View("e2", Hour, type: "page_view") with { Partition = new PartitionInfo("events", "product_view", "2026-03-10", "08") }));

        var r = c.Complete();

        Assert.Empty(r.Events);
        Assert.Equal(["unparseable", "wrong_partition", "wrong_partition"], r.Invalid.Select(i => i.Reason));
        Assert.Equal(3, r.Lines);
    }

    [Fact]
    public void Compact_RowsOrderedByTimeThenId_WithRevenueAndLines()
    {
        var purchase = Lines.View("p1", Hour.AddMinutes(5), type: "purchase") with
        {
            Data = new EventData { OrderId = "o1", Total = 30, Currency = "EUR", Items = [new OrderLine { Sku = "A", Quantity = 2, Price = 10 }, new OrderLine { Sku = "B", Quantity = 1, Price = 10 }] },
        };
        var c = new PartitionCompactor(new PartitionId("purchase", "2026-03-10", "08"));
        c.AddObject("a", Lines.Ndjson(purchase));

        var r = c.Complete();

        var row = Assert.Single(r.Events);
        Assert.Equal(30m, row.Revenue);
        Assert.Equal("o1", row.OrderId);
        Assert.Equal([1, 2], r.OrderLines.Select(l => l.LineNo));
        Assert.Equal(2, r.OrderLines[0].Quantity);
    }
}

public sealed class PartitionPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 20, 0, TimeSpan.Zero);

    private static PartitionListing Listing(string hr, string etag = "x") =>
        new(new PartitionId("page_view", "2026-03-10", hr), [new ZoneObject($"events/type=page_view/dt=2026-03-10/hr={hr}/o.gz", etag, 10, Now)]);

    [Fact]
    public void Recent_LoadsClosedHoursInTheWindow_ReportsOlderChanges_LeavesTheOpenHour()
    {
        var listings = new[] { Listing("02"), Listing("07"), Listing("11"), Listing("12") };

        var plan = PartitionPlanner.Plan(BatchScope.Recent(Now), new BatchOptions { LatenessHours = 4, SettleMinutes = 5 }, listings, new Dictionary<PartitionId, PartitionWatermark>());

        Assert.Equal(["11"], plan.Pending.Select(p => p.Partition.Hr));   // 08-11 is the window; 12 is still open
        Assert.Equal(["02", "07"], plan.BeyondWindow.Select(p => p.Hr));
        Assert.Equal(["12"], plan.Open.Select(p => p.Hr));
    }

    [Fact]
    public void Watermark_WithTheSameDigest_IsUpToDate_AnyChangeMakesItPending()
    {
        var loaded = Listing("10");
        var watermarks = new Dictionary<PartitionId, PartitionWatermark> { [loaded.Partition] = new(loaded.Partition, loaded.Digest, 1, 5, Now) };

        var same = PartitionPlanner.Plan(BatchScope.Day("2026-03-10"), new BatchOptions(), [loaded], watermarks);
        var changed = PartitionPlanner.Plan(BatchScope.Day("2026-03-10"), new BatchOptions(), [Listing("10", etag: "y")], watermarks);

        Assert.Empty(same.Pending);
        Assert.Single(changed.Pending);
    }

    [Fact]
    public void DatesToList_WindowAcrossMidnight_ListsBothDays()
    {
        var dates = PartitionPlanner.DatesToList(BatchScope.Recent(new DateTimeOffset(2026, 3, 10, 2, 0, 0, TimeSpan.Zero)), new BatchOptions { LatenessHours = 6 });

        Assert.Equal(["2026-03-09", "2026-03-10"], dates);
    }
}

public sealed class QualityReportTests
{
    private static readonly PartitionId P = new("product_view", "2026-03-10", "08");

    private static CompactionResult Result(int events, int invalid = 0, int fieldsMissing = 0, double lagMs = 200, DateTimeOffset? newest = null) => new()
    {
        Partition = P,
        Events = Enumerable.Range(0, events).Select(i => new ProcessedEvent("e" + i, "s", "product_view", "{}", "{}")).ToArray(),
        OrderLines = [],
        Lines = events + invalid,
        Invalid = Enumerable.Range(0, invalid).Select(i => new InvalidLine("unparseable", "x", "k", i, Array.Empty<byte>())).ToArray(),
        ProcessingLagMs = Enumerable.Repeat(lagMs, events).ToArray(),
        FieldsExpected = events * 4,
        FieldsPresent = events * 4 - fieldsMissing,
        NewestArrival = newest,
    };

    [Fact]
    public void Evaluate_AllGood_PassesEveryThreshold()
    {
        var now = new DateTimeOffset(2026, 3, 10, 9, 10, 0, TimeSpan.Zero);

        var report = QualityReport.Evaluate(Result(1000, newest: now.AddMinutes(-10)), 1000, new Dictionary<string, int> { ["schema_violation"] = 5 }, now);

        Assert.True(report.Passed);
        Assert.Equal(100, report.CompletenessPercent);
        Assert.Equal(0.498, report.ErrorRatePercent);   // 5 of 1005
        Assert.Equal(600, report.FreshnessSeconds);
    }

    [Theory]
    [InlineData(1000, 0, 170, 200, 10, "completeness")]         // 170 of 4000 fields missing → 95.75 % … passes; see next row
    [InlineData(1000, 0, 201, 200, 10, "completeness")]         // 94.98 % → below 95
    [InlineData(1000, 11, 0, 200, 10, "errorRate")]            // 11 of 1011 → 1.09 %
    [InlineData(1000, 0, 0, 300_000, 10, "processingLatency")] // p95 of 5 min is not below 5 min
    [InlineData(1000, 0, 0, 200, 3600, "freshness")]           // one hour old is not below an hour
    public void Evaluate_AtOrPastAThreshold_FailsThatCheck(int events, int invalid, int missing, double lagMs, int ageSeconds, string check)
    {
        var now = new DateTimeOffset(2026, 3, 10, 9, 10, 0, TimeSpan.Zero);

        var report = QualityReport.Evaluate(Result(events, invalid, missing, lagMs, now.AddSeconds(-ageSeconds)), events, new Dictionary<string, int>(), now);

        var failed = report.Checks.Where(c => !c.Passed).Select(c => c.Name).ToArray();
        if (missing == 170) Assert.Empty(failed);
        else Assert.Equal([check], failed);
    }

    [Fact]
    public void Evaluate_RowsMissingFromTheWarehouse_LowerCompleteness()
    {
        var report = QualityReport.Evaluate(Result(100), 90, new Dictionary<string, int>(), DateTimeOffset.UnixEpoch);

        Assert.Equal(90, report.RecordCompletenessPercent);
        Assert.Equal(90, report.CompletenessPercent);
        Assert.False(report.Passed);
    }
}

public sealed class ErasureTargetsTests
{
    private readonly ErasureTargets _targets = new([new Tombstone("u-1", DateTimeOffset.UnixEpoch, ["a-1", "a-2"])]);

    [Theory]
    [InlineData("""{"eventId":"e","userId":"u-1"}""", "u-1")]
    [InlineData("""{"eventId":"e","resolvedUserId":"u-1","anonymousId":"zz"}""", "u-1")]
    [InlineData("""{"eventId":"e","anonymousId":"a-2","data":{"userId":"nope"}}""", "u-1")]
    [InlineData("""{"eventId":"e","userId":"u-2","data":{"note":"u-1"}}""", null)]
    [InlineData("""{"anonymousId":"a-1", broken""", "u-1")]
    [InlineData("""GET /checkout HTTP/1.1""", null)]
    public void OwnerOfLine_MatchesUserResolvedOrAnonymousIds(string line, string? owner)
    {
        Assert.Equal(owner, _targets.OwnerOfLine(Encoding.UTF8.GetBytes(line)));
    }
}
