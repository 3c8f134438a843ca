using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Domain.Validation;

[Flags]
internal enum JsonTypes
{
    None = 0,
    Object = 1,
    Array = 2,
    String = 4,
    Number = 8,
    Integer = 16,
    Boolean = 32,
    Null = 64,
    Any = Object | Array | String | Number | Integer | Boolean | Null,
}

internal enum StringFormat
{
    None,
    Uuid,
    DateTime,
    Email,
    Uri,
    Ip,
}

/// <summary>
/// A compiled JSON Schema node: the subset the platform's schemas use (type, properties, required,
/// additionalProperties, items, min/maxItems, min/maxLength, pattern, format, enum, minimum, maximum).
/// Property names are kept as UTF-8 so the validator compares them without allocating.
/// </summary>
internal sealed class SchemaNode
{
    public JsonTypes Types { get; private set; } = JsonTypes.Any;

    /// <summary>An array, not a list interface: the validator scans it for every property it reads, without allocating.</summary>
    public SchemaProperty[] Properties { get; private set; } = [];

    public ulong RequiredMask { get; private set; }

    public bool AdditionalProperties { get; private set; } = true;

    public SchemaNode? Items { get; private set; }

    public int? MinItems { get; private set; }

    public int? MaxItems { get; private set; }

    public int? MinLength { get; private set; }

    public int? MaxLength { get; private set; }

    public Regex? Pattern { get; private set; }

    /// <summary>The same pattern for the greedy byte pass, when it is of that plain shape (the schemas' patterns all are).</summary>
    public SimplePattern? SimplePattern { get; private set; }

    public StringFormat Format { get; private set; }

    public byte[][]? Enum { get; private set; }

    public double? Minimum { get; private set; }

    public double? Maximum { get; private set; }

    public string? Description { get; private set; }

    /// <summary>The <c>x-personal</c> annotation: what kind of personal data the field holds, or null (see <c>PersonalFields</c>).</summary>
    public string? Personal { get; private set; }

    /// <summary>The keyword set as written, for the compatibility check.</summary>
    public string TypeName => Types switch
    {
        JsonTypes.Object => "object",
        JsonTypes.Array => "array",
        JsonTypes.String => "string",
        JsonTypes.Number => "number",
        JsonTypes.Integer => "integer",
        JsonTypes.Boolean => "boolean",
        JsonTypes.Any => "any",
        _ => Types.ToString().ToLowerInvariant(),
    };

    public SchemaProperty? Find(ReadOnlySpan<byte> utf8Name)
    {
        var properties = Properties;
        for (var i = 0; i < properties.Length; i++)
        {
            if (utf8Name.SequenceEqual(properties[i].Utf8Name)) return properties[i];
        }

        return null;
    }

    public static SchemaNode Compile(JsonElement schema, string path = "$")
    {
        if (schema.ValueKind != JsonValueKind.Object) throw new FormatException($"{path}: a schema must be an object");
        var node = new SchemaNode();
        foreach (var keyword in schema.EnumerateObject())
        {
            var v = keyword.Value;
            switch (keyword.Name)
            {
                case "type":
                    node.Types = v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Aggregate(JsonTypes.None, (t, e) => t | ParseType(e.GetString(), path)) : ParseType(v.GetString(), path);
                    if (node.Types.HasFlag(JsonTypes.Number)) node.Types |= JsonTypes.Integer;
                    break;
                case "properties":
                    node.Properties = CompileProperties(v, path);
                    break;
                case "additionalProperties":
                    node.AdditionalProperties = v.ValueKind != JsonValueKind.False;
                    break;
                case "items":
                    node.Items = Compile(v, path + "[]");
                    break;
                case "minItems": node.MinItems = v.GetInt32(); break;
                case "maxItems": node.MaxItems = v.GetInt32(); break;
                case "minLength": node.MinLength = v.GetInt32(); break;
                case "maxLength": node.MaxLength = v.GetInt32(); break;
                case "minimum": node.Minimum = v.GetDouble(); break;
                case "maximum": node.Maximum = v.GetDouble(); break;
                case "pattern":
                    node.Pattern = new Regex(v.GetString()!, RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromMilliseconds(100));
                    node.SimplePattern = SimplePattern.TryCompile(v.GetString()!);
                    break;
                case "format":
                    node.Format = ParseFormat(v.GetString(), path);
                    break;
                case "enum":
                    node.Enum = v.EnumerateArray().Select(e => Encoding.UTF8.GetBytes(e.GetString()!)).ToArray();
                    break;
                case "description": node.Description = v.GetString(); break;
                case "x-personal": node.Personal = ParsePersonal(v.GetString(), path); break;
                case "$schema" or "$id" or "self" or "title" or "examples":
                    break;
                case "required":
                    break; // resolved below, once properties are known
                default:
                    throw new FormatException($"{path}: keyword '{keyword.Name}' is not supported by the platform's validator");
            }
        }

        if (schema.TryGetProperty("required", out var required)) node.RequiredMask = MaskOfRequired(node.Properties, required, path);
        return node;
    }

    private static SchemaProperty[] CompileProperties(JsonElement properties, string path)
    {
        var compiled = new List<SchemaProperty>();
        foreach (var p in properties.EnumerateObject())
        {
            if (compiled.Count == 64) throw new FormatException($"{path}: at most 64 properties per object");
            compiled.Add(new SchemaProperty(p.Name, Encoding.UTF8.GetBytes(p.Name), compiled.Count, Compile(p.Value, $"{path}.{p.Name}")));
        }

        return [.. compiled];
    }

    private static string ParsePersonal(string? kind, string path) =>
        kind is "identifier" or "contact" or "network" or "device" or "free-text"
            ? kind
            : throw new FormatException($"{path}: x-personal must be identifier, contact, network, device or free-text, not '{kind}'");

    private static StringFormat ParseFormat(string? name, string path) => name switch
    {
        "uuid" => StringFormat.Uuid,
        "date-time" => StringFormat.DateTime,
        "email" => StringFormat.Email,
        "uri" => StringFormat.Uri,
        "ip" or "ipv4" or "ipv6" => StringFormat.Ip,
        var other => throw new FormatException($"{path}: unsupported format '{other}'"),
    };

    /// <summary>One bit per required property, by its index; each must be declared.</summary>
    private static ulong MaskOfRequired(SchemaProperty[] properties, JsonElement required, string path)
    {
        var mask = 0UL;
        foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
        {
            var property = properties.FirstOrDefault(p => p.Name == name) ?? throw new FormatException($"{path}: required property '{name}' is not declared");
            mask |= 1UL << property.Index;
        }

        return mask;
    }

    private static JsonTypes ParseType(string? name, string path) => name switch
    {
        "object" => JsonTypes.Object,
        "array" => JsonTypes.Array,
        "string" => JsonTypes.String,
        "number" => JsonTypes.Number,
        "integer" => JsonTypes.Integer,
        "boolean" => JsonTypes.Boolean,
        "null" => JsonTypes.Null,
        _ => throw new FormatException($"{path}: unknown type '{name}'"),
    };
}

internal sealed record SchemaProperty(string Name, byte[] Utf8Name, int Index, SchemaNode Schema)
{
    public bool IsRequiredIn(SchemaNode parent) => (parent.RequiredMask & (1UL << Index)) != 0;
}
