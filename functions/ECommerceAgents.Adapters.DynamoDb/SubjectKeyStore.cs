using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Resources;
using static ECommerceAgents.Adapters.DynamoDb.StreamStateStore;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>
/// The subject key table (<see cref="Tables.SubjectKeys"/>): <c>key#&lt;keyId&gt;</c> holds the wrapped key (and not
/// the subject: a reader of a ciphertext learns nothing from the key id), <c>subject#&lt;subject&gt;</c> its key id.
/// Creation without transactions (dynalite has none): the key item first, then the subject item on the condition that
/// there is none; the loser of a race deletes its key item and takes the winner's. A crash in between leaves a key
/// item no subject names, which opens nothing. Deletion removes the key item first: once it is gone the subject is shredded.
/// </summary>
public sealed class SubjectKeyStore(IAmazonDynamoDB dynamo, ResourceBindings names) : ISubjectKeyStore
{
    private readonly string _table = names.Table(Tables.SubjectKeys);

    public async Task<StoredSubjectKey?> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        var item = await GetAsync("subject#" + subject, cancellationToken).ConfigureAwait(false);
        return item?.GetValueOrDefault("keyId")?.S is { } keyId ? await FindAsync(keyId, cancellationToken).ConfigureAwait(false) : null;
    }

    public async Task<StoredSubjectKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        var item = await GetAsync("key#" + keyId, cancellationToken).ConfigureAwait(false);
        return item?.GetValueOrDefault("wrapped")?.B is { } wrapped ? new StoredSubjectKey(keyId, wrapped.ToArray()) : null;
    }

    /// <summary>BatchGetItem, 100 keys a call, consistent reads, unprocessed keys asked again.</summary>
    public async Task<IReadOnlyDictionary<string, StoredSubjectKey>> FindManyAsync(IReadOnlyCollection<string> keyIds, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, StoredSubjectKey>(StringComparer.Ordinal);
        foreach (var chunk in keyIds.Distinct(StringComparer.Ordinal).Chunk(100))
        {
            var request = new Dictionary<string, KeysAndAttributes>
            {
                [_table] = new() { Keys = [.. chunk.Select(id => Key("pk", "key#" + id))], ConsistentRead = true },
            };
            for (var attempt = 0; request.Count > 0; attempt++)
            {
                if (attempt > 0) await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 25 << Math.Min(attempt, 5))), cancellationToken).ConfigureAwait(false);
                var response = await dynamo.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = request }, cancellationToken).ConfigureAwait(false);
                foreach (var item in response.Responses?.GetValueOrDefault(_table) ?? [])
                {
                    if (item.GetValueOrDefault("wrapped")?.B is { } wrapped && item["pk"].S is { } pk)
                    {
                        var id = pk["key#".Length..];
                        found[id] = new StoredSubjectKey(id, wrapped.ToArray());
                    }
                }

                request = response.UnprocessedKeys is { Count: > 0 } unprocessed ? unprocessed : [];
            }
        }

        return found;
    }

    public async Task<StoredSubjectKey> CreateAsync(string subject, StoredSubjectKey candidate, CancellationToken cancellationToken)
    {
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = _table,
            Item = new Dictionary<string, AttributeValue> { ["pk"] = S("key#" + candidate.KeyId), ["wrapped"] = new() { B = new MemoryStream(candidate.WrappedKey) } },
        }, cancellationToken).ConfigureAwait(false);
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _table,
                Item = new Dictionary<string, AttributeValue> { ["pk"] = S("subject#" + subject), ["keyId"] = S(candidate.KeyId) },
                ConditionExpression = "attribute_not_exists(pk)",
            }, cancellationToken).ConfigureAwait(false);
            return candidate;
        }
        catch (ConditionalCheckFailedException)
        {
            await DeleteItemAsync("key#" + candidate.KeyId, cancellationToken).ConfigureAwait(false);
            return await FindBySubjectAsync(subject, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException("The subject's key was deleted while it was being created; retry.");
        }
    }

    public async Task<bool> DeleteAsync(string subject, CancellationToken cancellationToken)
    {
        var item = await GetAsync("subject#" + subject, cancellationToken).ConfigureAwait(false);
        if (item?.GetValueOrDefault("keyId")?.S is not { } keyId) return false;
        await DeleteItemAsync("key#" + keyId, cancellationToken).ConfigureAwait(false);
        await DeleteItemAsync("subject#" + subject, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(string pk, CancellationToken cancellationToken)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key("pk", pk), ConsistentRead = true }, cancellationToken).ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? item : null;
    }

    private async Task DeleteItemAsync(string pk, CancellationToken cancellationToken) =>
        await dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = _table, Key = Key("pk", pk) }, cancellationToken).ConfigureAwait(false);
}
