using System.Globalization;

namespace ECommerceAgents.Infra.Tests.Fixtures;

/// <summary>
/// The small part of TOML that samconfig.toml uses: comments, <c>[dotted.table]</c> headers and <c>key = value</c> lines
/// with strings, numbers and booleans. Anything else is an error, so the test notices if the file outgrows it.
/// </summary>
public static class TomlReader
{
    public static IReadOnlyDictionary<string, IReadOnlyDictionary<string, object>> Parse(string text)
    {
        var tables = new Dictionary<string, Dictionary<string, object>>(StringComparer.Ordinal) { [""] = new(StringComparer.Ordinal) };
        var current = tables[""];
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = StripComment(raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                var name = line[1..^1].Trim();
                if (!tables.TryGetValue(name, out current!))
                {
                    current = new Dictionary<string, object>(StringComparer.Ordinal);
                    tables[name] = current;
                }

                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"line {lineNumber}: expected key = value");
            }

            current[line[..equals].Trim()] = Value(line[(equals + 1)..].Trim(), lineNumber);
        }

        return tables.ToDictionary(t => t.Key, t => (IReadOnlyDictionary<string, object>)t.Value, StringComparer.Ordinal);
    }

    private static object Value(string text, int line) => text switch
    {
        "true" => true,
        "false" => false,
        _ when text.Length >= 2 && text[0] == '"' && text[^1] == '"' => text[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal),
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
        _ => throw new FormatException($"line {line}: unsupported value {text}"),
    };

    private static string StripComment(string line)
    {
        var inString = false;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '"' && (i == 0 || line[i - 1] != '\\'))
            {
                inString = !inString;
            }
            else if (line[i] == '#' && !inString)
            {
                return line[..i];
            }
        }

        return line;
    }
}
