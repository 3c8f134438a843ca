namespace ECommerceAgents.Domain.Catalog;

/// <summary>
/// The fixed product taxonomy (the traffic generator's categories) and the names feeds use for them. A provided
/// category that maps here is trusted; anything else goes to <see cref="CategoryClassifier"/>.
/// </summary>
internal static class CatalogTaxonomy
{
    public static readonly IReadOnlyList<string> Categories =
        ["electronics", "books", "home", "garden", "toys", "fashion", "sports", "beauty", "grocery", "automotive"];

    private static readonly Dictionary<string, string> Synonyms = Build(new Dictionary<string, string[]>
    {
        ["electronics"] = ["electronic", "electronics", "tech", "technology", "computers", "computer", "computing", "phones", "mobile", "mobile phones", "audio", "tv", "tvs", "cameras", "gaming", "video games", "consumer electronics", "electronics & computers"],
        ["books"] = ["book", "books", "ebooks", "literature", "reading", "comics", "magazines", "books & media"],
        ["home"] = ["home", "home & kitchen", "home and kitchen", "kitchen", "household", "furniture", "home goods", "housewares", "appliances", "bedding", "decor", "home decor"],
        ["garden"] = ["garden", "gardening", "garden & outdoor", "outdoor", "lawn", "lawn & garden", "patio", "patio, lawn & garden", "plants"],
        ["toys"] = ["toy", "toys", "toys & games", "games", "kids", "baby", "toys and games"],
        ["fashion"] = ["fashion", "clothing", "apparel", "clothes", "shoes", "footwear", "accessories", "jewelry", "jewellery", "clothing, shoes & jewelry", "bags"],
        ["sports"] = ["sport", "sports", "sports & outdoors", "fitness", "outdoors", "sporting goods", "exercise", "cycling"],
        ["beauty"] = ["beauty", "cosmetics", "personal care", "beauty & personal care", "skincare", "skin care", "makeup", "fragrance", "health & beauty"],
        ["grocery"] = ["grocery", "groceries", "food", "food & beverage", "food and drink", "beverages", "drinks", "pantry", "grocery & gourmet food"],
        ["automotive"] = ["automotive", "auto", "car", "cars", "car parts", "auto parts", "vehicle", "vehicles", "motor", "motoring"],
    });

    private static Dictionary<string, string> Build(Dictionary<string, string[]> source)
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (category, names) in source)
        {
            map[category] = category;
            foreach (var n in names) map[n] = category;
        }

        return map;
    }

    /// <summary>The taxonomy category a feed's category name stands for, or null. Paths like <c>Home &gt; Kitchen</c> use their first level.</summary>
    public static string? Map(string? provided)
    {
        if (string.IsNullOrWhiteSpace(provided)) return null;
        var text = provided.Trim();
        if (Synonyms.TryGetValue(text, out var c)) return c;
        foreach (var separator in new[] { '>', '/', '|' })
        {
            var cut = text.IndexOf(separator, StringComparison.Ordinal);
            if (cut > 0 && Synonyms.TryGetValue(text[..cut].Trim(), out c)) return c;
        }

        return null;
    }

    public static bool IsKnown(string category) => Categories.Contains(category);
}
