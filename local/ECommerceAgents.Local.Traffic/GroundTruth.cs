using System.Security.Cryptography;
using System.Text.Json;
using ECommerceAgents.Domain;
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

    /// <summary>Every valid, unique, non-bot event as the generator sent it (the expected values of the keyed stores).</summary>
    public IReadOnlyList<TrackedEvent> ValidEvents => _validEvents;

    private readonly List<TrackedEvent> _validEvents = [];

    /// <summary>Bot events, each once, as sent.</summary>
    public IReadOnlyList<TrackedEvent> BotEventsSent => _botEvents;

    private readonly List<TrackedEvent> _botEvents = [];

    /// <summary>The records injected straight into the stream to be rejected, each with the reason it must be quarantined for.</summary>
    public IReadOnlyList<InjectedFault> Injected => _injected;

    private readonly List<InjectedFault> _injected = [];

    /// <summary>Every order the generator placed, with the money and the last state it moved it to.</summary>
    public IReadOnlyDictionary<string, OrderTruth> Orders => _orders;

    private readonly Dictionary<string, OrderTruth> _orders = new(StringComparer.Ordinal);

    internal void Count(GeneratedRecord r)
    {
        Records++;
        switch (r.Fault)
        {
            case Fault.None or Fault.Late:
                _validIds.Add(r.EventId!);
                _validEvents.Add(JsonSerializer.Deserialize(r.Data, DomainJson.TrackedEvent)!);
                ValidByType[r.Type!] = ValidByType.GetValueOrDefault(r.Type!) + 1;
                if (r.Fault == Fault.Late)
                {
                    Late++;
                    _lateIds.Add(r.EventId!);
                }

                break;
            case Fault.Bot:
                _botIds.Add(r.EventId!);
                _botEvents.Add(JsonSerializer.Deserialize(r.Data, DomainJson.TrackedEvent)!);
                break;
            case Fault.Duplicate:
                Duplicates++;
                break;
            case Fault.Malformed:
                Malformed++;
                _injected.Add(InjectedFault.Of(r));
                break;
            case Fault.SchemaViolation when r.ExpectedReason == "unknown_schema":
                UnknownSchema++;
                _injected.Add(InjectedFault.Of(r));
                break;
            case Fault.SchemaViolation:
                SchemaViolations++;
                _injected.Add(InjectedFault.Of(r));
                break;
        }
    }

    internal void OrderPlaced(string orderId, string? userId, decimal total)
    {
        OrdersPlaced++;
        _orders[orderId] = new OrderTruth { OrderId = orderId, UserId = userId, Total = total, State = "placed" };
    }

    internal void OrderPaid(string orderId, decimal amount)
    {
        GrossPaid += amount;
        _orders[orderId].Paid += amount;
        _orders[orderId].State = "paid";
    }

    internal void OrderMoved(string orderId, string state) => _orders[orderId].State = state;

    internal void OrderCancelled(string orderId)
    {
        OrdersCancelled++;
        _orders[orderId].State = "cancelled";
    }

    internal void OrderRefunded(string orderId, decimal amount)
    {
        OrdersRefunded++;
        Refunded += amount;
        _orders[orderId].Refunded += amount;
        _orders[orderId].State = "refunded";
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

/// <summary>A record injected to be rejected: its id when it has one, else the SHA-256 of its bytes, and the reason it must carry.</summary>
public sealed record InjectedFault(string? EventId, string PayloadSha256, string Reason, string? Type, DateTimeOffset EventTime)
{
    public static string Hash(ReadOnlySpan<byte> payload) => Convert.ToHexStringLower(SHA256.HashData(payload));

    internal static InjectedFault Of(GeneratedRecord r) => new(r.EventId, Hash(r.Data), r.ExpectedReason!, r.Type, r.EventTime);
}

/// <summary>An order as the generator moved it: placed, paid (or cancelled), shipped, delivered, refunded.</summary>
public sealed class OrderTruth
{
    public required string OrderId { get; init; }

    public string? UserId { get; init; }

    public decimal Total { get; init; }

    public decimal Paid { get; set; }

    public decimal Refunded { get; set; }

    /// <summary>The last state the generator moved the order to, in the platform's words (placed, paid, shipped, delivered, cancelled, refunded).</summary>
    public required string State { get; set; }

    /// <summary>What the shop kept: nothing for a cancelled order, else what was paid less what was refunded.</summary>
    public decimal NetRevenue => State == "cancelled" ? 0 : Paid - Refunded;
}
