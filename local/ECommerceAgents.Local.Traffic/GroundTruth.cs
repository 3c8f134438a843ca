using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Local.Traffic;

/// <summary>What the generator sent, by its own account: the reference every store is reconciled against.</summary>
public sealed class GroundTruth
{
    private readonly HashSet<string> _validIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _botIds = new(StringComparer.Ordinal);

    public int Records { get; private set; }

    public Dictionary<string, int> ValidByType { get; } = new(StringComparer.Ordinal);

    /// <summary>Valid, unique, non-bot events (what the enriched, processed and warehouse zones must each hold once).</summary>
    public int ValidUnique => _validIds.Count;

    public IReadOnlySet<string> ValidIds => _validIds;

    public IReadOnlySet<string> BotIds => _botIds;

    public int BotEvents => _botIds.Count;

    public int Malformed { get; private set; }

    public int SchemaViolations { get; private set; }

    public int UnknownSchema { get; private set; }

    public int Duplicates { get; private set; }

    public int Late { get; private set; }

    /// <summary>The ids of the events held back and sent last (their event time is earlier than their arrival).</summary>
    public IReadOnlySet<string> LateIds => _lateIds;

    private readonly HashSet<string> _lateIds = new(StringComparer.Ordinal);

    public int OrdersPlaced { get; private set; }

    public int OrdersCancelled { get; private set; }

    public int OrdersRefunded { get; private set; }

    public decimal GrossPaid { get; private set; }

    public decimal Refunded { get; private set; }

    /// <summary>Revenue net of refunds: what was paid less what was refunded (EUR).</summary>
    public decimal NetRevenue => GrossPaid - Refunded;

    internal void Count(GeneratedRecord r)
    {
        Records++;
        switch (r.Fault)
        {
            case Fault.None or Fault.Late:
                _validIds.Add(r.EventId!);
                ValidByType[r.Type!] = ValidByType.GetValueOrDefault(r.Type!) + 1;
                if (r.Fault == Fault.Late)
                {
                    Late++;
                    _lateIds.Add(r.EventId!);
                }

                break;
            case Fault.Bot:
                _botIds.Add(r.EventId!);
                break;
            case Fault.Duplicate:
                Duplicates++;
                break;
            case Fault.Malformed:
                Malformed++;
                break;
            case Fault.SchemaViolation when r.ExpectedReason == "unknown_schema":
                UnknownSchema++;
                break;
            case Fault.SchemaViolation:
                SchemaViolations++;
                break;
        }
    }

    internal void OrderPlaced(decimal total) => OrdersPlaced++;

    internal void OrderPaid(decimal amount) => GrossPaid += amount;

    internal void OrderCancelled() => OrdersCancelled++;

    internal void OrderRefunded(decimal amount)
    {
        OrdersRefunded++;
        Refunded += amount;
    }

    /// <summary>Requests the API client sent again (after a 503, 429, 409 or a connection failure), with the same idempotency key.</summary>
    public long ApiRetries => Interlocked.Read(ref _apiRetries);

    /// <summary>
    /// Events those retries carried again. An attempt answered 503 may still have put some of its events on the stream,
    /// so the raw archive can hold up to this many records more than were generated; every other zone holds each event
    /// once (StreamProcessor drops a repeated event id).
    /// </summary>
    public long ApiRetriedEvents => Interlocked.Read(ref _apiRetriedEvents);

    private long _apiRetries;
    private long _apiRetriedEvents;

    /// <summary>Thread-safe: the API client's concurrent sends count here.</summary>
    internal void CountApiRetry(int events)
    {
        Interlocked.Increment(ref _apiRetries);
        Interlocked.Add(ref _apiRetriedEvents, events);
    }

    public int Interactions => ValidByType.Where(kv => EventTypes.IsInteraction(kv.Key)).Sum(kv => kv.Value);
}
