using System.Text.Json;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Batch;

/// <summary>A line of the enriched zone the batch could not use, with why (it goes to the quarantine).</summary>
internal sealed record InvalidLine(string Reason, string Detail, string ObjectKey, int LineNumber, ReadOnlyMemory<byte> Line);

/// <summary>What compacting one partition produced.</summary>
internal sealed record CompactionResult
{
    public required PartitionId Partition { get; init; }

    /// <summary>Valid, unique events, ordered by event time then id: the Parquet file's rows.</summary>
    public required IReadOnlyList<ProcessedEvent> Events { get; init; }

    public required IReadOnlyList<OrderLineRow> OrderLines { get; init; }

    public int Objects { get; init; }

    public int Lines { get; init; }

    public required IReadOnlyList<InvalidLine> Invalid { get; init; }

    /// <summary>Copies of an event id already seen in this partition (Firehose at-least-once, a crash window).</summary>
    public int DuplicatesWithin { get; init; }

    /// <summary>Events dropped because another processed partition already holds their id.</summary>
    public int DuplicatesAcross { get; init; }

    /// <summary>The newest arrival (lineage) among the partition's events.</summary>
    public DateTimeOffset? NewestArrival { get; init; }

    /// <summary>Stream processing lag (arrival → processed) of each event, milliseconds.</summary>
    public required IReadOnlyList<double> ProcessingLagMs { get; init; }

    /// <summary>Analytic fields expected and present, over all events (see <see cref="RequiredFields"/>).</summary>
    public int FieldsExpected { get; init; }

    public int FieldsPresent { get; init; }
}

/// <summary>
/// Turns the enriched objects of one partition into processed rows: parses each line as an <see cref="EnrichedEvent"/>,
/// checks it belongs here, drops duplicate event ids (keeping the earliest arrival, so any order of objects gives the
/// same result) and ids that another processed partition already holds ("first claim wins"), and orders the rows.
/// </summary>
internal sealed class PartitionCompactor
{
    private readonly PartitionId _partition;
    private readonly IReadOnlySet<string> _claimedElsewhere;
    private readonly Dictionary<string, Candidate> _byId = new(StringComparer.Ordinal);
    private readonly List<InvalidLine> _invalid = [];
    private int _objects;
    private int _lines;
    private int _duplicates;

    public PartitionCompactor(PartitionId partition, IReadOnlySet<string>? claimedElsewhere = null)
    {
        _partition = partition;
        _claimedElsewhere = claimedElsewhere ?? new HashSet<string>();
    }

    /// <summary>Adds one enriched object's newline-delimited JSON (already decompressed).</summary>
    public void AddObject(string key, ReadOnlyMemory<byte> ndjson)
    {
        _objects++;
        var span = ndjson;
        var lineNumber = 0;
        while (span.Length > 0)
        {
            var end = span.Span.IndexOf((byte)'\n');
            var line = end < 0 ? span : span[..end];
            span = end < 0 ? ReadOnlyMemory<byte>.Empty : span[(end + 1)..];
            lineNumber++;
            if (line.Span.Trim((byte)'\r').IsEmpty) continue;
            _lines++;
            AddLine(key, lineNumber, line);
        }
    }

    private void AddLine(string key, int lineNumber, ReadOnlyMemory<byte> line)
    {
        EnrichedEvent? e;
        try
        {
            e = JsonSerializer.Deserialize(line.Span, EnrichedEventJsonContext.Default.EnrichedEvent);
        }
        catch (JsonException ex)
        {
            _invalid.Add(new InvalidLine("unparseable", ex.Message, key, lineNumber, line));
            return;
        }

        if (e is null)
        {
            _invalid.Add(new InvalidLine("unparseable", "null", key, lineNumber, line));
            return;
        }

        if (Check(e) is { } problem)
        {
            _invalid.Add(new InvalidLine(problem.Reason, problem.Detail, key, lineNumber, line));
            return;
        }

        var candidate = new Candidate(e, line);
        if (_byId.TryGetValue(e.EventId, out var existing))
        {
            _duplicates++;
            if (candidate.CompareTo(existing) < 0) _byId[e.EventId] = candidate;
            return;
        }

        _byId[e.EventId] = candidate;
    }

