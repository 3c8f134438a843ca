using System.Text;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// A field that holds personal data, as its schema marks it with <c>x-personal</c>: <paramref name="Schema"/> is
/// <c>envelope</c> or the event type whose <c>data</c> holds it, <paramref name="Path"/> the JSON path from the event's
/// root (<c>$.context.email</c>, <c>$.data.query</c>), <paramref name="Kind"/> one of identifier, contact, network,
/// device, free-text.
/// </summary>
internal sealed record PersonalField(string Schema, string Path, string Kind);

/// <summary>
/// The registry's personal fields: what the door encrypts. Only string fields at most two levels below the event's
/// root are allowed (<c>$.userId</c>, <c>$.context.ip</c>, <c>$.data.query</c>), so the encrypter finds them in one pass
/// of a reader with no path building. Built once from the schemas.
/// </summary>
internal sealed class PersonalFields
{
    private static readonly Lazy<PersonalFields> Embedded = new(() => new PersonalFields(SchemaRegistry.Default));
    private readonly (byte[] Parent, byte[] Name)[] _envelope;
    private readonly Dictionary<string, byte[][]> _data;

    public PersonalFields(SchemaRegistry registry)
    {
        var all = new List<PersonalField>();
        Walk("envelope", registry.Envelope.Compiled, "$", 0, all);
        _data = new Dictionary<string, byte[][]>(StringComparer.Ordinal);
        foreach (var entry in registry.All)
        {
            if (entry.Key.Name == "envelope") continue;
            var fields = new List<PersonalField>();
            Walk(entry.Key.Name, entry.Compiled, "$.data", 1, fields);
            if (fields.Count == 0) continue;
            all.AddRange(fields);
            var names = fields.Select(f => Encoding.UTF8.GetBytes(f.Path["$.data.".Length..])).ToArray();
            _data[entry.Key.Name] = _data.TryGetValue(entry.Key.Name, out var known) ? [.. known.Concat(names).DistinctBy(Convert.ToHexString)] : names;
        }

        All = [.. all.DistinctBy(f => (f.Schema, f.Path)).OrderBy(f => f.Schema, StringComparer.Ordinal).ThenBy(f => f.Path, StringComparer.Ordinal)];
        _envelope = [.. All.Where(f => f.Schema == "envelope").Select(f => Split(f.Path))];
    }

    public static PersonalFields Default => Embedded.Value;

    /// <summary>Every personal field, ordered by schema and path.</summary>
    public IReadOnlyList<PersonalField> All { get; }

    /// <summary>
    /// Whether the envelope field named <paramref name="name"/> under <paramref name="parent"/> (empty at the root) is
    /// personal. A scan of a handful of byte arrays: no allocation.
    /// </summary>
    public bool IsEnvelopeField(ReadOnlySpan<byte> parent, ReadOnlySpan<byte> name) => EnvelopeField(parent, name) is not null;

    /// <summary>The envelope field's name as the registry holds it (UTF-8), when it is personal; otherwise null.</summary>
    public byte[]? EnvelopeField(ReadOnlySpan<byte> parent, ReadOnlySpan<byte> name)
    {
        foreach (var (p, n) in _envelope)
        {
            if (name.SequenceEqual(n) && parent.SequenceEqual(p)) return n;
        }

        return null;
    }

    /// <summary>The personal <c>data</c> field names of an event type (UTF-8), or null when it has none.</summary>
    public byte[][]? DataFields(string type) => _data.GetValueOrDefault(type);

    private static (byte[] Parent, byte[] Name) Split(string path)
    {
        var parts = path[2..].Split('.');
        return parts.Length == 1 ? ([], Encoding.UTF8.GetBytes(parts[0])) : (Encoding.UTF8.GetBytes(parts[0]), Encoding.UTF8.GetBytes(parts[1]));
    }

    private static void Walk(string schema, SchemaNode node, string path, int depth, List<PersonalField> fields)
    {
        foreach (var p in node.Properties)
        {
            var childPath = path + "." + p.Name;
            if (p.Schema.Personal is { } kind)
            {
                if (depth > 1 || p.Schema.Types != JsonTypes.String)
                {
                    throw new FormatException($"{schema} {childPath}: x-personal is allowed on string fields at most two levels below the event's root");
                }

                fields.Add(new PersonalField(schema, childPath, kind));
            }

            if (p.Schema.Properties.Length > 0) Walk(schema, p.Schema, childPath, depth + 1, fields);
        }
    }
}
