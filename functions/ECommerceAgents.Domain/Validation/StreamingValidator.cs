using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ECommerceAgents.Domain.Validation;

/// <summary>
/// Validates JSON against a compiled <see cref="SchemaNode"/> in one forward pass of a <see cref="Utf8JsonReader"/>,
/// collecting every violation with its JSON path. Nothing is allocated unless something is wrong.
/// </summary>
internal sealed class StreamingValidator
{
    private const int MaxDepth = 64;
    private readonly string?[] _names = new string?[MaxDepth];
    private readonly int[] _indexes = new int[MaxDepth];
    private int _depth;
    private string _root = "$";

    public List<Violation> Violations { get; } = [];

    /// <summary>Start and end of each property of the top-level object that the caller asked to capture.</summary>
    public Dictionary<string, (int Start, int End)> Captures { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// For an envelope: given the top-level <c>schema</c> string's UTF-8 bytes, the schema of the top-level <c>data</c>.
    /// When <c>schema</c> comes before <c>data</c> (as producers write it), <c>data</c> is then validated in the same pass.
    /// </summary>
    public Func<ReadOnlySpan<byte>, SchemaNode?>? DataSchemaResolver { get; set; }

    /// <summary>True when the last <see cref="Validate"/> checked <c>data</c> against its resolved schema in the same pass.</summary>
    public bool DataValidatedInline { get; private set; }

    private SchemaNode? _dataSchema;

    public void Reset(string root = "$")
    {
        Violations.Clear();
        Captures.Clear();
        _depth = 0;
        _root = root;
        _dataSchema = null;
        DataValidatedInline = false;
    }

    /// <summary>Validates the whole of <paramref name="json"/>. Malformed JSON throws <see cref="JsonException"/>.</summary>
    public void Validate(ReadOnlySpan<byte> json, SchemaNode schema, IReadOnlyCollection<string>? capture = null)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (!reader.Read()) throw new JsonException("empty document");
        ValidateValue(ref reader, schema, capture);
        if (reader.Read()) throw new JsonException("unexpected content after the JSON value");
    }

    private void ValidateValue(ref Utf8JsonReader r, SchemaNode s, IReadOnlyCollection<string>? capture = null)
    {
        switch (r.TokenType)
        {
            case JsonTokenType.StartObject:
                if (!s.Types.HasFlag(JsonTypes.Object))
                {
                    Add("type", $"expected {s.TypeName}, got an object");
                    r.Skip();
                    return;
                }

                ValidateObject(ref r, s, capture);
                return;

            case JsonTokenType.StartArray:
                if (!s.Types.HasFlag(JsonTypes.Array))
                {
                    Add("type", $"expected {s.TypeName}, got an array");
                    r.Skip();
                    return;
                }

                ValidateArray(ref r, s);
                return;

            case JsonTokenType.String:
                if (!s.Types.HasFlag(JsonTypes.String))
                {
                    Add("type", $"expected {s.TypeName}, got a string");
                    return;
                }

                ValidateString(ref r, s);
                return;

            case JsonTokenType.Number:
                ValidateNumber(ref r, s);
                return;

            case JsonTokenType.True or JsonTokenType.False:
                if (!s.Types.HasFlag(JsonTypes.Boolean)) Add("type", $"expected {s.TypeName}, got a boolean");
                return;

            case JsonTokenType.Null:
                if (!s.Types.HasFlag(JsonTypes.Null)) Add("type", $"expected {s.TypeName}, got null");
                return;

            default:
                throw new JsonException($"unexpected token {r.TokenType}");
        }
    }

    private void ValidateArray(ref Utf8JsonReader r, SchemaNode s)
    {
        var count = 0;
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (s.Items is { } items)
            {
                Push(null, count);
                ValidateValue(ref r, items);
                Pop();
            }
            else
            {
                r.Skip();
            }

            count++;
        }

