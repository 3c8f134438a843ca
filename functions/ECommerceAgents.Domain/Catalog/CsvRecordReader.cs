// A small streaming CSV reader. CsvHelper is on this machine's NuGet copy, but it is not annotated for trimming or
// native AOT (its mapping is reflection-based), and when a quoted field is never closed it swallows the rows after it;
// catalog imports need the bad row rejected with its line number and the rows after it read normally.
using System.Text;

namespace ECommerceAgents.Domain.Catalog;

/// <summary>One CSV record: its fields, the physical line it starts on (1-based), or why it is malformed.</summary>
internal sealed record CsvRecord(long Line, IReadOnlyList<string> Fields, string? Error)
{
    public bool IsMalformed => Error is not null;
}

/// <summary>
/// Reads RFC 4180 CSV from a stream one record at a time, never holding more than one record: quoted fields with
/// escaped quotes (<c>""</c>), embedded delimiters and embedded newlines (CRLF, LF or CR). Tolerates a bare quote inside
/// an unquoted field (<c>12" shade</c>), as most feeds produce it.
/// A record is malformed when a quoted field is never closed (it reaches the end of the file or
/// <see cref="MaxRecordChars"/>) or a closing quote is followed by anything but a delimiter or the end of the line.
/// Then the record's first physical line is reported with its line number, and reading resumes at the next physical
/// line: the lines a runaway quote swallowed are read again as records of their own.
/// </summary>
internal sealed class CsvRecordReader(TextReader reader, char? delimiter = null, int maxRecordChars = 1 << 20)
{
    private char _delimiter = delimiter ?? ',';
    private bool _detect = delimiter is null;
    private readonly Stack<(long Line, string Text)> _pushedBack = new();
    private long _nextLine = 1;

    public int MaxRecordChars => maxRecordChars;

    /// <summary>The delimiter in use: given, or detected from the first line (comma, semicolon or tab).</summary>
    public char Delimiter => _delimiter;

    /// <summary>The next record, skipping blank lines; null at the end.</summary>
    public CsvRecord? Read()
    {
        while (NextLine() is { } first)
        {
            if (first.Text.Length == 0) continue;
            if (_detect)
            {
                _delimiter = DetectDelimiter(first.Text);
                _detect = false;
            }

            if (first.Text.Length > maxRecordChars) return new CsvRecord(first.Line, [], $"line is longer than {maxRecordChars} characters");
            var record = Parse(first);
            if (record is not null) return record;
        }

        return null;
    }

    private CsvRecord? Parse((long Line, string Text) first)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        List<(long, string)>? continuation = null;
        var text = first.Text;
        int chars = 0, i = 0;
        bool inQuotes = false, quoted = false, afterQuote = false;

        while (true)
        {
            if (i >= text.Length)
            {
                if (!inQuotes)
                {
                    fields.Add(quoted ? field.ToString() : field.ToString().Trim());
                    return new CsvRecord(first.Line, fields, null);
                }

                // The quoted field goes on over a line break.
                if (!Continue(ref text, ref chars, ref continuation, field)) return Malformed(first, continuation, "unbalanced quote: a quoted field is never closed");
                i = 0;
                continue;
            }

            if (inQuotes)
            {
                i = ReadQuoted(text, i, field, out var closed);
                inQuotes = !closed;
                afterQuote = closed;
                continue;
            }

            var c = text[i];
            if (c == _delimiter)
            {
                fields.Add(quoted ? field.ToString() : field.ToString().Trim());
                field.Clear();
                quoted = false;
                afterQuote = false;
            }
            else if (afterQuote)
            {
                if (c is not (' ' or '\t')) return Malformed(first, continuation, $"unexpected '{c}' after a closing quote (a quote inside a quoted field must be doubled)");
            }
            else if (c == '"' && IsBlank(field))
            {
                field.Clear();
                inQuotes = true;
                quoted = true;
            }
            else
            {
                field.Append(c);
            }

            i++;
        }
    }

    /// <summary>A quoted field goes on over a line break: takes the next physical line, unless there is none or the record is too long.</summary>
    private bool Continue(ref string text, ref int chars, ref List<(long, string)>? continuation, StringBuilder field)
    {
        chars += text.Length + 1;
        if (chars > maxRecordChars || NextLine() is not { } more) return false;
        (continuation ??= []).Add(more);
        field.Append('\n');
        text = more.Text;
        return true;
    }

    /// <summary>
    /// Appends a quoted field's content from <paramref name="i"/> (a doubled quote as one quote) up to its closing quote,
    /// and returns the index after it; or up to the end of the line, not closed.
    /// </summary>
    private static int ReadQuoted(string text, int i, StringBuilder field, out bool closed)
    {
        while (i < text.Length)
        {
            var c = text[i];
            if (c != '"')
            {
                field.Append(c);
                i++;
            }
            else if (i + 1 < text.Length && text[i + 1] == '"')
            {
                field.Append('"');
                i += 2;
            }
            else
            {
                closed = true;
                return i + 1;
            }
        }

        closed = false;
        return i;
    }

    private static bool IsBlank(StringBuilder sb)
    {
        for (var i = 0; i < sb.Length; i++)
        {
            if (sb[i] is not (' ' or '\t')) return false;
        }

        return true;
    }

    private CsvRecord Malformed((long Line, string Text) first, List<(long, string)>? continuation, string error)
    {
        if (continuation is not null)
        {
            for (var k = continuation.Count - 1; k >= 0; k--) _pushedBack.Push(continuation[k]);
        }

        return new CsvRecord(first.Line, [], error);
    }

    /// <summary>The next physical line (CRLF, LF or CR ends it); over-long lines are cut at the cap and flagged by length.</summary>
    private (long Line, string Text)? NextLine()
    {
        if (_pushedBack.Count > 0) return _pushedBack.Pop();
        var sb = new StringBuilder();
        var any = false;
        while (true)
        {
            var c = reader.Read();
            if (c < 0) break;
            any = true;
            if (c == '\n') break;
            if (c == '\r')
            {
                if (reader.Peek() == '\n') reader.Read();
                break;
            }

            // Past the cap only the length matters: keep one extra character so the caller sees it is too long.
            if (sb.Length <= maxRecordChars) sb.Append((char)c);
        }

        if (!any) return null;
        return (_nextLine++, sb.ToString());
    }

    /// <summary>The delimiter a header line uses: the most frequent of comma, semicolon and tab outside quotes.</summary>
    public static char DetectDelimiter(string headerLine)
    {
        int comma = 0, semicolon = 0, tab = 0;
        var inQuotes = false;
        foreach (var c in headerLine)
        {
            if (c == '"') inQuotes = !inQuotes;
            else if (!inQuotes && c == ',') comma++;
            else if (!inQuotes && c == ';') semicolon++;
            else if (!inQuotes && c == '\t') tab++;
        }

        return tab > comma && tab >= semicolon ? '\t' : semicolon > comma ? ';' : ',';
    }
}
