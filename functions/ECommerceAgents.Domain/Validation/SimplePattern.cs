namespace ECommerceAgents.Domain.Validation;

/// <summary>
/// A schema <c>pattern</c> of the plain shape the platform's schemas use, <c>^</c> then ASCII literals and character
/// classes each with an optional quantifier, then <c>$</c> (e.g. <c>^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$</c>), matched
/// straight on the value's UTF-8 bytes in one greedy pass: no UTF-16 copy, no regex engine, no timeout to arm per
/// match. <see cref="TryCompile"/> takes a pattern only where the greedy pass gives the .NET regex's answer: every
/// repeat must be followed by a required atom that shares none of its characters (or end the pattern), so the pass
/// never has a choice to undo. It keeps .NET's <c>$</c>, which also matches before a final line feed. Any other
/// pattern (groups, alternation, shorthand classes, negation, non-ASCII) gets null and stays with the regex.
/// </summary>
internal sealed class SimplePattern
{
    private readonly Atom[] _atoms;

    private SimplePattern(Atom[] atoms) => _atoms = atoms;

    /// <summary>One step: a set of ASCII bytes (a literal is a set of one) taken between Min and Max times.</summary>
    private readonly record struct Atom(UInt128 Set, int Min, int Max)
    {
        public bool Contains(byte b) => b < 128 && ((Set >> b) & UInt128.One) != UInt128.Zero;
    }

    public bool IsMatch(ReadOnlySpan<byte> utf8)
    {
        var at = 0;
        foreach (var atom in _atoms)
        {
            var taken = 0;
            while (taken < atom.Max && at < utf8.Length && atom.Contains(utf8[at]))
            {
                at++;
                taken++;
            }

            if (taken < atom.Min) return false;
        }

        return at == utf8.Length || (at == utf8.Length - 1 && utf8[at] == (byte)'\n');
    }

    /// <summary>The pattern compiled for the greedy pass, or null when it is not of the plain shape.</summary>
    public static SimplePattern? TryCompile(string pattern)
    {
        if (pattern.Length < 2 || pattern[0] != '^' || pattern[^1] != '$' || pattern[^2] == '\\') return null;
        var atoms = new List<Atom>();
        var i = 1;
        while (i < pattern.Length - 1)
        {
            UInt128 set;
            if (pattern[i] == '[')
            {
                if (ParseClass(pattern, ref i) is not { } parsed) return null;
                set = parsed;
            }
            else if (ParseLiteral(pattern, ref i) is { } literal)
            {
                set = UInt128.One << literal;
            }
            else
            {
                return null;
            }

            if (!ParseQuantifier(pattern, ref i, out var min, out var max)) return null;
            atoms.Add(new Atom(set, min, max));
        }

        return Unambiguous(atoms) ? new SimplePattern([.. atoms]) : null;
    }

    /// <summary>Each repeat is followed by a required atom with no character in common, or ends the pattern without '\n'.</summary>
    private static bool Unambiguous(List<Atom> atoms)
    {
        for (var k = 0; k < atoms.Count; k++)
        {
            if (atoms[k].Min == atoms[k].Max) continue;
            var follower = k + 1 < atoms.Count ? atoms[k + 1] : new Atom(UInt128.One << '\n', 1, 1);
            if (follower.Min < 1 || (atoms[k].Set & follower.Set) != UInt128.Zero) return false;
        }

        return true;
    }

    /// <summary>A plain ASCII character or an escaped punctuation character, as its byte; null for anything else.</summary>
    private static byte? ParseLiteral(string pattern, ref int i)
    {
        var c = pattern[i];
        if (c == '\\')
        {
            if (i + 1 >= pattern.Length - 1 || !IsEscapablePunctuation(pattern[i + 1])) return null;
            i += 2;
            return (byte)pattern[i - 1];
        }

        if (c >= 128 || char.IsControl(c) || "^$.|?*+()[]{}\\".Contains(c, StringComparison.Ordinal)) return null;
        i++;
        return (byte)c;
    }

    /// <summary>A class such as <c>[A-Za-z0-9._:@-]</c> as its set of bytes; null for a negated, empty or non-ASCII one.</summary>
    private static UInt128? ParseClass(string pattern, ref int i)
    {
        var end = pattern.Length - 1;
        i++;
        if (i >= end || pattern[i] == '^' || pattern[i] == ']') return null;
        var set = UInt128.Zero;
        while (i < end && pattern[i] != ']')
        {
            if (ClassChar(pattern, ref i) is not { } from) return null;
            var to = from;
            if (i + 1 < end && pattern[i] == '-' && pattern[i + 1] != ']')
            {
                i++;
                if (ClassChar(pattern, ref i) is not { } upper || upper < from) return null;
                to = upper;

                // A '-' straight after a range is read differently by regex dialects: leave such a class to the regex.
                if (i + 1 < end && pattern[i] == '-' && pattern[i + 1] != ']') return null;
            }

            for (var b = from; b <= to; b++) set |= UInt128.One << b;
        }

        if (i >= end) return null;
        i++;
        return set;
    }

    private static byte? ClassChar(string pattern, ref int i)
    {
        var c = pattern[i];
        if (c == '\\')
        {
            if (i + 1 >= pattern.Length - 1 || !IsEscapablePunctuation(pattern[i + 1])) return null;
            c = pattern[i + 1];
            i += 2;
            return (byte)c;
        }

        if (c >= 128 || char.IsControl(c) || c == '[') return null;
        i++;
        return (byte)c;
    }

    /// <summary>Reads <c>{n}</c>, <c>{m,n}</c>, <c>{m,}</c>, <c>?</c>, <c>*</c>, <c>+</c> or nothing; false for a lazy or possessive one.</summary>
    private static bool ParseQuantifier(string pattern, ref int i, out int min, out int max)
    {
        (min, max) = (1, 1);
        var end = pattern.Length - 1;
        if (i >= end) return true;
        switch (pattern[i])
        {
            case '?': (min, max) = (0, 1); i++; break;
            case '*': (min, max) = (0, int.MaxValue); i++; break;
            case '+': (min, max) = (1, int.MaxValue); i++; break;
            case '{':
                var close = pattern.IndexOf('}', i);
                if (close < 0 || close >= end || !ParseBounds(pattern.AsSpan(i + 1, close - i - 1), out min, out max)) return false;
                i = close + 1;
                break;
            default:
                return true;
        }

        return i >= end || pattern[i] is not ('?' or '+' or '*' or '{');
    }

    private static bool ParseBounds(ReadOnlySpan<char> bounds, out int min, out int max)
    {
        max = int.MaxValue;
        var comma = bounds.IndexOf(',');
        if (comma < 0)
        {
            var exact = int.TryParse(bounds, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out min);
            max = min;
            return exact;
        }

        if (!int.TryParse(bounds[..comma], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out min)) return false;
        var upper = bounds[(comma + 1)..];
        return upper.IsEmpty || (int.TryParse(upper, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out max) && max >= min);
    }

    private static bool IsEscapablePunctuation(char c) => c < 128 && !char.IsLetterOrDigit(c) && !char.IsControl(c) && c != ' ';
}
