using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Tests.Processing.Fakes;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Processing;

/// <summary>The processor's orchestration (parse → load → plan → write) against in-memory ports.</summary>
public sealed class StreamProcessorServiceTests
{
    private const string PseudonymKey = "test-key-0123456789abcdef";
    private static readonly byte[] NotUtf8 = [0xFF, 0xFE, 0x7B];
    private readonly FakeTimeProvider _clock = new(EventBuilder.Now.AddHours(1));
    private readonly RecordBuilder _records = new();
    private readonly InMemoryStateStore _store = new();
    private readonly InMemoryEnrichedSink _enriched = new();
    private readonly InMemoryQuarantine _quarantine = new();
    private readonly InMemoryRealtime _realtime = new();
    private readonly InMemoryJournal _journal = new();
    private async Task<StreamOutcome> ProcessAsync(IReadOnlyList<StreamInput> records)
    {
        using var service = new StreamProcessorService(PseudonymKey, _store, _store, _enriched, _quarantine, _realtime, _journal, new ProcessorOptions { CursorWriteAttempts = 1 }, _clock);
        return await service.ProcessAsync(records, CancellationToken.None);
    }

    private StreamInput[] Records(params EventBuilder[] events) => events.Select(e => _records.Next(e)).ToArray();

    [Fact]
    public async Task CleanBatch_WritesEveryStoreThenTheMarkers()
    {
        var records = Records(EventBuilder.ProductView().AtMinute(0), EventBuilder.AddToCart().AtMinute(1), EventBuilder.Purchase("o-1", 129.99m, ("SKU-1", 1, 129.99m)).AtMinute(2));

        var outcome = await ProcessAsync(records);

        Assert.Null(outcome.RetryFrom);
        Assert.Empty(outcome.Failures);
        Assert.Equal((3, 3, 0, 0), (outcome.Records, outcome.Valid, outcome.Quarantined, outcome.Duplicates));
        Assert.Equal(3, _enriched.Records.Count);
        Assert.Equal(records[^1].Position.Padded, _store.Cursors[records[0].Position.ShardId]);
        Assert.True(_store.Subjects.ContainsKey("u-1"));
        Assert.Equal(1, _store.Profiles["u-1"].Orders);
        Assert.True(_store.Orders.ContainsKey("o-1"));
        Assert.Equal(1, _store.ProductStats["SKU-1"].Views);
        Assert.Equal(3, _store.Markers.Count);
        Assert.Equal(_store.Markers.Keys.Order(), outcome.Acknowledged.Order());
        var applied = Assert.Single(_realtime.Applied);
        Assert.Equal("u-1", Assert.Single(applied.Users).UserId);
        Assert.Equal(3, applied.Counters!.Contributions.Where(c => c.Member == "events").Sum(c => c.Amount));
    }

    [Fact]
    public async Task RejectedRecord_QuarantinedWithItsReason_TheOthersWritten()
    {
        var records = new[] { _records.Next(EventBuilder.ProductView().AtMinute(0)), _records.Next(NotUtf8), _records.Next(EventBuilder.AddToCart().AtMinute(1)) };

        var outcome = await ProcessAsync(records);

        Assert.Null(outcome.RetryFrom);
        var entry = Assert.Single(_quarantine.Entries.Values);
        Assert.Equal((records[1].Position, "invalid_utf8", FailureReason.InvalidUtf8), (entry.Position, entry.Reason, entry.Rejection.Reason));
        Assert.Equal(NotUtf8, entry.Record.Data.ToArray());
        Assert.Equal(1, outcome.QuarantinedByReason["invalid_utf8"]);
        Assert.Equal(2, _enriched.Records.Count);
        Assert.Equal(2, outcome.Acknowledged.Count);
    }

    [Fact]
    public async Task RejectedRecords_OneWritePerReason_TheirRecordsInStreamOrder()
    {
        var records = new[]
        {
            _records.Next(NotUtf8), _records.Next(EventBuilder.ProductView().AtMinute(0)), _records.Next("{"u8.ToArray()),
            _records.Next(NotUtf8), _records.Next(NotUtf8),
        };

        var outcome = await ProcessAsync(records);

        Assert.Equal((3, 1), (outcome.QuarantinedByReason["invalid_utf8"], outcome.QuarantinedByReason["malformed_json"]));
        var puts = _quarantine.Puts.OrderBy(p => p[0].Reason, StringComparer.Ordinal).ToArray();
        Assert.Equal(2, puts.Length);
        Assert.Equal([records[0].Position, records[3].Position, records[4].Position], puts[0].Select(e => e.Position));
        Assert.Equal([records[2].Position], puts[1].Select(e => e.Position));
        Assert.Equal(["invalid_utf8", "malformed_json"], puts.Select(p => Assert.Single(p.Select(e => e.Reason).Distinct())));
    }

