using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>
/// StreamProcessor's state in DynamoDB without transactions (dynalite has none): one round of concurrent BatchGetItem requests
/// across tables for everything a batch reads, then one write per entity. Whole-item state (sessions, profiles, orders) is
/// a JSON document guarded by a version number; product counters are one item per product and shard, which only
/// that shard writes, with the shard's watermark, read and written in batches. The event-id markers are
/// not here: they are the real-time store's (<see cref="IDedupWindow"/>).
/// </summary>
public sealed class StreamStateStore(IAmazonDynamoDB dynamo, ResourceBindings names, TimeProvider? clock = null) : IStreamStateStore
{
    private const string StateSortKey = "STATE";
    private const string CursorKey = "stream#enriched-cursor";
    private const string StaleKey = "realtime#stale";
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly string _sessions = names.Table(Tables.Sessions);
    private readonly string _profiles = names.Table(Tables.Profiles);
    private readonly string _identities = names.Table(Tables.Identities);
    private readonly string _consent = names.Table(Tables.Consent);
    private readonly string _orders = names.Table(Tables.Orders);
    private readonly string _stats = names.Table(Tables.ProductStats);
    private readonly string _watermarks = names.Table(Tables.Watermarks);

    private static StateJsonContext Json => StateJsonContext.Default;

    public async Task<StateSnapshot> LoadAsync(StateRequest request, CancellationToken cancellationToken)
    {
        var snapshot = new StateSnapshot();
        var keys = new List<(string Table, Dictionary<string, AttributeValue> Key)>();
        keys.AddRange(request.Subjects.Select(s => (_sessions, Key("subjectId", s, "sk", StateSortKey))));
        keys.AddRange(request.Users.Select(u => (_profiles, Key("userId", u))));
        keys.AddRange(request.Users.Select(u => (_consent, Key("userId", u))));
        keys.AddRange(request.AnonymousIds.Select(a => (_identities, Key("anonymousId", a))));
        keys.AddRange(request.AnonymousIds.Select(a => (_consent, Key("userId", ConsentRecord.AnonymousSubject(a)))));
        keys.AddRange(request.Orders.Select(o => (_orders, Key("orderId", o))));
        keys.Add((_watermarks, Key("pk", CursorKey, "sk", request.ShardId)));
        keys.Add((_watermarks, Key("pk", StaleKey, "sk", request.ShardId)));
        string? cursor = null;
        DateTimeOffset? staleSince = null;
        foreach (var (table, item) in await BatchGetAsync(keys, cancellationToken).ConfigureAwait(false))
        {
            if (table != _watermarks) Absorb(snapshot, table, item);
            else if (item["pk"].S == StaleKey) staleSince = DateTimeOffset.Parse(item["since"].S, CultureInfo.InvariantCulture);
            else cursor = item["position"].S;
        }

        // Anonymous ids linked to users not named in the batch: their profiles and consent are needed too.
        var linkedUsers = snapshot.IdentityLinks.Values.Select(l => l.UserId).Where(u => !request.Users.Contains(u)).Distinct(StringComparer.Ordinal).ToArray();
        if (linkedUsers.Length > 0)
        {
            var more = linkedUsers.SelectMany(u => new[] { (_profiles, Key("userId", u)), (_consent, Key("userId", u)) }).ToList();
            foreach (var (table, item) in await BatchGetAsync(more, cancellationToken).ConfigureAwait(false)) Absorb(snapshot, table, item);
        }

        return snapshot with { EnrichedCursor = cursor, RealtimeStaleSince = staleSince };
    }