        if (s.MinItems is { } min && count < min) Add("minItems", $"must hold at least {min} items, has {count}");
        if (s.MaxItems is { } max && count > max) Add("maxItems", $"must hold at most {max} items, has {count}");
    }

    private void ValidateObject(ref Utf8JsonReader r, SchemaNode s, IReadOnlyCollection<string>? capture)
    {
        ulong seen = 0;
        while (r.Read() && r.TokenType != JsonTokenType.EndObject)
        {
            var property = r.ValueIsEscaped ? FindEscaped(ref r, s) : s.Find(r.ValueSpan);
            if (property is null)
            {
                SkipUnknown(ref r, s);
                continue;
            }

            var bit = 1UL << property.Index;
            if ((seen & bit) != 0) AddAt(property.Name, "uniqueProperties", "appears more than once");

            seen |= bit;
            r.Read();
            Push(property.Name, -1);
            if (_depth == 1 && DataSchemaResolver is not null && _dataSchema is not null && r.TokenType == JsonTokenType.StartObject && property.Name == "data")
            {
                ValidateValue(ref r, _dataSchema);
                DataValidatedInline = true;
            }
            else if (capture is not null && capture.Contains(property.Name))
            {
                var start = (int)r.TokenStartIndex;
                if (_depth == 1 && DataSchemaResolver is not null && property.Name == "schema" && r.TokenType == JsonTokenType.String && !r.ValueIsEscaped)
                {
                    _dataSchema = DataSchemaResolver(r.ValueSpan);
                }

                ValidateValue(ref r, property.Schema);
                Captures[property.Name] = (start, (int)r.BytesConsumed);
            }
            else
            {
                ValidateValue(ref r, property.Schema);
            }

            Pop();
        }

        var missing = s.RequiredMask & ~seen;
        if (missing != 0) AddMissing(s, missing);
    }

    /// <summary>A property the schema does not declare: an error unless additional properties are allowed; its value is skipped.</summary>
    private void SkipUnknown(ref Utf8JsonReader r, SchemaNode s)
    {
        if (!s.AdditionalProperties) AddAt(r.GetString(), "additionalProperties", "is not a property of this schema");
        r.Read();
        r.Skip();
    }

    private void AddMissing(SchemaNode s, ulong missing)
    {
        foreach (var p in s.Properties)
        {
            if ((missing & (1UL << p.Index)) != 0) AddAt(p.Name, "required", "is required");
        }
    }

    /// <summary>A violation at the named property of the current object.</summary>
    private void AddAt(string? property, string keyword, string message)
    {
        Push(property, -1);
        Add(keyword, message);
        Pop();
    }

    private static SchemaProperty? FindEscaped(ref Utf8JsonReader r, SchemaNode s)
    {
        var name = r.GetString()!;
        return s.Properties.FirstOrDefault(p => p.Name == name);
    }

    private void ValidateString(ref Utf8JsonReader r, SchemaNode s)
    {
        if (s.MinLength is null && s.MaxLength is null && s.Pattern is null && s.Format == StringFormat.None && s.Enum is null) return;

        // Work on the unescaped UTF-8 bytes; only an escaped string needs a copy.
        byte[]? rented = null;
        ReadOnlySpan<byte> utf8;
        if (r.ValueIsEscaped || r.HasValueSequence)
        {
            var length = r.HasValueSequence ? checked((int)r.ValueSequence.Length) : r.ValueSpan.Length;
            rented = ArrayPool<byte>.Shared.Rent(length);
            var written = r.CopyString(rented);
            utf8 = rented.AsSpan(0, written);
        }
        else
        {
            utf8 = r.ValueSpan;
        }

        try
        {
            if (s.MinLength is not null || s.MaxLength is not null)
            {
                var codePoints = CountCodePoints(utf8);
                if (s.MinLength is { } min && codePoints < min) Add("minLength", $"must be at least {min} characters");
                if (s.MaxLength is { } max && codePoints > max) Add("maxLength", $"must be at most {max} characters, has {codePoints}");
            }

            if (s.Enum is { } allowed && !InEnum(utf8, allowed))
            {
                Add("enum", "must be one of " + string.Join(", ", allowed.Select(a => Encoding.UTF8.GetString(a))));
            }

            if (s.Format != StringFormat.None && !FormatHolds(ref r, s.Format, utf8))
            {
                Add("format", $"is not a valid {FormatName(s.Format)}");
            }

            if (s.Pattern is { } pattern) CheckPattern(utf8, pattern, s.SimplePattern);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void CheckPattern(ReadOnlySpan<byte> utf8, System.Text.RegularExpressions.Regex pattern, SimplePattern? simple)
    {
        if (utf8.Length > 4096)
        {
            Add("pattern", "is too long to check against its pattern");
            return;
        }

        if (!(simple?.IsMatch(utf8) ?? RegexMatches(utf8, pattern))) Add("pattern", $"does not match {pattern}");
    }

    /// <summary>A pattern of no plain shape: the regex, on the value as UTF-16; a match that times out is no match.</summary>
    private static bool RegexMatches(ReadOnlySpan<byte> utf8, System.Text.RegularExpressions.Regex pattern)
    {
        Span<char> chars = stackalloc char[utf8.Length];
        var n = Encoding.UTF8.GetChars(utf8, chars);
        try
        {
            return pattern.IsMatch(chars[..n]);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            return false;
        }
    }

    private void ValidateNumber(ref Utf8JsonReader r, SchemaNode s)
    {
        if (!s.Types.HasFlag(JsonTypes.Number) && !s.Types.HasFlag(JsonTypes.Integer))
        {
            Add("type", $"expected {s.TypeName}, got a number");
            return;
        }

        if (!r.TryGetDouble(out var value) || double.IsInfinity(value))
        {
            Add("maximum", "is out of range");
            return;
        }

        if (!s.Types.HasFlag(JsonTypes.Number) && (Math.Floor(value) != value || r.ValueSpan.IndexOfAny("eE"u8) >= 0 && Math.Abs(value) > 9_007_199_254_740_992))
        {
            Add("type", "expected an integer");
        }

        if (s.Minimum is { } min && value < min) Add("minimum", $"must be at least {min.ToString(CultureInfo.InvariantCulture)}");
        if (s.Maximum is { } max && value > max) Add("maximum", $"must be at most {max.ToString(CultureInfo.InvariantCulture)}");
    }

    private static bool InEnum(ReadOnlySpan<byte> utf8, byte[][] allowed)
    {
        for (var i = 0; i < allowed.Length; i++)
        {
            if (utf8.SequenceEqual(allowed[i])) return true;
        }

        return false;
    }

    private static readonly SearchValues<byte> UrlForbidden = SearchValues.Create(" \t\r\n\"<>"u8);
    private static readonly SearchValues<byte> EmailForbidden = SearchValues.Create(" \t\r\n,;<>()[]\\\""u8);

    private static bool FormatHolds(ref Utf8JsonReader r, StringFormat format, ReadOnlySpan<byte> utf8) => format switch
    {
        StringFormat.Uuid => utf8.Length == 36 && r.TryGetGuid(out _),
        StringFormat.DateTime => utf8.Length >= 20 && r.TryGetDateTimeOffset(out var t) && HasZone(utf8) && t.Year is >= 1970 and <= 9999,
        StringFormat.Email => IsEmail(utf8),
        StringFormat.Uri => (utf8.StartsWith("https://"u8) || utf8.StartsWith("http://"u8)) && utf8.IndexOfAny(UrlForbidden) < 0 && utf8.Length > 8,
        StringFormat.Ip => IsIp(utf8),
        _ => true,
    };

    /// <summary>RFC 3339 requires an offset: 'Z' or ±hh:mm.</summary>
    private static bool HasZone(ReadOnlySpan<byte> utf8) =>
        utf8[^1] is (byte)'Z' or (byte)'z' || (utf8.Length > 6 && utf8[^3] == ':' && utf8[^6] is (byte)'+' or (byte)'-');

    private static bool IsEmail(ReadOnlySpan<byte> utf8)
    {
        var at = utf8.IndexOf((byte)'@');
        if (at <= 0 || at != utf8.LastIndexOf((byte)'@') || at == utf8.Length - 1) return false;
        var domain = utf8[(at + 1)..];
        return domain.IndexOf((byte)'.') > 0 && domain[^1] != '.' && utf8.IndexOfAny(EmailForbidden) < 0;
    }

    private static bool IsIp(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > 45) return false;
        Span<char> chars = stackalloc char[utf8.Length];
        var n = Encoding.UTF8.GetChars(utf8, chars);
        return IPAddress.TryParse(chars[..n], out _);
    }

    private static string FormatName(StringFormat f) => f switch
    {
        StringFormat.Uuid => "UUID",
        StringFormat.DateTime => "RFC 3339 date-time with an offset",
        StringFormat.Email => "e-mail address",
        StringFormat.Uri => "http(s) URL",
        StringFormat.Ip => "IP address",
        _ => f.ToString(),
    };

    private static int CountCodePoints(ReadOnlySpan<byte> utf8)
    {
        // Nearly every value is ASCII: a code point a byte, checked vectorised.
        if (Ascii.IsValid(utf8)) return utf8.Length;
        var count = 0;
        foreach (var b in utf8) count += (b & 0xC0) != 0x80 ? 1 : 0;
        return count;
    }

    private void Push(string? name, int index)
    {
        if (_depth < MaxDepth)
        {
            _names[_depth] = name;
            _indexes[_depth] = index;
        }

        _depth++;
    }

    private void Pop() => _depth--;

    private void Add(string keyword, string message) => Violations.Add(new Violation(CurrentPath(), keyword, message));

    private string CurrentPath()
    {
        var sb = new StringBuilder(_root);
        for (var i = 0; i < Math.Min(_depth, MaxDepth); i++)
        {
            if (_names[i] is { } name)
            {
                sb.Append('.').Append(name);
            }
            else
            {
                sb.Append('[').Append(_indexes[i].ToString(CultureInfo.InvariantCulture)).Append(']');
            }
        }

        return sb.ToString();
    }
}
