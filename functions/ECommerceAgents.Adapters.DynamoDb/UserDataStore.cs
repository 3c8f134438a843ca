using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Resources;
using static ECommerceAgents.Adapters.DynamoDb.StreamStateStore;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>What the API reads and erases about one user in DynamoDB: profile, sessions, identity links, orders, consent (the audit trail is <see cref="AuditChainStore"/>'s).</summary>
public sealed class UserDataStore(IAmazonDynamoDB dynamo, ResourceBindings names, TimeProvider? clock = null)
    : IUserReads, IProductReads, IRealtimeStaleness, IConsentStore, IUserErasure, IUserDataExport
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<UserProfile?> ProfileAsync(string userId, CancellationToken cancellationToken)
    {
        var item = await GetAsync(Tables.Profiles, Key("userId", userId), cancellationToken).ConfigureAwait(false);
        return item is null ? null : JsonSerializer.Deserialize(item["doc"].S, StateJsonContext.Default.UserProfile);
    }

    public async Task<SubjectState?> SubjectAsync(string subjectId, CancellationToken cancellationToken)
    {
        var item = await GetAsync(Tables.Sessions, Key("subjectId", subjectId, "sk", "STATE"), cancellationToken).ConfigureAwait(false);
        return item is null ? null : JsonSerializer.Deserialize(item["doc"].S, StateJsonContext.Default.SubjectState);
    }

    public async Task<IReadOnlyList<string>> AnonymousIdsAsync(string userId, CancellationToken cancellationToken) =>
        (await QueryAsync(Tables.Identities, "byUser", "userId", userId, cancellationToken).ConfigureAwait(false)).Select(i => i["anonymousId"].S).ToArray();

    public async Task<IReadOnlyList<OrderRecord>> OrdersAsync(string userId, CancellationToken cancellationToken) =>
        (await QueryAsync(Tables.Orders, "byUser", "userId", userId, cancellationToken).ConfigureAwait(false))
            .Select(i => JsonSerializer.Deserialize(i["doc"].S, StateJsonContext.Default.OrderRecord)!).ToArray();

    public async Task<ConsentRecord?> ConsentAsync(string subject, CancellationToken cancellationToken)
    {
        var item = await GetAsync(Tables.Consent, Key("userId", subject), cancellationToken).ConfigureAwait(false);
        return item is null ? null : ConsentItems.Read(item);
    }

    public async Task<ConsentRecord> SetConsentAsync(ConsentRecord change, CancellationToken cancellationToken)
    {
        var response = await dynamo.UpdateItemAsync(ConsentItems.Update(names.Table(Tables.Consent), change), cancellationToken).ConfigureAwait(false);
        return ConsentItems.Read(response.Attributes);
    }

    /// <summary>A product as CatalogImport stored it, attribute by attribute, or null.</summary>
    public async Task<JsonObject?> ProductAsync(string sku, CancellationToken cancellationToken)
    {
        var item = await GetAsync(Tables.Catalog, Key("sku", sku), cancellationToken).ConfigureAwait(false);
        return item is null ? null : ToJson(item);
    }

    /// <summary>Products of a category (the byCategory index: category + SKU range).</summary>
    public async Task<IReadOnlyList<JsonObject>> CategoryProductsAsync(string category, int limit, CancellationToken cancellationToken) =>
        (await QueryAsync(Tables.Catalog, "byCategory", "category", category, cancellationToken, limit).ConfigureAwait(false)).Select(ToJson).ToArray();

    /// <summary>A product's real-time counters: the sum of its shards' items, or null when no shard has counted it.</summary>
    public async Task<JsonObject?> ProductStatsAsync(string sku, CancellationToken cancellationToken)
    {
        var items = await QueryAsync(Tables.ProductStats, null, "sku", sku, cancellationToken).ConfigureAwait(false);
        return items.Count == 0 ? null : ToJson(ProductStatsItems.Sum(sku, items));
    }

    /// <summary>Realtime store marked stale by StreamProcessor (a Redis outage), per shard and since when.</summary>
    public async Task<IReadOnlyDictionary<string, string>> RealtimeStaleAsync(CancellationToken cancellationToken) =>
        (await QueryAsync(Tables.Watermarks, null, "pk", "realtime#stale", cancellationToken).ConfigureAwait(false)).ToDictionary(i => i["sk"].S, i => i["since"].S);

    /// <summary>Every item DynamoDB holds about the user, attribute by attribute, per table (for the full export).</summary>
    public async Task<(JsonObject Items, IReadOnlyList<string> AnonymousIds)> ExportAsync(string userId, CancellationToken cancellationToken)
    {
        var links = await QueryAsync(Tables.Identities, "byUser", "userId", userId, cancellationToken).ConfigureAwait(false);
        var anonymous = links.Select(i => i["anonymousId"].S).ToArray();
        var sessions = new JsonArray();
        foreach (var subject in anonymous.Prepend(userId))
        {
            foreach (var item in await QueryAsync(Tables.Sessions, null, "subjectId", subject, cancellationToken).ConfigureAwait(false)) sessions.Add((JsonNode)ToJson(item));
        }

        static JsonArray Array(IEnumerable<Dictionary<string, AttributeValue>> items) => new([.. items.Select(i => (JsonNode)ToJson(i))]);
        var profile = await GetAsync(Tables.Profiles, Key("userId", userId), cancellationToken).ConfigureAwait(false);
        var consent = await GetAsync(Tables.Consent, Key("userId", userId), cancellationToken).ConfigureAwait(false);
        var items = new JsonObject
        {
            [Tables.Profiles.Id] = Array(profile is null ? [] : [profile]),
            [Tables.Sessions.Id] = sessions,
            [Tables.Identities.Id] = Array(links),
            [Tables.Orders.Id] = Array(await QueryAsync(Tables.Orders, "byUser", "userId", userId, cancellationToken).ConfigureAwait(false)),
            [Tables.Consent.Id] = Array(consent is null ? [] : [consent]),
        };
        return (items, anonymous);
    }

    /// <summary>
    /// Erases what DynamoDB holds about a user at once: profile, sessionizer state (the user's and each linked anonymous
    /// id's) and identity links; orders stay (accounting) with the user id removed; consent stays, as the proof of what
    /// the user chose (it holds the user id, the purposes and a time, nothing else). A tombstone asks the batch layer to
    /// erase the zones and the warehouse, and to delete the keys, on its next run. Returns the counts.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, int>> EraseAsync(string userId, string requestId, CancellationToken cancellationToken)
    {
        var anonymous = await AnonymousIdsAsync(userId, cancellationToken).ConfigureAwait(false);
        var orders = await OrdersAsync(userId, cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            ["profiles"] = await DeleteAsync(Tables.Profiles, Key("userId", userId), cancellationToken).ConfigureAwait(false),
        };
        var sessions = 0;
        foreach (var subject in anonymous.Prepend(userId))
        {
            // The sessionizer's state and every session item of the subject.
            foreach (var item in await QueryAsync(Tables.Sessions, null, "subjectId", subject, cancellationToken).ConfigureAwait(false))
            {
                sessions += await DeleteAsync(Tables.Sessions, Key("subjectId", subject, "sk", item["sk"].S), cancellationToken).ConfigureAwait(false);
            }
        }

        counts["sessions"] = sessions;
        var links = 0;
        foreach (var anon in anonymous) links += await DeleteAsync(Tables.Identities, Key("anonymousId", anon), cancellationToken).ConfigureAwait(false);
        counts["identityLinks"] = links;

        // An anonymous visitor's own consent goes with the visitor: only the user's consent stays, as the proof of their choices.
        var anonymousConsent = 0;
        foreach (var anon in anonymous) anonymousConsent += await DeleteAsync(Tables.Consent, Key("userId", "anon#" + anon), cancellationToken).ConfigureAwait(false);
        counts["anonymousConsent"] = anonymousConsent;

        foreach (var order in orders)
        {
            order.UserId = null;
            await dynamo.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = names.Table(Tables.Orders),
                Key = Key("orderId", order.OrderId),
                UpdateExpression = "REMOVE userId SET doc = :doc",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":doc"] = S(JsonSerializer.Serialize(order, StateJsonContext.Default.OrderRecord)) },
            }, cancellationToken).ConfigureAwait(false);
        }

        counts["ordersPseudonymised"] = orders.Count;
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = names.Table(Tables.Tombstones),
            Item = new Dictionary<string, AttributeValue>
            {
                ["userId"] = S(userId),
                ["requestedAt"] = S(_clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)),
                ["status"] = S("pending"),
                ["requestId"] = S(requestId),
                ["anonymousIds"] = new() { L = anonymous.Select(S).ToList() },
            },
        }, cancellationToken).ConfigureAwait(false);
        return counts;
    }

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(TableDefinition table, Dictionary<string, AttributeValue> key, CancellationToken cancellationToken)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = names.Table(table), Key = key, ConsistentRead = true }, cancellationToken).ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? item : null;
    }

    /// <summary>
    /// The items whose <paramref name="attribute"/> (the table's or the index's key) is <paramref name="value"/>: the first
    /// <paramref name="limit"/> of them, or every page without one.
    /// </summary>
    private async Task<List<Dictionary<string, AttributeValue>>> QueryAsync(TableDefinition table, string? index, string attribute, string value, CancellationToken cancellationToken, int? limit = null)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = names.Table(table),
                IndexName = index,
                KeyConditionExpression = attribute + " = :v",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":v"] = S(value) },
                Limit = limit,
                ExclusiveStartKey = start,
            }, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items ?? []);
            start = limit is null && page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return items;
    }

    private async Task<int> DeleteAsync(TableDefinition table, Dictionary<string, AttributeValue> key, CancellationToken cancellationToken)
    {
        var response = await dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = names.Table(table), Key = key, ReturnValues = ReturnValue.ALL_OLD }, cancellationToken).ConfigureAwait(false);
        return response.Attributes is { Count: > 0 } ? 1 : 0;
    }

    internal static JsonObject ToJson(Dictionary<string, AttributeValue> item)
    {
        var json = new JsonObject();
        foreach (var (k, v) in item.OrderBy(kv => kv.Key, StringComparer.Ordinal)) json[k] = ToNode(v);
        return json;
    }

    private static JsonNode? ToNode(AttributeValue v) =>
        v.S is not null ? JsonValue.Create(v.S)
        : v.N is not null ? JsonValue.Create(decimal.Parse(v.N, CultureInfo.InvariantCulture))
        : v.BOOL is { } b ? JsonValue.Create(b)
        : v.L is { Count: > 0 } l ? new JsonArray(l.Select(ToNode).ToArray())
        : v.M is { Count: > 0 } m ? ToJson(m)
        : v.SS is { Count: > 0 } ss ? new JsonArray(ss.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray())
        : null;
}
