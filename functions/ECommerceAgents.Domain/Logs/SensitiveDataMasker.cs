using System.Text;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Domain.Logs;

/// <summary>What a masking pass replaced, for metrics.</summary>
public sealed class MaskCounts
{
    public int Emails { get; set; }

    public int Cards { get; set; }

    public int Secrets { get; set; }

    public int Total => Emails + Cards + Secrets;

    public void Add(MaskCounts other)
    {
        Emails += other.Emails;
        Cards += other.Cards;
        Secrets += other.Secrets;
    }
}

/// <summary>
/// The one masker of free text: log text before it reaches the logs zone, and the free-text fields of events (a search
/// query, a refund reason) before StreamProcessor writes them anywhere. It masks personal data and credentials:
/// <list type="bullet">
/// <item>e-mail addresses become <c>[email]</c>;</item>
/// <item>card numbers (13–19 digits, spaces or dashes allowed, a card network's leading digit 2–6, and a valid Luhn
/// check digit) keep only their last 4 digits: <c>**** **** **** 1111</c>. Digit runs that fail Luhn, such as order
/// numbers, are left alone;</item>
/// <item>secrets: AWS access key ids, <c>Bearer</c>/<c>Basic</c> credentials, JWTs, private-key blocks, passwords in
/// URLs, and the value of any <c>key=value</c> / <c>key: value</c> / <c>"key":"value"</c> pair whose key names a
/// secret (password, secret, token, api_key, authorization, …) become <c>[secret]</c>.</item>
/// </list>
/// Each pattern is checked with a cheap character test first, so clean lines cost one scan.
/// </summary>
internal static partial class SensitiveDataMasker
{
    public const string EmailMask = "[email]";
    public const string SecretMask = "[secret]";

