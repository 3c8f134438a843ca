using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Catalog;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>A page of a category's products, in SKU order, and where the next page starts.</summary>
public sealed record CatalogPage(IReadOnlyList<CatalogProduct> Items, string? NextSku);

/// <summary>
/// The catalog table (<see cref="Tables.Catalog"/>): one item per SKU, every attribute top level, so the byCategory index
/// (category + sku) follows the item's category and a product that changes category leaves nothing behind. Reads for
/// the API (<see cref="GetAsync"/>, <see cref="QueryCategoryAsync"/>) and CatalogImport's batched compare and write.
/// </summary>
public sealed class CatalogStore(IAmazonDynamoDB dynamo, ResourceBindings names, int concurrency = 8) : ICatalogStore
{
    public const string CategoryIndex = "byCategory";
    private readonly string _table = names.Table(Tables.Catalog);

    public string TableName => _table;

    public async Task<CatalogProduct?> GetAsync(string sku, CancellationToken cancellationToken)
    {
        var response = await dynamo.GetItemAsync(new GetItemRequest { TableName = _table, Key = Key(sku) }, cancellationToken).ConfigureAwait(false);
        return response.Item is { Count: > 0 } item ? FromItem(item) : null;
    }

    /// <summary>Up to <paramref name="limit"/> products of a category in SKU order, starting after <paramref name="fromSku"/>.</summary>
    public async Task<CatalogPage> QueryCategoryAsync(string category, int limit, string? fromSku, CancellationToken cancellationToken)
    {
        var request = new QueryRequest
        {
            TableName = _table,
            IndexName = CategoryIndex,
            KeyConditionExpression = fromSku is null ? "#c = :c" : "#c = :c AND #s > :s",
            ExpressionAttributeNames = fromSku is null ? new() { ["#c"] = "category" } : new() { ["#c"] = "category", ["#s"] = "sku" },
            ExpressionAttributeValues = fromSku is null
                ? new() { [":c"] = new AttributeValue { S = category } }
                : new() { [":c"] = new AttributeValue { S = category }, [":s"] = new AttributeValue { S = fromSku } },
            Limit = Math.Clamp(limit, 1, 1000),
        };
        var response = await dynamo.QueryAsync(request, cancellationToken).ConfigureAwait(false);
        var items = (response.Items ?? []).Select(FromItem).ToArray();
        var next = response.LastEvaluatedKey is { Count: > 0 } last && last.TryGetValue("sku", out var s) ? s.S : null;
        return new CatalogPage(items, next);
    }

