namespace ECommerceAgents.Domain.Processing;

/// <summary>
/// How "viewed next" counts are sharded in the real-time store: by the product viewed first, over a fixed number of
/// groups (each group one hash slot with its own watermark). The planner writes and the recommendation reads through
/// this one layout.
/// </summary>
public static class CoViewLayout
{
    /// <summary>The number of co-view groups. Changing it moves every product to another group: the store must be rebuilt.</summary>
    public const int Groups = 16;

    /// <summary>The group holding the "viewed next" counts of products viewed after <paramref name="sku"/>.</summary>
    public static int GroupOf(string sku) => (int)((uint)StableHash(sku) % Groups);

    /// <summary>FNV-1a: stable across processes (string.GetHashCode is randomised per process).</summary>
    public static int StableHash(string s)
    {
        var hash = 2166136261u;
        foreach (var c in s)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x7FFFFFFF);
    }
}
