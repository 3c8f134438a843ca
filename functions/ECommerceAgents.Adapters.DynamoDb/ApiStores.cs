using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Resources;
using static ECommerceAgents.Adapters.DynamoDb.StreamStateStore;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>API keys in DynamoDB, stored hashed, each with a role. A new key is shown once, when it is created.</summary>
public sealed class ApiKeyStore(IAmazonDynamoDB dynamo, ResourceBindings names, TimeProvider? clock = null) : IApiKeyStore
{
    private readonly string _table = names.Table(Tables.ApiKeys);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static string NewKey() => "eca_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', '-').Replace('/', '_');

    public async Task<(ApiKeyRecord Record, string Key)> CreateAsync(string name, ApiRole role, CancellationToken cancellationToken, string? key = null, IReadOnlyList<string>? allowedOrigins = null)
    {
        key ??= NewKey();
        var origins = allowedOrigins?.Distinct(StringComparer.Ordinal).ToList() ?? [];
        var record = new ApiKeyRecord("k-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), Hash(key), name, role, _clock.GetUtcNow(), null) { AllowedOrigins = origins };
        var item = new Dictionary<string, AttributeValue>
        {
            ["keyHash"] = S(record.KeyHash),
            ["keyId"] = S(record.KeyId),
            ["name"] = S(name),
            ["role"] = S(role.ToString().ToLowerInvariant()),
            ["createdAt"] = S(record.CreatedAt.ToString("O", CultureInfo.InvariantCulture)),
        };

        // A string set cannot be empty: server keys have no attribute.
        if (origins.Count > 0) item["origins"] = new AttributeValue { SS = origins };
        await dynamo.PutItemAsync(new PutItemRequest { TableName = _table, Item = item, ConditionExpression = "attribute_not_exists(keyHash)" }, cancellationToken).ConfigureAwait(false);
        return (record, key);
    }

    /// <summary>
    /// A scan of the key table (a handful of items: keys are made by hand) filtered to active browser keys. The API
    /// caches the answer per instance, so a preflight costs a scan at most once per cache lifetime.
    /// </summary>
    public async Task<IReadOnlyList<ApiKeyRecord>> ActiveBrowserKeysAsync(CancellationToken cancellationToken)
    {
        var records = new List<ApiKeyRecord>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest
            {
                TableName = _table,
                FilterExpression = "#role = :browser AND attribute_not_exists(revokedAt)",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#role"] = "role" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":browser"] = S(nameof(ApiRole.Browser).ToLowerInvariant()) },
                ExclusiveStartKey = start,
                ConsistentRead = true,
            }, cancellationToken).ConfigureAwait(false);
            records.AddRange((page.Items ?? []).Select(Read));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return records;
    }

    public async Task<ApiKeyRecord?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key("keyHash", Hash(key)), ConsistentRead = true }, cancellationToken).ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? Read(item) : null;
    }

    public async Task<ApiKeyRecord?> FindByIdAsync(string keyId, CancellationToken cancellationToken)
    {
        var page = await dynamo.QueryAsync(new QueryRequest
        {
            TableName = _table,
            IndexName = "byKeyId",
            KeyConditionExpression = "keyId = :id",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":id"] = S(keyId) },
        }, cancellationToken).ConfigureAwait(false);
        return page.Items is { Count: > 0 } items ? Read(items[0]) : null;
    }

    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken)
    {
        var record = await FindByIdAsync(keyId, cancellationToken).ConfigureAwait(false);
        if (record is null) return false;
        await dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = Key("keyHash", record.KeyHash),
            UpdateExpression = "SET revokedAt = if_not_exists(revokedAt, :at)",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":at"] = S(_clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)) },
        }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static ApiKeyRecord Read(Dictionary<string, AttributeValue> item) => new(
        item["keyId"].S,
        item["keyHash"].S,
        item.TryGetValue("name", out var n) ? n.S : "",
        Enum.Parse<ApiRole>(item["role"].S, ignoreCase: true),
        DateTimeOffset.Parse(item["createdAt"].S, CultureInfo.InvariantCulture),
        item.TryGetValue("revokedAt", out var r) ? DateTimeOffset.Parse(r.S, CultureInfo.InvariantCulture) : null)
    {
        AllowedOrigins = item.TryGetValue("origins", out var o) && o.SS is { Count: > 0 } origins ? [.. origins.Order(StringComparer.Ordinal)] : [],
    };
}

