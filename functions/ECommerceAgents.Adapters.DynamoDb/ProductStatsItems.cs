using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>
/// The product-stats table's items: one per product and shard (sk = shard id), each holding that shard's counters
/// and its watermark. A product's figures are the sum of its items.
/// </summary>
internal static class ProductStatsItems
{
    private static readonly string[] Counters = ["views", "cartAdds", "cartRemoves", "purchases"];

    public static long Long(Dictionary<string, AttributeValue>? item, string name) =>
        item is not null && item.TryGetValue(name, out var v) && v.N is not null ? long.Parse(v.N, CultureInfo.InvariantCulture) : 0;

    public static decimal Revenue(Dictionary<string, AttributeValue>? item) =>
        item is not null && item.TryGetValue("revenue", out var r) && r.N is not null ? decimal.Parse(r.N, NumberStyles.Float, CultureInfo.InvariantCulture) : 0;

    /// <summary>One product's shard items summed into one item of the same attributes (no shard, no watermark).</summary>
    public static Dictionary<string, AttributeValue> Sum(string sku, IReadOnlyCollection<Dictionary<string, AttributeValue>> items)
    {
        var sum = new Dictionary<string, AttributeValue> { ["sku"] = new() { S = sku } };
        foreach (var counter in Counters) sum[counter] = new() { N = items.Sum(i => Long(i, counter)).ToString(CultureInfo.InvariantCulture) };
        sum["revenue"] = new() { N = items.Sum(Revenue).ToString(CultureInfo.InvariantCulture) };
        if (items.Select(i => i.TryGetValue("category", out var c) ? c.S : null).FirstOrDefault(c => c is not null) is { } category) sum["category"] = new() { S = category };
        return sum;
    }
}