    [Fact]
    public async Task FailingWrite_FailsTheRecordsItCarries_AndAcknowledgesOnlyWhatWasWritten()
    {
        _store.Failing.Add("order");
        var records = Records(EventBuilder.ProductView().AtMinute(0), EventBuilder.Purchase("o-1", 10m, ("SKU-1", 1, 10m)).AtMinute(1), EventBuilder.AddToCart().AtMinute(2));

        var outcome = await ProcessAsync(records);

        var failure = Assert.Single(outcome.Failures);
        Assert.Equal("order", failure.Write);
        Assert.Equal([1], failure.Records);
        Assert.Contains(outcome.Errors, e => e.StartsWith("order: ", StringComparison.Ordinal));
        Assert.Equal(records[1].Position, outcome.RetryFrom);
        var purchase = records[1];
        Assert.DoesNotContain(outcome.Acknowledged, id => !_store.Markers.ContainsKey(id));
        Assert.Equal(2, outcome.Acknowledged.Count);
        Assert.Equal(2, _store.Markers.Count);
        Assert.DoesNotContain(_store.Markers.Values, m => m.Position == purchase.Position.ToString());
        Assert.Equal(0, outcome.ConflictRetries);
    }

    [Fact]
    public async Task ConditionalWriteLostToAnotherShard_ProcessedAgainInTheInvocation_EveryEffectOnce()
    {
        _store.Conflicts["order"] = 1;
        var records = Records(EventBuilder.ProductView().AtMinute(0), EventBuilder.Purchase("o-1", 10m, ("SKU-1", 1, 10m)).AtMinute(1), EventBuilder.AddToCart().AtMinute(2));

        var outcome = await ProcessAsync(records);

        Assert.Null(outcome.RetryFrom);
        Assert.Equal(1, outcome.ConflictRetries);
        Assert.Empty(outcome.Failures);
        Assert.Equal(3, outcome.Acknowledged.Count);
        Assert.Equal(outcome.Acknowledged.Count, outcome.LagMilliseconds.Count);
        Assert.Equal(_store.Markers.Keys.Order(), outcome.Acknowledged.Order());
        Assert.True(_store.Orders.ContainsKey("o-1"));
        Assert.Equal(1, _store.Profiles["u-1"].Orders);
        Assert.Equal(1, _store.ProductStats["SKU-1"].Views);
        Assert.Equal(3, _enriched.Records.Count);
        Assert.Equal((3, 3), (outcome.Records, outcome.Valid));
    }

    [Fact]
    public async Task ConflictThatOutlastsTheRetries_FailsBackFromTheFirstRecordNotDone()
    {
        _store.Conflicts["order"] = 10;
        var records = Records(EventBuilder.ProductView().AtMinute(0), EventBuilder.Purchase("o-1", 10m, ("SKU-1", 1, 10m)).AtMinute(1), EventBuilder.AddToCart().AtMinute(2));

        var outcome = await ProcessAsync(records);

        Assert.Equal(new ProcessorOptions().ConflictRetries, outcome.ConflictRetries);
        Assert.Equal(records[1].Position, outcome.RetryFrom);
        var failure = Assert.Single(outcome.Failures);
        Assert.Equal(("order", 1), (failure.Write, Assert.Single(failure.Records)));
        Assert.Equal(2, outcome.Acknowledged.Count);
        Assert.False(_store.Orders.ContainsKey("o-1"));
        Assert.Equal(10 - 1 - new ProcessorOptions().ConflictRetries, _store.Conflicts["order"]);
    }

    [Fact]
    public async Task FailingEnrichedSend_HoldsBackEveryStateWrite()
    {
        var sink = new FailingSink();
        var records = Records(EventBuilder.ProductView().AtMinute(0), EventBuilder.AddToCart().AtMinute(1));

        using var service = new StreamProcessorService(PseudonymKey, _store, _store, sink, _quarantine, _realtime, _journal, new ProcessorOptions(), _clock);
        var outcome = await service.ProcessAsync(records, CancellationToken.None);

        Assert.Equal(records[0].Position, outcome.RetryFrom);
        Assert.Empty(_store.Subjects);
        Assert.Empty(_store.Markers);
        Assert.Empty(outcome.Acknowledged);
        Assert.Equal(["enriched", "state"], outcome.Failures.Select(f => f.Write));
    }

