using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>A product's real-time counters as stored (without the per-shard watermarks).</summary>
public sealed record ProductStatsItem(string Sku, long Views, long CartAdds, long CartRemoves, long Purchases, decimal Revenue, string? Category);

/// <summary>A catalog item as stored: what the reconciliation compares with the catalog that was uploaded.</summary>
public sealed record CatalogItem(string Sku, string? Category, decimal? Price, long? Stock);

/// <summary>
/// Whole-table reads of StreamProcessor's state and the catalog, for the demo's reconciliation and audits. Scans, so
/// never on a request path; consistent reads, so a reconciliation right after a drain sees every write.
/// </summary>
public sealed class StateAudit(IAmazonDynamoDB dynamo, ResourceBindings names)
{
    private static StateJsonContext Json => StateJsonContext.Default;

    public async IAsyncEnumerable<UserProfile> ProfilesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ScanAsync(Tables.Profiles, cancellationToken).ConfigureAwait(false))
        {
            if (item.TryGetValue("doc", out var doc)) yield return JsonSerializer.Deserialize(doc.S, Json.UserProfile)!;
        }
    }

    /// <summary>The sessionizer state of every subject (user id, or anonymous id before sign-in).</summary>
    public async IAsyncEnumerable<SubjectState> SubjectsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ScanAsync(Tables.Sessions, cancellationToken).ConfigureAwait(false))
        {
            if (item.TryGetValue("sk", out var sk) && sk.S == "STATE" && item.TryGetValue("doc", out var doc)) yield return JsonSerializer.Deserialize(doc.S, Json.SubjectState)!;
        }
    }

    public async IAsyncEnumerable<OrderRecord> OrdersAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ScanAsync(Tables.Orders, cancellationToken).ConfigureAwait(false))
        {
            if (item.TryGetValue("doc", out var doc)) yield return JsonSerializer.Deserialize(doc.S, Json.OrderRecord)!;
        }
    }

    /// <summary>Identity links: anonymous id → user id.</summary>
    public async IAsyncEnumerable<(string AnonymousId, string UserId)> IdentitiesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ScanAsync(Tables.Identities, cancellationToken).ConfigureAwait(false)) yield return (item["anonymousId"].S, item["userId"].S);
    }

    /// <summary>Each product's counters, summed over its shards' items.</summary>
    public async IAsyncEnumerable<ProductStatsItem> ProductStatsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var bySku = new Dictionary<string, List<Dictionary<string, AttributeValue>>>(StringComparer.Ordinal);
        await foreach (var item in ScanAsync(Tables.ProductStats, cancellationToken).ConfigureAwait(false))
        {
            if (!bySku.TryGetValue(item["sku"].S, out var items)) bySku[item["sku"].S] = items = [];
            items.Add(item);
        }

        foreach (var (sku, items) in bySku)
        {
            var sum = ProductStatsItems.Sum(sku, items);
            yield return new ProductStatsItem(sku, Long(sum, "views"), Long(sum, "cartAdds"), Long(sum, "cartRemoves"), Long(sum, "purchases"),
                ProductStatsItems.Revenue(sum), sum.TryGetValue("category", out var c) ? c.S : null);
        }
    }

    public async IAsyncEnumerable<CatalogItem> CatalogAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ScanAsync(Tables.Catalog, cancellationToken).ConfigureAwait(false))
        {
            yield return new CatalogItem(item["sku"].S, item.TryGetValue("category", out var c) ? c.S : null,
                item.TryGetValue("price", out var p) && p.N is not null ? decimal.Parse(p.N, NumberStyles.Float, CultureInfo.InvariantCulture) : null,
                item.TryGetValue("stock", out var s) && s.N is not null ? long.Parse(s.N, CultureInfo.InvariantCulture) : null);
        }
    }

    private async IAsyncEnumerable<Dictionary<string, AttributeValue>> ScanAsync(TableDefinition table, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.ScanAsync(new ScanRequest { TableName = names.Table(table), ExclusiveStartKey = start, ConsistentRead = true }, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items ?? []) yield return item;
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
    }

    private static long Long(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is not null ? long.Parse(v.N, NumberStyles.Integer, CultureInfo.InvariantCulture) : 0;
}