    public async Task<IReadOnlyDictionary<string, StoredProduct>> GetManyAsync(IReadOnlyCollection<string> skus, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, StoredProduct>(skus.Count, StringComparer.Ordinal);
        var gate = new Lock();
        // BatchGetItem takes 100 keys: the rounds of a large lookup go out side by side.
        await Parallel.ForEachAsync(skus.Distinct(StringComparer.Ordinal).Chunk(100), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (chunk, ct) =>
        {
            var pending = new Dictionary<string, KeysAndAttributes>
            {
                [_table] = new()
                {
                    Keys = chunk.Select(Key).ToList(),
                    ProjectionExpression = "#sku, #hash, #stock, #category",
                    ExpressionAttributeNames = new() { ["#sku"] = "sku", ["#hash"] = "contentHash", ["#stock"] = "stock", ["#category"] = "category" },
                },
            };
            for (var attempt = 0; pending.Count > 0; attempt++)
            {
                if (attempt > 0) await Task.Delay(DynamoBatches.Backoff(attempt), ct).ConfigureAwait(false);
                if (attempt > 10) throw new ProvisionedThroughputExceededException("BatchGetItem kept returning unprocessed keys");
                var response = await dynamo.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = pending }, ct).ConfigureAwait(false);
                if (response.Responses?.TryGetValue(_table, out var items) == true)
                {
                    foreach (var item in items)
                    {
                        var sku = item["sku"].S;
                        var stored = new StoredProduct(
                            sku,
                            item.TryGetValue("contentHash", out var h) ? h.S : string.Empty,
                            item.TryGetValue("stock", out var st) && st.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0,
                            item.TryGetValue("category", out var c) ? c.S : string.Empty);
                        lock (gate) found[sku] = stored;
                    }
                }

                pending = response.UnprocessedKeys is { Count: > 0 } unprocessed ? unprocessed : [];
            }
        }).ConfigureAwait(false);

        return found;
    }

    /// <summary>BatchWriteItem in rounds of 25 (up to <c>concurrency</c> at once), following UnprocessedItems with backoff. A put replaces the whole item.</summary>
    public async Task WriteAsync(IReadOnlyList<CatalogProduct> upserts, IReadOnlyList<string> deletes, CancellationToken cancellationToken)
    {
        var requests = upserts.Select(p => new WriteRequest(new PutRequest(ToItem(p))))
            .Concat(deletes.Select(sku => new WriteRequest(new DeleteRequest(Key(sku)))))
            .ToList();
        // Each SKU appears once per import, so the rounds of 25 are independent and go out side by side.
        await Parallel.ForEachAsync(requests.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken },
            (chunk, ct) => new ValueTask(DynamoBatches.WriteAsync(dynamo, _table, chunk, ct))).ConfigureAwait(false);
    }

    public static Dictionary<string, AttributeValue> ToItem(CatalogProduct p)
    {
        var item = new Dictionary<string, AttributeValue>(StringComparer.Ordinal)
        {
            ["sku"] = new() { S = p.Sku },
            ["category"] = new() { S = p.Category },
            ["categorySource"] = new() { S = p.CategorySource },
            ["title"] = new() { S = p.Title },
            ["price"] = new() { N = CatalogProduct.Number(p.Price) },
            ["currency"] = new() { S = p.Currency },
            ["discountPct"] = new() { N = CatalogProduct.Number(p.DiscountPct) },
            ["stock"] = new() { N = p.Stock.ToString(CultureInfo.InvariantCulture) },
            ["stockStatus"] = new() { S = p.StockStatus },
            ["priceBand"] = new() { S = p.PriceBand },
            ["keywords"] = new() { L = p.Keywords.Select(k => new AttributeValue { S = k }).ToList() },
            ["contentHash"] = new() { S = p.ContentHash },
            ["importedAt"] = new() { S = p.ImportedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) },
            ["sourceFile"] = new() { S = p.SourceFile },
        };
        if (p.Brand is { Length: > 0 } brand) item["brand"] = new() { S = brand };
        if (p.Description is { Length: > 0 } description) item["description"] = new() { S = description };
        if (p.ListPrice is { } list) item["listPrice"] = new() { N = CatalogProduct.Number(list) };
        if (p.ImportId is { Length: > 0 } importId) item["importId"] = new() { S = importId };
        return item;
    }

    public static CatalogProduct FromItem(Dictionary<string, AttributeValue> item)
    {
        string? S(string name) => item.TryGetValue(name, out var v) ? v.S : null;
        decimal? N(string name) => item.TryGetValue(name, out var v) && v.N is { } n ? decimal.Parse(n, NumberStyles.Float, CultureInfo.InvariantCulture) : null;
        return new CatalogProduct
        {
            Sku = S("sku")!,
            Category = S("category") ?? string.Empty,
            CategorySource = S("categorySource") ?? "provided",
            Title = S("title") ?? string.Empty,
            Brand = S("brand"),
            Description = S("description"),
            Price = N("price") ?? 0,
            Currency = S("currency") ?? string.Empty,
            ListPrice = N("listPrice"),
            DiscountPct = N("discountPct") ?? 0,
            Stock = (long)(N("stock") ?? 0),
            StockStatus = S("stockStatus") ?? string.Empty,
            PriceBand = S("priceBand") ?? string.Empty,
            Keywords = item.TryGetValue("keywords", out var k) && k.L is { } list ? list.Select(a => a.S).ToArray() : [],
            ContentHash = S("contentHash") ?? string.Empty,
            ImportedAt = S("importedAt") is { } at ? DateTimeOffset.Parse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal) : default,
            SourceFile = S("sourceFile") ?? string.Empty,
            ImportId = S("importId"),
        };
    }

    private static Dictionary<string, AttributeValue> Key(string sku) => new() { ["sku"] = new AttributeValue { S = sku } };

}
