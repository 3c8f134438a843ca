using System.Text.Json;
using System.Text.Json.Nodes;

namespace ECommerceAgents.Domain.Validation;

/// <summary>A schema change that would break the warehouse: its tables are built from the schemas' fields.</summary>
internal sealed record BreakingChange(string Schema, string Field, string Change)
{
    public override string ToString() => $"{Schema} {Field}: {Change}";
}

/// <summary>
/// Checks that schemas only evolve in ways the warehouse can absorb: a field may be added, or made optional, or widened
/// (integer to number); removing a field, changing its type, or making an optional field required is breaking. The
/// published contract (every field's type and whether it is required, per event family) is a committed file, so a
/// change to a schema file in place is caught too.
/// </summary>
internal static class SchemaCompatibility
{
    public static IReadOnlyList<BreakingChange> Compare(string schema, SchemaNode older, SchemaNode newer) =>
        Compare(schema, Flatten(older), Flatten(newer));

    /// <summary>Every field as <c>path → (types, required)</c>; arrays' items appear as <c>path[]</c>.</summary>
    public static SortedDictionary<string, (JsonTypes Types, bool Required)> Flatten(SchemaNode node)
    {
        var fields = new SortedDictionary<string, (JsonTypes, bool)>(StringComparer.Ordinal);
        Walk(node, "", true, fields);
        return fields;
    }

    /// <summary>The contract of the newest version of each event family, as written to the committed file.</summary>
    public static JsonObject Contract(SchemaRegistry registry)
    {
        var root = new JsonObject();
        foreach (var entry in registry.Latest.OrderBy(e => e.Key.Name, StringComparer.Ordinal))
        {
            var fields = new JsonObject();
            foreach (var (path, (types, required)) in Flatten(entry.Compiled))
            {
                fields[path] = new JsonObject { ["type"] = TypeText(types), ["required"] = required };
            }

            root[$"{entry.Key.Vendor}/{entry.Key.Name}"] = new JsonObject { ["version"] = entry.Key.Version, ["fields"] = fields };
        }

        return root;
    }

    /// <summary>What the current schemas break relative to the committed contract.</summary>
    public static IReadOnlyList<BreakingChange> AgainstContract(JsonElement contract, SchemaRegistry registry)
    {
        var changes = new List<BreakingChange>();
        var latest = registry.Latest.ToDictionary(e => $"{e.Key.Vendor}/{e.Key.Name}", StringComparer.Ordinal);
        foreach (var family in contract.EnumerateObject())
        {
            if (!latest.TryGetValue(family.Name, out var entry))
            {
                changes.Add(new BreakingChange(family.Name, "*", "the event family was removed"));
                continue;
            }

            var published = new SortedDictionary<string, (JsonTypes, bool)>(StringComparer.Ordinal);
            foreach (var field in family.Value.GetProperty("fields").EnumerateObject())
            {
                published[field.Name] = (ParseTypes(field.Value.GetProperty("type").GetString()!), field.Value.GetProperty("required").GetBoolean());
            }

            changes.AddRange(Compare(family.Name, published, Flatten(entry.Compiled)));
        }

        return changes;
    }

    private static List<BreakingChange> Compare(string schema, SortedDictionary<string, (JsonTypes Types, bool Required)> older, SortedDictionary<string, (JsonTypes Types, bool Required)> newer)
    {
        var changes = new List<BreakingChange>();
        foreach (var (path, (types, required)) in older)
        {
            if (!newer.TryGetValue(path, out var now))
            {
                changes.Add(new BreakingChange(schema, path, "removed"));
                continue;
            }

            if ((types & ~now.Types) != 0)
            {
                changes.Add(new BreakingChange(schema, path, $"type changed from {TypeText(types)} to {TypeText(now.Types)}"));
            }

            if (!required && now.Required)
            {
                changes.Add(new BreakingChange(schema, path, "optional → required"));
            }
        }

        foreach (var (path, (_, required)) in newer)
        {
            if (!older.ContainsKey(path) && required && ParentExists(path, older))
            {
                changes.Add(new BreakingChange(schema, path, "a new field is required (older events lack it)"));
            }
        }

        return changes;
    }

    private static bool ParentExists(string path, SortedDictionary<string, (JsonTypes Types, bool Required)> fields)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf("[]", StringComparison.Ordinal));
        return cut <= 0 || fields.ContainsKey(path[..cut]);
    }

    private static void Walk(SchemaNode node, string path, bool required, SortedDictionary<string, (JsonTypes, bool)> fields)
    {
        if (path.Length > 0) fields[path] = (Normalize(node.Types), required);
        foreach (var p in node.Properties)
        {
            Walk(p.Schema, path.Length == 0 ? p.Name : path + "." + p.Name, p.IsRequiredIn(node), fields);
        }

        if (node.Items is { } items) Walk(items, path + "[]", true, fields);
    }

    // "number" accepts integers: widening integer → number is not a change of type.
    private static JsonTypes Normalize(JsonTypes t) => t.HasFlag(JsonTypes.Number) ? t | JsonTypes.Integer : t;

    private static string TypeText(JsonTypes t) =>
        string.Join("|", Enum.GetValues<JsonTypes>().Where(v => v is not JsonTypes.None and not JsonTypes.Any && t.HasFlag(v) && !(v == JsonTypes.Integer && t.HasFlag(JsonTypes.Number))).Select(v => v.ToString().ToLowerInvariant()));

    private static JsonTypes ParseTypes(string text) =>
        Normalize(text.Split('|').Aggregate(JsonTypes.None, (t, name) => t | Enum.Parse<JsonTypes>(name, ignoreCase: true)));

    public static string Serialize(JsonObject contract) => contract.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
}
