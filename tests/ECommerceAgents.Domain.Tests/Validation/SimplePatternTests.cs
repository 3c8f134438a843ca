using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Validation;

/// <summary>
/// <see cref="SimplePattern"/> against .NET's regex: every pattern of the shipped schemas takes the byte pass, and on
/// thousands of strings near and far from each pattern (line feeds, non-ASCII, lengths around the bounds) both agree;
/// a pattern the greedy pass could get wrong is left to the regex.
/// </summary>
public sealed class SimplePatternTests
{
    private static readonly string[] Compilable =
    [
        "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$", "^[A-Z]{3}$",
        "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$", "^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$", "^[a-z][a-z0-9_.]{0,63}$",
        @"^com\.ecommerceagents/[a-z_]+/[0-9]+-[0-9]+-[0-9]+$", "^ab?c+d$", "^[a-z]?$", "^a*$", "^[-a]{2,}x$", @"^[\]\\a]{1,2}$", "^[a-c]{0}z$",
    ];

    private static readonly string[] LeftToTheRegex =
    [
        "^[a-z]+[a-z0-9]$", "^a*a$", "^[a-z]{1,3}[a-z]{2}$", "^a+?$", "^(ab)+$", "^a|b$", @"^\d+$", "^[^a]+$", "^é$",
        "^a{,3}$", "^[a-z]{3}", "[a-z]{3}$", "^a.b$", "^a{2}{3}$", "^[a-z-[aeiou]]$", @"^a\$", "^[a-z-0]$", "^ab?c*d$",
    ];

    public static TheoryData<string> Patterns() => [.. Compilable];

    [Fact]
    public void EveryPatternOfTheShippedSchemas_TakesTheBytePass()
    {
        var patterns = SchemaRegistry.Default.All.SelectMany(e => PatternsOf(e.Document)).Distinct().ToList();

        Assert.NotEmpty(patterns);
        Assert.All(patterns, p => Assert.NotNull(SimplePattern.TryCompile(p)));
    }

    [Theory]
    [MemberData(nameof(Patterns))]
    public void SameAnswerAsTheRegex(string pattern)
    {
        var simple = SimplePattern.TryCompile(pattern);
        Assert.NotNull(simple);
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var alphabet = Alphabet(pattern);
        var random = new Random(pattern.Length);
        var compared = 0;
        foreach (var text in Candidates(alphabet, random))
        {
            Assert.True(regex.IsMatch(text) == simple.IsMatch(Encoding.UTF8.GetBytes(text)), $"{pattern} on '{text}'");
            compared++;
        }

        Assert.True(compared > 1000);
    }

    [Fact]
    public void PatternsTheGreedyPassCouldGetWrong_LeftToTheRegex() =>
        Assert.All(LeftToTheRegex, p => Assert.Null(SimplePattern.TryCompile(p)));

    [Fact]
    public void EventWithABadUserId_ViolationNamesTheFieldAndThePattern()
    {
        var parser = new EventParser(SchemaRegistry.Default, new FakeTimeProvider(EventBuilder.Now));
        var node = EventBuilder.ProductView().Node();
        node["userId"] = "-starts-with-a-dash";
        node["data"]!["currency"] = "EURO\n";

        var rejected = Assert.IsType<RejectedEvent>(parser.Parse(EventBuilder.Bytes(node)));

        var userId = Assert.Single(rejected.Violations, v => v.Path == "$.userId");
        Assert.Equal("pattern", userId.Keyword);
        Assert.Contains("^[A-Za-z0-9]", userId.Message, StringComparison.Ordinal);
        Assert.Contains(rejected.Violations, v => v.Path == "$.data.currency" && v.Keyword == "pattern");
    }

    [Fact]
    public void TrailingLineFeed_MatchesAsDotNetDollarDoes() =>
        Assert.True(SimplePattern.TryCompile("^[A-Z]{3}$")!.IsMatch("EUR\n"u8));

    private static IEnumerable<string> PatternsOf(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Array) return element.EnumerateArray().SelectMany(PatternsOf);
        if (element.ValueKind != JsonValueKind.Object) return [];
        return element.EnumerateObject().SelectMany(p => p.Name == "pattern" && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : PatternsOf(p.Value));
    }

    /// <summary>The characters the pattern names, and a few it does not: the line feed, a space, non-ASCII.</summary>
    private static string Alphabet(string pattern)
    {
        var named = pattern.Where(c => c < 128 && !"^$[]{}\\".Contains(c, StringComparison.Ordinal)).Distinct();
        return new string([.. named, 'a', 'z', 'A', 'Z', '0', '9', '\n', ' ', 'é', '€', '-', '.', '/', '@']);
    }

    /// <summary>Random strings of the alphabet, of every length up to past the longest bound, and fixed samples with line feeds and non-ASCII around them.</summary>
    private static IEnumerable<string> Candidates(string alphabet, Random random)
    {
        for (var i = 0; i < 3000; i++)
        {
            var length = i % 5 == 0 ? random.Next(0, 140) : random.Next(0, 12);
            var chars = new char[length];
            for (var k = 0; k < length; k++) chars[k] = alphabet[random.Next(alphabet.Length)];
            yield return new string(chars);
        }

        foreach (var sample in new[] { "u-11-00011", "EUR", "ab", "abcd", "abbd", "acccd", "acd", "ad", "", "--x", "aax", "]\\", "z", "com.ecommerceagents/page_view/1-0-0", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "sku-1", new string('a', 64), new string('a', 65), new string('a', 128), new string('a', 129) })
        {
            yield return sample;
            yield return sample + "\n";
            yield return sample + "\n\n";
            yield return "\n" + sample;
            yield return sample + "é";
        }
    }
}