    [Fact]
    public async Task PackedRecord_FailingMidway_RetriedWhole_EachOfItsEventsAppliedOnce()
    {
        _store.Failing.Add("order");
        var events = Records(EventBuilder.ProductView().AtMinute(0), EventBuilder.Purchase("o-1", 10m, ("SKU-1", 1, 10m)).AtMinute(1), EventBuilder.AddToCart().AtMinute(2));
        var packed = new StreamInput(events[0].Position, events[0].PartitionKey, string.Join("\n", events.Select(e => System.Text.Encoding.UTF8.GetString(e.Data.Span))).Select(c => (byte)c).ToArray(), events[0].ArrivalTime);
        var records = packed.SubRecords().ToArray();
        Assert.Equal(3, records.Length);

        var first = await ProcessAsync(records);

        // The purchase failed: the retry names its place in the record, and Lambda redelivers the whole record.
        Assert.Equal(records[1].Position, first.RetryFrom);
        Assert.Equal(packed.Position.SequenceNumber, first.RetryFrom!.Value.SequenceNumber);
        Assert.Equal(2, first.Acknowledged.Count);
        _store.Failing.Clear();

        var again = await ProcessAsync(packed.SubRecords().ToArray());

        Assert.Null(again.RetryFrom);
        Assert.Single(again.Acknowledged);
        Assert.Equal(0, again.Duplicates);
        Assert.True(_store.Orders.ContainsKey("o-1"));
        Assert.Equal(1, _store.Profiles["u-1"].Orders);
        Assert.Equal(1, _store.ProductStats["SKU-1"].Views);
        Assert.Equal(3, _enriched.Records.Count);
        Assert.Equal(3, _store.Markers.Count);
    }

    [Fact]
    public async Task RedeliveredBatch_IsNotAppliedTwice()
    {
        var records = Records(EventBuilder.ProductView().AtMinute(0), EventBuilder.ProductView("SKU-2").AtMinute(1), EventBuilder.AddToCart().AtMinute(2));
        await ProcessAsync(records);
        var profile = _store.Profiles["u-1"];
        var subjectWrites = _store.SubjectWrites;

        var again = await ProcessAsync(records);

        Assert.Null(again.RetryFrom);
        Assert.Equal(0, again.Duplicates);
        Assert.Empty(again.Acknowledged);
        Assert.Equal(subjectWrites, _store.SubjectWrites);
        Assert.Equal(profile.Counters, _store.Profiles["u-1"].Counters);
        Assert.Equal(1, _store.ProductStats["SKU-1"].Views);
        Assert.Equal(1, _store.ProductStats["SKU-2"].Views);
        Assert.Empty(_realtime.Applied[^1].Users);
    }

    [Fact]
    public async Task QuarantineCounters_ReachTheRealtimeWrites()
    {
        var records = new[] { _records.Next(EventBuilder.ProductView()), _records.Next(NotUtf8), _records.Next(NotUtf8) };

        await ProcessAsync(records);

        var counters = Assert.Single(_realtime.Applied).Counters!.Contributions.Where(c => c.Member == "quarantined:invalid_utf8").ToArray();
        Assert.Equal([records[1].Position.Padded, records[2].Position.Padded], counters.Select(c => c.PaddedSequence));
        Assert.All(counters, c => Assert.Equal((EventBuilder.Now.ToUnixTimeSeconds() / 60).ToString(System.Globalization.CultureInfo.InvariantCulture), c.Key));
    }

    [Fact]
    public async Task RealtimeStoreDown_DefersToTheJournal_RecordsStillDone()
    {
        _realtime.Down = true;
        var records = Records(EventBuilder.ProductView());

        var outcome = await ProcessAsync(records);

        Assert.Null(outcome.RetryFrom);
        Assert.True(outcome.RealtimeStale);
        Assert.Single(_journal.Pending);
        Assert.True(_store.Stale.ContainsKey(records[0].Position.ShardId));
        Assert.Single(outcome.Acknowledged);
    }

    [Fact]
    public async Task ClientResendAtAnotherPosition_DroppedByTheDedupWindow_AppliedOnce()
    {
        var view = EventBuilder.ProductView().Id(EventBuilder.NewId());
        await ProcessAsync(Records(view));

        var resend = await ProcessAsync(Records(view));

        Assert.Equal(1, resend.Duplicates);
        Assert.Empty(resend.Acknowledged);
        Assert.Equal(1, _store.ProductStats["SKU-1"].Views);
        Assert.Single(_store.Markers);
    }

    [Fact]
    public async Task DedupWindowUnreadable_NothingWritten_RetriedFromTheFirstRecord()
    {
        _store.Failing.Add("dedup read");
        var records = Records(EventBuilder.ProductView().AtMinute(0), EventBuilder.AddToCart().AtMinute(1));

        var outcome = await ProcessAsync(records);

        Assert.Equal(records[0].Position, outcome.RetryFrom);
        Assert.Contains(outcome.Errors, e => e.StartsWith("dedup window read failed", StringComparison.Ordinal));
        Assert.Empty(_enriched.Records);
        Assert.Empty(_store.Subjects);
        Assert.Empty(_store.ProductStats);
        Assert.Empty(outcome.Acknowledged);
    }

    private sealed class FailingSink : IEnrichedSink
    {
        public Task SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken) =>
            Task.FromException(new InvalidOperationException("the delivery stream is down (test)"));
    }
}
