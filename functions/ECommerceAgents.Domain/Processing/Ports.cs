namespace ECommerceAgents.Domain.Processing;

/// <summary>A claim that an event id has been processed, written after its effects, so a client's resend is dropped (<see cref="IDedupWindow"/>).</summary>
public sealed record DedupMarker(string EventId, string Position, DateTimeOffset ExpiresAt);

/// <summary>
/// An anonymous id linked to a user by the event at <see cref="Position"/>. It attributes an anonymous event only if it
/// came before it: earlier on the same shard, or earlier in time across shards.
/// </summary>
public sealed record IdentityLink(string AnonymousId, string UserId, DateTimeOffset LinkedAt, string EventId, StreamPosition Position)
{
    public bool AppliesTo(StreamPosition position, DateTimeOffset eventTime) =>
        Position.ShardId == position.ShardId ? string.CompareOrdinal(Position.Padded, position.Padded) < 0 : LinkedAt <= eventTime;
}

/// <summary>Per-product counters added by one event.</summary>
public sealed record ProductStatsDelta(string PaddedSequence, long Views, long CartAdds, long CartRemoves, long Purchases, decimal Revenue, string? Category, DateTimeOffset EventTime);

/// <summary>What StreamProcessor needs to read before it can plan a batch. All of it goes in as few batched reads as the store allows.</summary>
public sealed record StateRequest(
    string ShardId,
    IReadOnlyCollection<string> EventIds,
    IReadOnlyCollection<string> Subjects,
    IReadOnlyCollection<string> Users,
    IReadOnlyCollection<string> AnonymousIds,
    IReadOnlyCollection<string> Orders)
{
    /// <summary>What the valid events of a micro-batch need read.</summary>
    internal static StateRequest For(string shard, IReadOnlyList<ValidEvent> valid)
    {
        var subjects = new HashSet<string>(StringComparer.Ordinal);
        var users = new HashSet<string>(StringComparer.Ordinal);
        var anonymous = new HashSet<string>(StringComparer.Ordinal);
        var orders = new HashSet<string>(StringComparer.Ordinal);
        var eventIds = new string[valid.Count];
        for (var i = 0; i < valid.Count; i++)
        {
            var w = valid[i];
            var e = w.Event;
            eventIds[i] = e.EventId;
            if (Events.EventTypes.IsInteraction(w.Type) && (e.UserId ?? e.AnonymousId) is { } subject) subjects.Add(subject);
            if (e.UserId is not null) users.Add(e.UserId);
            if (e.AnonymousId is not null) anonymous.Add(e.AnonymousId);
            if (e.Data.OrderId is not null) orders.Add(e.Data.OrderId);
        }

        return new StateRequest(shard, eventIds, subjects, users, anonymous, orders);
    }
}