    private (string Reason, string Detail)? Check(EnrichedEvent e)
    {
        if (string.IsNullOrWhiteSpace(e.EventId)) return ("missing_event_id", "eventId is empty");
        if (e.Partition.Zone != "events") return ("wrong_zone", $"zone '{e.Partition.Zone}' in the events zone");
        if (e.Type != _partition.Type) return ("wrong_partition", $"type '{e.Type}' under type={_partition.Type}");
        var at = PartitionId.At(e.Type, e.EventTime);
        if (at.Dt != _partition.Dt || at.Hr != _partition.Hr) return ("wrong_partition", $"event time {e.EventTime:O} under dt={_partition.Dt}/hr={_partition.Hr}");
        var d = e.Data;
        if (d.Total < 0 || d.Amount < 0 || d.Price < 0) return ("invalid_amount", "negative money");
        if ((d.Total is not null || d.Amount is not null || d.Price is not null) && !IsCurrency(d.Currency) && e.Type != EventTypes.ProductUpserted)
        {
            return ("invalid_currency", $"currency '{d.Currency}'");
        }

        return null;
    }

    private static bool IsCurrency(string? c) => c is { Length: 3 } && c.All(char.IsAsciiLetterUpper);

    public CompactionResult Complete()
    {
        var kept = new List<ProcessedEvent>(_byId.Count);
        var lines = new List<OrderLineRow>();
        var lags = new List<double>(_byId.Count);
        var across = 0;
        DateTimeOffset? newest = null;
        int expected = 0, present = 0;
        foreach (var (id, c) in _byId)
        {
            if (_claimedElsewhere.Contains(id))
            {
                across++;
                continue;
            }

            var row = ProcessedEvent.From(c.Event);
            kept.Add(row);
            lines.AddRange(ProcessedEvent.LinesOf(c.Event));
            lags.Add(Math.Max(0, (c.Event.Lineage.ProcessingTime - c.Event.Lineage.ArrivalTime).TotalMilliseconds));
            if (newest is null || c.Event.Lineage.ArrivalTime > newest) newest = c.Event.Lineage.ArrivalTime;
            var (e, p) = RequiredFields.Count(row);
            expected += e;
            present += p;
        }

        kept.Sort((a, b) => a.OccurredAt != b.OccurredAt ? a.OccurredAt.CompareTo(b.OccurredAt) : string.CompareOrdinal(a.EventId, b.EventId));
        lines.Sort((a, b) => a.OccurredAt != b.OccurredAt ? a.OccurredAt.CompareTo(b.OccurredAt) : a.EventId != b.EventId ? string.CompareOrdinal(a.EventId, b.EventId) : a.LineNo.CompareTo(b.LineNo));
        return new CompactionResult
        {
            Partition = _partition,
            Events = kept,
            OrderLines = lines,
            Objects = _objects,
            Lines = _lines,
            Invalid = _invalid,
            DuplicatesWithin = _duplicates,
            DuplicatesAcross = across,
            NewestArrival = newest,
            ProcessingLagMs = lags,
            FieldsExpected = expected,
            FieldsPresent = present,
        };
    }

    /// <summary>A copy of an event; the earliest arrival wins, then the earliest processing, then the bytes.</summary>
    private sealed record Candidate(EnrichedEvent Event, ReadOnlyMemory<byte> Line) : IComparable<Candidate>
    {
        public int CompareTo(Candidate? other)
        {
            if (other is null) return -1;
            var c = Event.Lineage.ArrivalTime.CompareTo(other.Event.Lineage.ArrivalTime);
            if (c == 0) c = Event.Lineage.ProcessingTime.CompareTo(other.Event.Lineage.ProcessingTime);
            return c != 0 ? c : Line.Span.SequenceCompareTo(other.Line.Span);
        }
    }
}

/// <summary>
/// The fields the models need, per event type: completeness is the share of them that are present. Every event needs a
/// subject (user, anonymous id or, for order events, the order); interactions need a session; product events a SKU and a
/// category; money needs a currency.
/// </summary>
internal static class RequiredFields
{
    public static (int Expected, int Present) Count(ProcessedEvent r)
    {
        int expected = 0, present = 0;
        void Need(bool has)
        {
            expected++;
            if (has) present++;
        }

        var orderEvent = EventTypes.IsOrderLifecycle(r.EventType);
        if (r.EventType != EventTypes.DeviceTelemetry && r.EventType != EventTypes.ProductUpserted)
        {
            Need(r.UserId is not null || r.AnonymousId is not null || (orderEvent && r.OrderId is not null));
        }

        if (EventTypes.IsInteraction(r.EventType)) Need(r.SessionId is not null);
        if (r.EventType is EventTypes.ProductView or EventTypes.AddToCart or EventTypes.RemoveFromCart)
        {
            Need(r.Sku is not null);
            Need(r.Category is not null);
        }

        if (orderEvent || r.EventType == EventTypes.Purchase) Need(r.OrderId is not null);
        if (r.Revenue is not null || r.Price is not null) Need(r.Currency is not null);
        return (expected, present);
    }
}