    /// <summary>True when a structured field's name says its value is a credential (masked whatever it looks like).</summary>
    public static bool IsSecretName(string name)
    {
        var normalised = NormaliseName(name);
        foreach (var s in SecretNames)
        {
            if (normalised.Contains(s, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    // Matched against the name lower-cased with '-', '_' and '.' removed.
    private static readonly string[] SecretNames =
    [
        "password", "passwd", "pwd", "secret", "token", "apikey", "accesskey", "privatekey", "authorization", "credential",
        "sessionid", "cookie", "signature", "clientsecret",
    ];

    private static string NormaliseName(string name)
    {
        Span<char> buffer = name.Length <= 128 ? stackalloc char[name.Length] : new char[name.Length];
        var n = 0;
        foreach (var c in name)
        {
            if (c is '-' or '_' or '.' or ' ') continue;
            buffer[n++] = char.ToLowerInvariant(c);
        }

        return new string(buffer[..n]);
    }

    public static string Mask(string text, MaskCounts? counts = null)
    {
        if (text.Length == 0) return text;
        var result = text;
        if (result.Contains('@', StringComparison.Ordinal))
        {
            result = MaskEmails(result, counts);
        }

        if (HasDigitRun(result, 12))
        {
            result = MaskCards(result, counts);
        }

        result = MaskSecrets(result, counts);
        return result;
    }

    private static string MaskEmails(string text, MaskCounts? counts)
    {
        // Passwords in URLs (scheme://user:pass@host) before e-mails, which would otherwise eat "pass@host".
        var replaced = UrlCredentials().Replace(text, m =>
        {
            if (counts is not null) counts.Secrets++;
            return m.Groups["prefix"].Value + SecretMask + "@";
        });
        return Email().Replace(replaced, _ =>
        {
            if (counts is not null) counts.Emails++;
            return EmailMask;
        });
    }

    private static string MaskCards(string text, MaskCounts? counts) => CardCandidate().Replace(text, m => MaskCardCandidate(m.Value, counts));

    /// <summary>
    /// The candidate is digit groups joined by single separators. A card may be only some of its groups, as in
    /// "4111 1111 1111 1111 5 items" or "qty 2 4111 1111 1111 1111", and two cards may follow each other: from each group
    /// on, the longest run of whole groups that is 13-19 digits with a network's leading digit and a valid Luhn check
    /// digit is a card; the search goes on after it.
    /// </summary>
    private static string MaskCardCandidate(string value, MaskCounts? counts)
    {
        var groups = new List<(int Start, int End)>();
        for (var i = 0; i < value.Length;)
        {
            var j = i;
            while (j < value.Length && char.IsAsciiDigit(value[j])) j++;
            groups.Add((i, j));
            i = j + 1;
        }

        StringBuilder? sb = null;
        var copied = 0;
        for (var first = 0; first < groups.Count; first++)
        {
            var last = LongestCardRun(value, groups, first);
            if (last < 0) continue;
            if (counts is not null) counts.Cards++;
            var (from, to) = (groups[first].Start, groups[last].End);
            sb ??= new StringBuilder(value.Length);
            sb.Append(value, copied, from - copied);
            var keep = DigitCount(value, from, to) - 4;
            var seen = 0;
            for (var k = from; k < to; k++)
            {
                var c = value[k];
                sb.Append(char.IsAsciiDigit(c) && seen++ < keep ? '*' : c);
            }

            copied = to;
            first = last;
        }

        return sb is null ? value : sb.Append(value, copied, value.Length - copied).ToString();
    }

    /// <summary>The last group of the longest card starting at group <paramref name="first"/>, or -1.</summary>
    private static int LongestCardRun(string value, List<(int Start, int End)> groups, int first)
    {
        Span<byte> digits = stackalloc byte[19];
        for (var last = groups.Count - 1; last >= first; last--)
        {
            var n = 0;
            for (var k = groups[first].Start; k < groups[last].End && n <= 19; k++)
            {
                if (!char.IsAsciiDigit(value[k])) continue;
                if (n == 19) { n = 20; break; }
                digits[n++] = (byte)(value[k] - '0');
            }

            if (n is >= 13 and <= 19 && digits[0] is >= 2 and <= 6 && Luhn(digits[..n])) return last;
        }

        return -1;
    }

    private static int DigitCount(string value, int from, int to)
    {
        var n = 0;
        for (var k = from; k < to; k++)
        {
            if (char.IsAsciiDigit(value[k])) n++;
        }

        return n;
    }

    /// <summary>The Luhn (mod 10) check that every payment card number passes.</summary>
    public static bool Luhn(ReadOnlySpan<byte> digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i];
            if (doubleIt)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }

    private static string MaskSecrets(string text, MaskCounts? counts)
    {
        var result = text;
        if (result.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            result = Count(PrivateKey().Replace(result, SecretMask), result, counts, PrivateKey());
        }

        if (ContainsAwsKeyPrefix(result))
        {
            result = ReplaceCounting(AwsAccessKey(), result, _ => "[aws-access-key]", counts);
        }

        if (result.Contains("eyJ", StringComparison.Ordinal))
        {
            result = ReplaceCounting(Jwt(), result, _ => "[jwt]", counts);
        }

        if (result.Contains("earer", StringComparison.OrdinalIgnoreCase) || result.Contains("asic ", StringComparison.OrdinalIgnoreCase))
        {
            result = ReplaceCounting(AuthScheme(), result, m => m.Groups["scheme"].Value + " " + SecretMask, counts);
        }

        if (result.Contains('=', StringComparison.Ordinal) || result.Contains(':', StringComparison.Ordinal))
        {
            result = ReplaceCounting(SecretPair(), result, m => m.Groups["value"].Value is SecretMask or "" || IsAuthScheme(m.Groups["value"].Value)
                ? m.Value
                : m.Groups["key"].Value + m.Groups["sep"].Value + m.Groups["open"].Value + SecretMask + m.Groups["close"].Value, counts);
        }

        return result;
    }

    // "Authorization: Bearer [secret]" is already masked by the scheme rule; keep the scheme readable.
    private static bool IsAuthScheme(string value) => value.Equals("Bearer", StringComparison.OrdinalIgnoreCase) || value.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    private static string Count(string replaced, string original, MaskCounts? counts, Regex pattern)
    {
        if (counts is not null && !ReferenceEquals(replaced, original)) counts.Secrets += pattern.Count(original);
        return replaced;
    }

    private static string ReplaceCounting(Regex pattern, string text, Func<Match, string> replacement, MaskCounts? counts) =>
        pattern.Replace(text, m =>
        {
            var r = replacement(m);
            if (counts is not null && r != m.Value) counts.Secrets++;
            return r;
        });

    private static bool ContainsAwsKeyPrefix(string text)
    {
        foreach (var p in AwsKeyPrefixes)
        {
            if (text.Contains(p, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    private static readonly string[] AwsKeyPrefixes = ["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"];

    private static bool HasDigitRun(string text, int minimum)
    {
        var run = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                if (++run >= minimum) return true;
            }
            else if (c is not (' ' or '-'))
            {
                run = 0;
            }
        }

        return false;
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    [GeneratedRegex(@"(?<prefix>[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:)[^\s@/]+@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlCredentials();

    // At least 13 digits, single spaces or dashes between groups, not part of a longer number or word (the card is then
    // looked for among its groups).
    [GeneratedRegex(@"(?<![0-9A-Za-z])[0-9](?:[ -]?[0-9]){12,}(?![0-9A-Za-z])", RegexOptions.CultureInvariant)]
    private static partial Regex CardCandidate();

    [GeneratedRegex(@"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex AwsAccessKey();

    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", RegexOptions.CultureInvariant)]
    private static partial Regex Jwt();

    [GeneratedRegex(@"(?<scheme>\b(?:[Bb]earer|BEARER|[Bb]asic|BASIC))\s+(?!\[secret\])[A-Za-z0-9._~+/=-]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex AuthScheme();

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", RegexOptions.CultureInvariant)]
    private static partial Regex PrivateKey();

    // key=value, key: value, "key":"value" where the key names a secret. The value runs to whitespace, a delimiter or the closing quote.
    [GeneratedRegex(
        @"(?<key>(?<![A-Za-z0-9])[""']?[A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|authorization|credential|session[_-]?id|client[_-]?secret|signature)[A-Za-z0-9_.-]*[""']?)(?<sep>\s*[=:]\s*)(?<open>[""']?)(?<value>(?<=[""'])[^""']*|(?<![""'])[^\s,;&""'}\]]*)(?<close>[""']?)",
        RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretPair();
}