public sealed record StateSnapshot
{
    public Dictionary<string, DedupMarker> Markers { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, SubjectState> Subjects { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, UserProfile> Profiles { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, IdentityLink> IdentityLinks { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Consent by user id: the batch's users and the users their anonymous ids are linked to.</summary>
    public Dictionary<string, ConsentRecord> Consents { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Consent by anonymous id (not by <see cref="ConsentRecord.AnonymousSubject"/>, so a lookup builds no key): the batch's anonymous ids.</summary>
    public Dictionary<string, ConsentRecord> AnonymousConsents { get; init; } = new(StringComparer.Ordinal);

    public Dictionary<string, OrderRecord> Orders { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The padded sequence number of the last record of this shard sent to the enriched zone.</summary>
    public string? EnrichedCursor { get; init; }

    /// <summary>Since when the real-time store has missed this shard's writes (its deferred batches wait in the journal); null when it is current.</summary>
    public DateTimeOffset? RealtimeStaleSince { get; init; }
}

/// <summary>A write lost a race with another writer of the same item: the records behind it are retried.</summary>
public sealed class ConcurrentUpdateException(string message) : Exception(message);

/// <summary>DynamoDB, as StreamProcessor sees it: one batched read, then one write per entity. No transactions.</summary>
public interface IStreamStateStore
{
    Task<StateSnapshot> LoadAsync(StateRequest request, CancellationToken cancellationToken);

    /// <summary>Writes the sessionizer state, which holds the subject's current and recent sessions.</summary>
    Task SaveSubjectAsync(SubjectState state, CancellationToken cancellationToken);

    Task SaveProfileAsync(UserProfile profile, CancellationToken cancellationToken);

    Task SaveOrderAsync(OrderRecord order, CancellationToken cancellationToken);

    Task SaveIdentityLinkAsync(IdentityLink link, CancellationToken cancellationToken);

    /// <summary>
    /// Records a sale/share opt-out that arrived as a Global Privacy Control signal on an event: only that purpose
    /// changes (the subject's other choices stay), and only the first such event of a subject writes.
    /// </summary>
    Task RecordSaleShareOptOutAsync(string subject, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Adds the micro-batch's counters to the shard's own counters of each product, once: events at or below that
    /// item's watermark are skipped. Only the shard's one invocation at a time writes its items, so they need no
    /// condition and go out in batches (one write per product would be most of a batch's requests).
    /// </summary>
    Task AddProductStatsAsync(string shardId, IReadOnlyList<(string Sku, IReadOnlyList<ProductStatsDelta> Deltas)> products, CancellationToken cancellationToken);

    Task SetEnrichedCursorAsync(string shardId, string paddedSequence, CancellationToken cancellationToken);

    /// <summary>Records that the real-time store missed this shard's writes since <paramref name="since"/>, so it is rebuilt.</summary>
    Task MarkRealtimeStaleAsync(string shardId, DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>The shard's real-time store is current again (its journal replayed). Only the mark set at <paramref name="since"/> is removed.</summary>
    Task ClearRealtimeStaleAsync(string shardId, DateTimeOffset since, CancellationToken cancellationToken);
}

/// <summary>
/// The window in which a client's resend of an event id is recognised: a marker per processed event, kept for
/// <see cref="ProcessorOptions.DedupWindow"/>. Lambda's redelivery of the same stream position is recognised by the
/// state's own watermarks and cursor; this only catches an event id that arrives again at another position. It is held
/// in the real-time store (issue 18: a DynamoDB write and read per event was most of the bill), so unlike the rest of
/// that store it is not a cache: a window that cannot be read fails the micro-batch, which is retried, never processed
/// unchecked.
/// </summary>
public interface IDedupWindow
{
    /// <summary>
    /// The markers in the window of the candidates' event ids. A marker's <see cref="DedupMarker.Position"/> may equal
    /// the candidate's when the id was marked from that very record (Lambda's redelivery), and never does otherwise;
    /// a window that keeps no positions reports none (markers are written once every effect is, so dropping a finished
    /// event that Lambda redelivers is as safe as letting the watermarks skip it).
    /// </summary>
    Task<IReadOnlyList<DedupMarker>> FindAsync(IReadOnlyCollection<DedupMarker> candidates, CancellationToken cancellationToken);

    /// <summary>Remembers each marker until its <see cref="DedupMarker.ExpiresAt"/>; an id already remembered keeps its first marker.</summary>
    Task RememberAsync(IReadOnlyList<DedupMarker> markers, CancellationToken cancellationToken);
}

/// <summary>The enriched zone (Firehose PutRecordBatch). Records are newline-free JSON.</summary>
public interface IEnrichedSink
{
    Task SendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, CancellationToken cancellationToken);
}

/// <summary>
/// A rejected event on its way to the quarantine: the rejection (reasons, event id, schema), the record as delivered
/// (its exact payload, position and partition key) and the lineage.
/// </summary>
public sealed record QuarantineEntry(Validation.RejectedEvent Rejection, StreamInput Record, DateTimeOffset QuarantinedAt, string PipelineVersion, string Source)
{
    public string Reason => Rejection.ReasonName;

    public StreamPosition Position => Record.Position;

    public DateTimeOffset ArrivalTime => Record.ArrivalTime;
}

/// <summary>
/// The quarantine zone. A micro-batch's rejected records that share a reason and an arrival hour go in one object, keyed
/// by the first one's stream position (S3 bills each PUT, and a flood of bad records would otherwise be a PUT each): a
/// redelivered micro-batch overwrites its own objects. A retry that starts later in the shard writes its records again
/// under another key, so readers count a record once by its stream position.
/// </summary>
public interface IQuarantine
{
    /// <param name="entries">One or more entries with the same <see cref="QuarantineEntry.Reason"/> and arrival hour, in stream order.</param>
    Task PutAsync(IReadOnlyList<QuarantineEntry> entries, CancellationToken cancellationToken);
}
