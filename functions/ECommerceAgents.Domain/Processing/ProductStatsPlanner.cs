using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// Per-product counters (views, cart adds and removes, purchases, revenue), one delta per event and product. The
/// store adds them once: each shard keeps its own counters of a product, with its watermark.
/// </summary>
internal static class ProductStatsPlanner
{
    public static void Plan(PlannedEvent[] ordered, List<PlannedWrite<(string Sku, IReadOnlyList<ProductStatsDelta> Deltas)>> writes)
    {
        var deltas = new Dictionary<string, (List<ProductStatsDelta> Deltas, List<int> Members)>(StringComparer.Ordinal);
        foreach (var w in ordered)
        {
            if (w.Bot) continue;
            var d = w.Event.Data;
            var seq = w.Position.Padded;
            switch (w.Type)
            {
                case EventTypes.ProductView when d.Sku is not null:
                    Add(deltas, d.Sku, w, new ProductStatsDelta(seq, 1, 0, 0, 0, 0, d.Category, w.Event.EventTime));
                    break;
                case EventTypes.AddToCart when d.Sku is not null:
                    Add(deltas, d.Sku, w, new ProductStatsDelta(seq, 0, d.Quantity ?? 1, 0, 0, 0, d.Category, w.Event.EventTime));
                    break;
                case EventTypes.RemoveFromCart when d.Sku is not null:
                    Add(deltas, d.Sku, w, new ProductStatsDelta(seq, 0, 0, d.Quantity ?? 1, 0, 0, d.Category, w.Event.EventTime));
                    break;
                case EventTypes.Purchase when d.Items is not null:
                    foreach (var line in d.Items)
                    {
                        Add(deltas, line.Sku, w, new ProductStatsDelta(seq, 0, 0, 0, line.Quantity, line.Price * line.Quantity, line.Category, w.Event.EventTime));
                    }

                    break;
            }
        }

        foreach (var (sku, (list, members)) in deltas)
        {
            writes.Add(new PlannedWrite<(string, IReadOnlyList<ProductStatsDelta>)>((sku, list), members));
        }
    }

    private static void Add(Dictionary<string, (List<ProductStatsDelta> Deltas, List<int> Members)> deltas, string sku, PlannedEvent w, ProductStatsDelta delta)
    {
        if (!deltas.TryGetValue(sku, out var entry)) deltas[sku] = entry = ([], []);
        entry.Deltas.Add(delta);
        if (entry.Members.Count == 0 || entry.Members[^1] != w.Index) entry.Members.Add(w.Index);
    }
}
