using System.Reflection;
using System.Text.Json;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.Domain.Validation;

/// <summary>One schema file: its key, its JSON and its compiled form.</summary>
internal sealed record SchemaEntry(SchemaKey Key, JsonElement Document, SchemaNode Compiled);

/// <summary>
/// Resolves self-describing schema keys to the schema files in <c>Schemas/</c> (embedded in this assembly, or read
/// from a folder to try a change). The envelope schema is the newest <c>com.ecommerceagents/envelope/M-R-A</c> (events
/// do not name it, so only additions that every older event still passes may go into a new version); every other
/// schema describes an event type's <c>data</c>.
/// </summary>
public sealed class SchemaRegistry
{
    private readonly Dictionary<string, SchemaEntry> _byKey;

    private SchemaRegistry(IEnumerable<SchemaEntry> entries)
    {
        _byKey = entries.ToDictionary(e => e.Key.ToString(), StringComparer.Ordinal);
        Envelope = _byKey.Values.Where(e => e.Key.Vendor == SchemaKey.PlatformVendor && e.Key.Name == "envelope").OrderBy(e => e.Key, VersionComparer.Instance).LastOrDefault()
            ?? throw new InvalidOperationException("The envelope schema com.ecommerceagents/envelope is missing.");
    }

    private static readonly Lazy<SchemaRegistry> Embedded = new(LoadEmbedded);

    /// <summary>The schemas shipped with this build.</summary>
    public static SchemaRegistry Default => Embedded.Value;

    internal SchemaEntry Envelope { get; }

    internal IEnumerable<SchemaEntry> All => _byKey.Values;

    internal SchemaEntry? Resolve(SchemaKey key) => _byKey.GetValueOrDefault(key.ToString());

    internal SchemaEntry? Resolve(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>Resolves a key given as UTF-8 bytes (straight from the reader), without allocating a string.</summary>
    internal SchemaEntry? Resolve(ReadOnlySpan<byte> utf8Key)
    {
        if (utf8Key.Length > 128) return null;
        Span<char> chars = stackalloc char[utf8Key.Length];
        var n = System.Text.Encoding.UTF8.GetChars(utf8Key, chars);
        return _byKey.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(chars[..n], out var entry) ? entry : null;
    }

    /// <summary>The newest version of each event type (not the envelope).</summary>
    internal IEnumerable<SchemaEntry> Latest =>
        _byKey.Values.Where(e => e.Key.Name != "envelope").GroupBy(e => (e.Key.Vendor, e.Key.Name)).Select(g => g.OrderBy(e => e.Key, VersionComparer.Instance).Last());

    private static SchemaRegistry LoadEmbedded()
    {
        var assembly = typeof(SchemaRegistry).Assembly;
        var entries = new List<SchemaEntry>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("schemas/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            entries.Add(Load(name["schemas/".Length..], buffer.ToArray()));
        }

        return new SchemaRegistry(entries);
    }

    private static SchemaEntry Load(string relativePath, byte[] json)
    {
        // vendor/name/1-0-0.json
        var parts = relativePath.Split('/');
        if (parts.Length != 3) throw new FormatException($"Schema file '{relativePath}' is not at vendor/name/M-R-A.json.");
        var key = SchemaKey.Parse($"{parts[0]}/{parts[1]}/{Path.GetFileNameWithoutExtension(parts[2])}");
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement.Clone();
        if (root.TryGetProperty("$id", out var id) && id.GetString() != key.ToString())
        {
            throw new FormatException($"Schema file '{relativePath}' declares $id '{id.GetString()}', not '{key}'.");
        }

        return new SchemaEntry(key, root, SchemaNode.Compile(root, "$"));
    }

    private sealed class VersionComparer : IComparer<SchemaKey>
    {
        public static readonly VersionComparer Instance = new();

        public int Compare(SchemaKey x, SchemaKey y) => x.CompareVersion(y);
    }
}
