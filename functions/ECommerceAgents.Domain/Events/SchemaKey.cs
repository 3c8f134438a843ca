using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Domain.Events;

/// <summary>A self-describing schema reference: <c>vendor/name/MODEL-REVISION-ADDITION</c>, e.g. <c>com.ecommerceagents/product_view/1-0-0</c>.</summary>
public readonly partial record struct SchemaKey(string Vendor, string Name, int Model, int Revision, int Addition)
{
    public const string PlatformVendor = "com.ecommerceagents";

    public string Version => $"{Model}-{Revision}-{Addition}";

    public override string ToString() => $"{Vendor}/{Name}/{Version}";

    public static bool TryParse(string? text, [NotNullWhen(true)] out SchemaKey? key)
    {
        key = null;
        if (text is null) return false;
        var m = Pattern().Match(text);
        if (!m.Success) return false;
        key = new SchemaKey(m.Groups[1].Value, m.Groups[2].Value,
            int.Parse(m.Groups[3].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(m.Groups[4].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(m.Groups[5].ValueSpan, provider: System.Globalization.CultureInfo.InvariantCulture));
        return true;
    }

    public static SchemaKey Parse(string text) => TryParse(text, out var key) ? key.Value : throw new FormatException($"'{text}' is not a schema key (vendor/name/1-0-0).");

    /// <summary>Orders versions of one family.</summary>
    public int CompareVersion(SchemaKey other) =>
        Model != other.Model ? Model.CompareTo(other.Model) : Revision != other.Revision ? Revision.CompareTo(other.Revision) : Addition.CompareTo(other.Addition);

    [GeneratedRegex(@"^([a-z][a-z0-9.]*)/([a-z][a-z0-9_]*)/(\d{1,4})-(\d{1,4})-(\d{1,4})$")]
    private static partial Regex Pattern();
}
