using System.Text.RegularExpressions;

namespace ECommerceAgents.Domain.Enrichment;

/// <summary>Masks personal data that people type into free text (a search box, a refund reason).</summary>
internal static partial class TextMasking
{
    public static string? MaskEmails(string? text) =>
        text is null || !text.Contains('@', StringComparison.Ordinal) ? text : Email().Replace(text, "[email]");

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Email();
}