    private void Absorb(StateSnapshot snapshot, string table, Dictionary<string, AttributeValue> item)
    {
        if (table == _sessions)
        {
            var state = JsonSerializer.Deserialize(item["doc"].S, Json.SubjectState)!;
            snapshot.Subjects[state.SubjectId] = state with { Version = Version(item) };
        }
        else if (table == _profiles)
        {
            var profile = JsonSerializer.Deserialize(item["doc"].S, Json.UserProfile)!;
            snapshot.Profiles[profile.UserId] = profile with { Version = Version(item) };
        }
        else if (table == _orders)
        {
            var order = JsonSerializer.Deserialize(item["doc"].S, Json.OrderRecord)!;
            snapshot.Orders[order.OrderId] = order with { Version = Version(item) };
        }
        else if (table == _identities)
        {
            snapshot.IdentityLinks[item["anonymousId"].S] = new IdentityLink(
                item["anonymousId"].S,
                item["userId"].S,
                DateTimeOffset.Parse(item["linkedAt"].S, CultureInfo.InvariantCulture),
                item["eventId"].S,
                new StreamPosition(item.TryGetValue("shardId", out var shard) ? shard.S : "", item.TryGetValue("sequence", out var seq) ? seq.S : "0",
                    item.TryGetValue("subSequence", out var sub) ? int.Parse(sub.N, CultureInfo.InvariantCulture) : 0));
        }
        else if (table == _consent)
        {
            ConsentItems.Absorb(snapshot, item);
        }
    }

    public Task SaveSubjectAsync(SubjectState state, CancellationToken cancellationToken) =>
        PutVersionedAsync(_sessions, Key("subjectId", state.SubjectId, "sk", StateSortKey), "subjectId", state.Version,
            JsonSerializer.Serialize(state with { Version = state.Version + 1 }, Json.SubjectState),
            new Dictionary<string, AttributeValue>
            {
                ["sessionId"] = S(state.Current?.Id),
                ["lastEventTime"] = S(state.Current?.End.ToString("O", CultureInfo.InvariantCulture)),
                ["userId"] = S(state.Current?.UserId),
            }, cancellationToken);

    public Task SaveProfileAsync(UserProfile profile, CancellationToken cancellationToken) =>
        PutVersionedAsync(_profiles, Key("userId", profile.UserId), "userId", profile.Version,
            JsonSerializer.Serialize(profile with { Version = profile.Version + 1 }, Json.UserProfile),
            new Dictionary<string, AttributeValue>
            {
                ["lastSeen"] = S(profile.LastSeen.ToString("O", CultureInfo.InvariantCulture)),
                ["engagement"] = N(profile.Engagement),
                ["intent"] = S(profile.Intent),
            }, cancellationToken);

    public Task SaveOrderAsync(OrderRecord order, CancellationToken cancellationToken) =>
        PutVersionedAsync(_orders, Key("orderId", order.OrderId), "orderId", order.Version,
            JsonSerializer.Serialize(order with { Version = order.Version + 1 }, Json.OrderRecord),
            new Dictionary<string, AttributeValue>
            {
                ["orderDate"] = S(order.OrderDate),
                ["userId"] = S(order.UserId),
                ["state"] = S(order.State),
                ["total"] = N((double)order.Total),
                ["currency"] = S(order.Currency),
            }, cancellationToken);