/// <summary>
/// Idempotency keys and the webhook replay cache, in the dedup table (with TTL). A key is claimed before the work and
/// completed with the answer, so a concurrent retry waits (409) and a later one gets the first answer back. A claim
/// holds a lease: when its request can no longer be running (it crashed, or neither its completion nor its release
/// could be written) and the lease has ended, a retry with the key takes the claim over instead of waiting until the
/// record expires.
/// </summary>
public sealed class IdempotencyStore(IAmazonDynamoDB dynamo, ResourceBindings names, TimeProvider? clock = null) : IIdempotencyStore, IWebhookReplayCache
{
    private readonly string _table = names.Table(Tables.Dedup);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <inheritdoc/>
    public async Task<(IdempotencyClaim Claim, StoredResponse? Response)> ClaimAsync(string scope, string key, string requestHash, TimeSpan ttl, TimeSpan lease, CancellationToken cancellationToken)
    {
        var pk = $"idem#{scope}#{key}";
        var now = _clock.GetUtcNow();
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _table,
                Item = new Dictionary<string, AttributeValue>
                {
                    ["pk"] = S(pk),
                    ["state"] = S("in-progress"),
                    ["requestHash"] = S(requestHash),
                    ["leaseUntil"] = N(now.Add(lease).ToUnixTimeSeconds()),
                    ["expiresAt"] = N(now.Add(ttl).ToUnixTimeSeconds()),
                },
                ConditionExpression = "attribute_not_exists(pk) OR expiresAt < :now OR (#state = :inProgress AND leaseUntil < :now)",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#state"] = "state" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":now"] = N(now.ToUnixTimeSeconds()), [":inProgress"] = S("in-progress") },
            }, cancellationToken).ConfigureAwait(false);
            return (IdempotencyClaim.Claimed, null);
        }
        catch (ConditionalCheckFailedException)
        {
            var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key("pk", pk), ConsistentRead = true }, cancellationToken).ConfigureAwait(false)).Item;
            if (item is null || item.Count == 0) return (IdempotencyClaim.InProgress, null);
            var stored = item.TryGetValue("status", out var status)
                ? new StoredResponse(int.Parse(status.N, CultureInfo.InvariantCulture), item["contentType"].S, item["body"].S, item["requestHash"].S)
                : new StoredResponse(0, "", "", item["requestHash"].S);
            return (item["state"].S == "done" ? IdempotencyClaim.Done : IdempotencyClaim.InProgress, stored);
        }
    }

    public Task CompleteAsync(string scope, string key, StoredResponse response, TimeSpan ttl, CancellationToken cancellationToken) =>
        dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = _table,
            Item = new Dictionary<string, AttributeValue>
            {
                ["pk"] = S($"idem#{scope}#{key}"),
                ["state"] = S("done"),
                ["status"] = N(response.Status),
                ["contentType"] = S(response.ContentType),
                ["body"] = S(response.Body),
                ["requestHash"] = S(response.RequestHash),
                ["expiresAt"] = N(_clock.GetUtcNow().Add(ttl).ToUnixTimeSeconds()),
            },
        }, cancellationToken);

    /// <inheritdoc/>
    public Task ReleaseAsync(string scope, string key, CancellationToken cancellationToken) =>
        dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = _table, Key = Key("pk", $"idem#{scope}#{key}") }, cancellationToken);

    /// <inheritdoc/>
    public async Task<bool> FirstSightingAsync(string source, string signature, TimeSpan ttl, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _table,
                Item = new Dictionary<string, AttributeValue>
                {
                    ["pk"] = S($"hook#{source}#{signature}"),
                    ["expiresAt"] = N(_clock.GetUtcNow().Add(ttl).ToUnixTimeSeconds()),
                },
                ConditionExpression = "attribute_not_exists(pk)",
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }
}
