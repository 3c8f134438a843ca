using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>
/// The batch layer's part of the watermark table: <c>pk = batch#&lt;dt&gt;</c>, <c>sk = &lt;type&gt;/&lt;hr&gt;</c> per processed
/// partition (enriched digest, objects, events, processedAt), and <c>sk = lease#&lt;type&gt;/&lt;hr&gt;</c> for the lease a
/// load holds (conditional put: free, expired, or already ours).
/// </summary>
public sealed class DynamoWatermarkStore(IAmazonDynamoDB dynamo, ResourceBindings names, TimeProvider? clock = null) : IWatermarkStore
{
    private readonly string _table = names.Table(Tables.Watermarks);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task<IReadOnlyDictionary<PartitionId, PartitionWatermark>> ReadAsync(string dt, CancellationToken cancellationToken)
    {
        var result = new Dictionary<PartitionId, PartitionWatermark>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = _table,
                KeyConditionExpression = "pk = :pk",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":pk"] = new() { S = PartitionId.WatermarkPk(dt) } },
                ExclusiveStartKey = start,
                ConsistentRead = true,
            }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                var sk = item["sk"].S;
                if (sk.StartsWith("lease#", StringComparison.Ordinal)) continue;
                var slash = sk.LastIndexOf('/');
                var p = new PartitionId(sk[..slash], dt, sk[(slash + 1)..]);
                result[p] = new PartitionWatermark(p, item["digest"].S, Int(item, "objects"), Int(item, "events"),
                    DateTimeOffset.Parse(item["processedAt"].S, CultureInfo.InvariantCulture));
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return result;
    }

    private static int Int(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 0;

    public async Task WriteAsync(PartitionWatermark watermark, CancellationToken cancellationToken)
    {
        var w = watermark;
        await dynamo.PutItemAsync(new PutItemRequest
        {
            TableName = _table,
            Item = new Dictionary<string, AttributeValue>
            {
                ["pk"] = new() { S = w.Partition.WatermarkPartitionKey },
                ["sk"] = new() { S = w.Partition.WatermarkSortKey },
                ["digest"] = new() { S = w.Digest },
                ["objects"] = new() { N = w.Objects.ToString(CultureInfo.InvariantCulture) },
                ["events"] = new() { N = w.Events.ToString(CultureInfo.InvariantCulture) },
                ["processedAt"] = new() { S = w.ProcessedAt.ToString("O", CultureInfo.InvariantCulture) },
            },
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TryLeaseAsync(PartitionId partition, string owner, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow().ToUnixTimeSeconds();
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = _table,
                Item = new Dictionary<string, AttributeValue>(LeaseKey(partition))
                {
                    ["owner"] = new() { S = owner },
                    ["until"] = new() { N = (now + (long)ttl.TotalSeconds).ToString(CultureInfo.InvariantCulture) },
                },
                ConditionExpression = "attribute_not_exists(pk) OR #until < :now OR #owner = :owner",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#until"] = "until", ["#owner"] = "owner" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>
                {
                    [":now"] = new() { N = now.ToString(CultureInfo.InvariantCulture) },
                    [":owner"] = new() { S = owner },
                },
            }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public async Task ReleaseAsync(PartitionId partition, string owner, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.DeleteItemAsync(new DeleteItemRequest
            {
                TableName = _table,
                Key = LeaseKey(partition),
                ConditionExpression = "#owner = :owner",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#owner"] = "owner" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":owner"] = new() { S = owner } },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // Expired and taken by another run: theirs now.
        }
    }

    /// <summary>The key of a partition's lease item: beside its watermark, sort key prefixed <c>lease#</c>.</summary>
    private static Dictionary<string, AttributeValue> LeaseKey(PartitionId partition) => new()
    {
        ["pk"] = new() { S = partition.WatermarkPartitionKey },
        ["sk"] = new() { S = "lease#" + partition.WatermarkSortKey },
    };
}

/// <summary>
/// Erasure requests written by the API: <c>userId</c>, <c>requestedAt</c> (ISO 8601), <c>status</c> ("pending"),
/// <c>anonymousIds</c> (a list of strings, maybe empty), <c>requestId</c> (the privacy request). Applied ones get
/// <c>status = applied</c>, <c>appliedAt</c> and the records removed per zone (<c>counts</c>, a map), and lose the
/// anonymous ids.
/// </summary>
public sealed class DynamoTombstoneStore(IAmazonDynamoDB dynamo, ResourceBindings names) : ITombstoneStore
{
    private readonly string _table = names.Table(Tables.Tombstones);

    public async Task<IReadOnlyList<Tombstone>> PendingAsync(CancellationToken cancellationToken)
    {
        var result = new List<Tombstone>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest
            {
                TableName = _table,
                FilterExpression = "#status = :pending",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status" },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":pending"] = new() { S = "pending" } },
                ExclusiveStartKey = start,
                ConsistentRead = true,
            }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? [])
            {
                var anonymous = item.TryGetValue("anonymousIds", out var a)
                    ? (a.L is { Count: > 0 } list ? list.Select(v => v.S).Where(s => s is not null).ToArray() : a.SS is { Count: > 0 } set ? [.. set] : [])
                    : [];
                var requested = item.TryGetValue("requestedAt", out var r) && DateTimeOffset.TryParse(r.S, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue;
                result.Add(new Tombstone(item["userId"].S, requested, anonymous!, "pending", item.TryGetValue("requestId", out var id) ? id.S : null));
            }

            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return result;
    }

    public async Task MarkAppliedAsync(Tombstone tombstone, ErasureCounts counts, DateTimeOffset appliedAt, CancellationToken cancellationToken)
    {
        static AttributeValue N(int v) => new() { N = v.ToString(CultureInfo.InvariantCulture) };
        await dynamo.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = new Dictionary<string, AttributeValue> { ["userId"] = new() { S = tombstone.UserId } },
            // Applied, the tombstone keeps the user id, the times and the counts: the linked anonymous ids go.
            UpdateExpression = "SET #status = :applied, appliedAt = :at, #counts = :counts REMOVE anonymousIds",
            ConditionExpression = "#status = :pending",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#status"] = "status", ["#counts"] = "counts" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>
            {
                [":applied"] = new() { S = "applied" },
                [":pending"] = new() { S = "pending" },
                [":at"] = new() { S = appliedAt.ToString("O", CultureInfo.InvariantCulture) },
                [":counts"] = new()
                {
                    M = new Dictionary<string, AttributeValue>
                    {
                        ["raw"] = N(counts.Raw), ["quarantine"] = N(counts.Quarantine), ["enriched"] = N(counts.Enriched),
                        ["processed"] = N(counts.Processed), ["warehouse"] = N(counts.Warehouse), ["search"] = N(counts.Search),
                    },
                },
            },
        }, cancellationToken).ConfigureAwait(false);
    }
}