    public async Task SaveIdentityLinkAsync(IdentityLink link, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _identities,
                Item = new Dictionary<string, AttributeValue>
                {
                    ["anonymousId"] = S(link.AnonymousId),
                    ["userId"] = S(link.UserId),
                    ["linkedAt"] = S(link.LinkedAt.ToString("O", CultureInfo.InvariantCulture)),
                    ["eventId"] = S(link.EventId),
                    ["shardId"] = S(link.Position.ShardId),
                    ["sequence"] = S(link.Position.SequenceNumber),
                    ["subSequence"] = new AttributeValue { N = link.Position.SubSequence.ToString(CultureInfo.InvariantCulture) },
                },
                ConditionExpression = "attribute_not_exists(anonymousId)",
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // The first link of an anonymous id stands; writing it again is a no-op.
        }
    }

    public Task RecordSaleShareOptOutAsync(string subject, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var request = ConsentItems.Update(_consent, new ConsentRecord(subject, at) { SaleShare = false, SaleShareSource = ConsentRecord.GpcSource });
        request.ReturnValues = ReturnValue.NONE;
        return dynamo.UpdateItemAsync(request, cancellationToken);
    }

    public async Task AddProductStatsAsync(string shardId, IReadOnlyList<(string Sku, IReadOnlyList<ProductStatsDelta> Deltas)> products, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, Dictionary<string, AttributeValue>>(StringComparer.Ordinal);
        foreach (var (_, item) in await BatchGetAsync(products.Select(p => (_stats, Key("sku", p.Sku, "shard", shardId))).ToList(), cancellationToken).ConfigureAwait(false))
        {
            stored[item["sku"].S] = item;
        }

        var writes = new List<WriteRequest>(products.Count);
        foreach (var (sku, deltas) in products)
        {
            stored.TryGetValue(sku, out var current);
            // A redelivered batch finds its events at or below the shard's watermark: they were added.
            var watermark = current is not null && current.TryGetValue("wm", out var wm) ? wm.S : null;
            var pending = deltas.Where(e => watermark is null || string.CompareOrdinal(e.PaddedSequence, watermark) > 0).ToArray();
            if (pending.Length == 0) continue;
            writes.Add(new WriteRequest(new PutRequest(new Dictionary<string, AttributeValue>
            {
                ["sku"] = S(sku),
                ["shard"] = S(shardId),
                ["views"] = N(ProductStatsItems.Long(current, "views") + pending.Sum(e => e.Views)),
                ["cartAdds"] = N(ProductStatsItems.Long(current, "cartAdds") + pending.Sum(e => e.CartAdds)),
                ["cartRemoves"] = N(ProductStatsItems.Long(current, "cartRemoves") + pending.Sum(e => e.CartRemoves)),
                ["purchases"] = N(ProductStatsItems.Long(current, "purchases") + pending.Sum(e => e.Purchases)),
                ["revenue"] = new() { N = (ProductStatsItems.Revenue(current) + pending.Sum(e => e.Revenue)).ToString(CultureInfo.InvariantCulture) },
                ["category"] = S(current is not null && current.TryGetValue("category", out var c) ? c.S : pending.Select(e => e.Category).FirstOrDefault(x => x is not null) ?? "unknown"),
                ["wm"] = S(pending.Max(e => e.PaddedSequence)),
            })));
        }

        await BatchWriteAsync(_stats, writes, cancellationToken).ConfigureAwait(false);
    }

    public Task SetEnrichedCursorAsync(string shardId, string paddedSequence, CancellationToken cancellationToken) =>
        dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = _watermarks,
            Item = new Dictionary<string, AttributeValue>
            {
                ["pk"] = S(CursorKey),
                ["sk"] = S(shardId),
                ["position"] = S(paddedSequence),
                ["updatedAt"] = S(_clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)),
            },
        }, cancellationToken);

    public async Task MarkRealtimeStaleAsync(string shardId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _watermarks,
                Item = new Dictionary<string, AttributeValue> { ["pk"] = S(StaleKey), ["sk"] = S(shardId), ["since"] = S(since.ToString("O", CultureInfo.InvariantCulture)) },
                ConditionExpression = "attribute_not_exists(pk)",
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // Already stale since an earlier time.
        }
    }

    public async Task ClearRealtimeStaleAsync(string shardId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _watermarks,
                Key = Key("pk", StaleKey, "sk", shardId),
                ConditionExpression = "#since = :since",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#since"] = "since" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":since"] = S(since.ToString("O", CultureInfo.InvariantCulture)) },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // Already cleared, or marked again since: the newer mark stays.
        }
    }

    /// <summary>
    /// BatchGetItem in requests of 100 keys (its limit), sent concurrently: a micro-batch reads some 900 keys, and nine
    /// round trips one after the other would be most of its time in AWS. Each request follows its UnprocessedKeys with
    /// backoff.
    /// </summary>
    private async Task<List<(string Table, Dictionary<string, AttributeValue> Item)>> BatchGetAsync(
        List<(string Table, Dictionary<string, AttributeValue> Key)> keys, CancellationToken cancellationToken)
    {
        var found = new List<(string Table, Dictionary<string, AttributeValue> Item)>();
        var chunks = keys.DistinctBy(k => k.Table + "|" + string.Join("|", k.Key.Values.Select(v => v.S))).Chunk(100);
        await Parallel.ForEachAsync(chunks, Concurrency(cancellationToken), async (chunk, ct) =>
        {
            var pending = chunk.GroupBy(k => k.Table).ToDictionary(g => g.Key, g => new KeysAndAttributes { Keys = g.Select(k => k.Key).ToList(), ConsistentRead = true });
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > 0) await Task.Delay(DynamoBatches.Backoff(attempt), ct).ConfigureAwait(false);
                if (attempt > 10) throw new ProvisionedThroughputExceededException("BatchGetItem kept returning unprocessed keys");
                var response = await dynamo.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = pending }, ct).ConfigureAwait(false);
                lock (found)
                {
                    foreach (var (table, items) in response.Responses ?? []) found.AddRange(items.Select(item => (table, item)));
                }

                pending = response.UnprocessedKeys is { Count: > 0 } unprocessed ? unprocessed : [];
            }
        }).ConfigureAwait(false);
        return found;
    }

    /// <summary>BatchWriteItem in requests of 25 items (its limit), sent concurrently, each following its UnprocessedItems with backoff.</summary>
    private async Task BatchWriteAsync(string table, List<WriteRequest> requests, CancellationToken cancellationToken) =>
        await Parallel.ForEachAsync(requests.Chunk(25), Concurrency(cancellationToken), async (chunk, ct) =>
        {
            await DynamoBatches.WriteAsync(dynamo, table, chunk, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);

    /// <summary>How many batch requests of one call are in flight at once.</summary>
    private static ParallelOptions Concurrency(CancellationToken cancellationToken) => new() { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken };

    private async Task PutVersionedAsync(string table, Dictionary<string, AttributeValue> key, string hashKey, long expected, string doc, Dictionary<string, AttributeValue> extra, CancellationToken cancellationToken)
    {
        var item = new Dictionary<string, AttributeValue>(key) { ["doc"] = S(doc), ["version"] = N(expected + 1) };
        foreach (var (k, v) in extra)
        {
            if (v.S is not null || v.N is not null) item[k] = v;
        }

        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = table,
                Item = item,
                ConditionExpression = expected == 0 ? "attribute_not_exists(#k)" : "#v = :expected",
                ExpressionAttributeNames = expected == 0 ? new Dictionary<string, string> { ["#k"] = hashKey } : new Dictionary<string, string> { ["#v"] = "version" },
                ExpressionAttributeValues = expected == 0 ? null : new Dictionary<string, AttributeValue> { [":expected"] = N(expected) },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            throw new ConcurrentUpdateException($"{table}: {string.Join(",", key.Values.Select(v => v.S))} changed since it was read");
        }
    }


    private static long Version(Dictionary<string, AttributeValue> item) =>
        item.TryGetValue("version", out var v) ? long.Parse(v.N, CultureInfo.InvariantCulture) : 0;

    internal static Dictionary<string, AttributeValue> Key(string name, string value) => new() { [name] = S(value) };

    internal static Dictionary<string, AttributeValue> Key(string name, string value, string sortName, string sortValue) => new() { [name] = S(value), [sortName] = S(sortValue) };

    internal static AttributeValue S(string? value) => new() { S = value };

    internal static AttributeValue N(double value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };
}

/// <summary>JSON of the state documents kept in DynamoDB.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SubjectState))]
[JsonSerializable(typeof(UserProfile))]
[JsonSerializable(typeof(OrderRecord))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
