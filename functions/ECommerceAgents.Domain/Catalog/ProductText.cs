using System.Text;

namespace ECommerceAgents.Domain.Catalog;

/// <summary>Tokens of product text, shared by keyword extraction and the classifier so both see the same words.</summary>
internal static class ProductText
{
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "and", "the", "of", "for", "with", "in", "on", "to", "by", "at", "from", "or", "as", "is", "it", "its",
        "this", "that", "your", "you", "our", "new", "set", "pack", "pcs", "pc", "piece", "pieces", "x", "per", "plus",
        "inch", "in.", "cm", "mm", "ml", "l", "g", "kg", "oz", "lb", "lbs", "count", "size", "edition", "version", "all",
        "de", "la", "le", "und", "mit", "für", "der", "die", "das", "et", "en",
    };

    /// <summary>Lower-case words of letters and digits, without stop words and bare numbers.</summary>
    public static List<string> Tokens(string? text)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(text)) return tokens;
        var sb = new StringBuilder(24);
        void Flush()
        {
            if (sb.Length == 0) return;
            var t = sb.ToString();
            sb.Clear();
            if (t.Length < 2 || StopWords.Contains(t)) return;
            var hasLetter = false;
            foreach (var c in t)
            {
                if (char.IsLetter(c))
                {
                    hasLetter = true;
                    break;
                }
            }

            if (hasLetter) tokens.Add(t);
        }

        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
            else if (c == '\'' || c == '’') continue;
            else Flush();
        }

        Flush();
        return tokens;
    }

    /// <summary>Search keywords: title words first, then brand and description words, each once, at most <paramref name="max"/>.</summary>
    public static IReadOnlyList<string> Keywords(string title, string? brand, string? description, int max = 12)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var keywords = new List<string>(max);
        void AddAll(IEnumerable<string> words)
        {
            foreach (var w in words)
            {
                if (keywords.Count == max) return;
                if (seen.Add(w)) keywords.Add(w);
            }
        }

        AddAll(Tokens(title));
        if (brand is not null) AddAll(Tokens(brand));
        if (description is not null) AddAll(Tokens(description).Take(40));
        return keywords;
    }
}
