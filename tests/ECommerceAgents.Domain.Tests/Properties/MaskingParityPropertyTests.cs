using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Logs;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Validation;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Properties;

/// <summary>
/// Masking parity (issue 21): the same generated free text goes down both paths, the event path (a search query and a
/// refund reason through <see cref="StreamPlanner"/>, read back from the enriched record) and the log path (a log line's
/// message through <see cref="LogNormaliser"/>), and both give exactly the expected text: e-mail addresses become
/// <c>[email]</c>, Luhn-valid card numbers (plain, spaced or dashed) keep only their last 4 digits, and
/// digit runs that are not cards (Luhn-invalid, or no network's leading digit) and plain words stay as they were.
/// </summary>
public sealed class MaskingParityPropertyTests : IDisposable
{
    private static readonly string[] Words = ["order", "shipped", "blue", "lamp", "headphones", "refund", "please", "gift", "wrap", "today", "size", "large", "thanks", "call", "me", "re", "x"];
    private static readonly string[] Joins = [" ", ", ", " and ", "; ", " / "];
    private static readonly string[] Domains = ["example.com", "shop.example.co.uk", "mail-host.io", "x.org"];

    private readonly FakeTimeProvider _clock = new(EventBuilder.Now.AddHours(1));
    private readonly Pseudonymiser _pseudonymiser = Pseudonymiser.FromSecret("test-key-0123456789abcdef");

    public void Dispose() => _pseudonymiser.Dispose();

    /// <summary>One piece of text and what masking must make of it.</summary>
    public sealed record Piece(string Text, string Expected)
    {
        public override string ToString() => Text;
    }

    private static Gen<string> Letters(int min, int max) =>
        Gen.Choose(min, max).SelectMany(n => Gen.ArrayOf(Gen.Elements("abcdefghijklmnopqrstuvwxyz0123456789".ToCharArray()), n)).Select(c => new string(c));

    private static Gen<Piece> Emails() =>
        from user in Letters(1, 10)
        from tag in Gen.Elements("", ".doe", "+shop", "_1")
        from domain in Gen.Elements(Domains)
        select new Piece($"{user}{tag}@{domain}", SensitiveDataMasker.EmailMask);

    /// <summary>13-19 digits; Luhn-valid with a network's leading digit when <paramref name="card"/>.</summary>
    private static Gen<int[]> Digits(bool card) =>
        from length in card ? Gen.Choose(13, 19) : Gen.Choose(13, 16)
        from lead in card ? Gen.Choose(2, 6) : Gen.Choose(0, 9)
        from rest in Gen.ArrayOf(Gen.Choose(0, 9), length - 2)
        select WithCheckDigit([lead, .. rest], card);

    private static int[] WithCheckDigit(int[] body, bool valid)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            // Positions counted from the right once the check digit is appended: the body's last digit is doubled.
            var d = body[body.Length - 1 - i];
            if (i % 2 == 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            sum += d;
        }

        var check = (10 - sum % 10) % 10;
        var leadIsNetwork = body[0] is >= 2 and <= 6;

        // Not a card: a wrong check digit, unless the leading digit already rules it out.
        return [.. body, valid || !leadIsNetwork ? check : (check + 1) % 10];
    }

    /// <summary>Digits written plain, or in groups of four joined by a space or a dash.</summary>
    private static string Format(int[] digits, string separator)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < digits.Length; i++)
        {
            if (i > 0 && i % 4 == 0) sb.Append(separator);
            sb.Append((char)('0' + digits[i]));
        }

        return sb.ToString();
    }

    private static Gen<Piece> Cards() =>
        from digits in Digits(card: true)
        from separator in Gen.Elements("", " ", "-")
        let text = Format(digits, separator)
        select new Piece(text, MaskAllButLastFour(text));

    private static string MaskAllButLastFour(string text)
    {
        var keep = text.Count(char.IsAsciiDigit) - 4;
        var seen = 0;
        return new string(text.Select(c => char.IsAsciiDigit(c) && seen++ < keep ? '*' : c).ToArray());
    }

    private static Gen<Piece> NotCards() =>
        from digits in Digits(card: false)
        from separator in Gen.Elements("", " ", "-")
        let text = Format(digits, separator)
        select new Piece(text, text);

    private static Gen<Piece> Plain() => Gen.Elements(Words).Select(w => new Piece(w, w));

    /// <summary>2 to 6 pieces of every kind (a refund reason holds 256 characters), joined by spaces or punctuation.</summary>
    private static Gen<(string Text, string Expected)> FreeText() =>
        from pieces in Gen.Choose(2, 6).SelectMany(n => Gen.ArrayOf(Gen.Frequency((3, Plain()), (2, Emails()), (2, Cards()), (2, NotCards())), n))
        from joins in Gen.ArrayOf(Gen.Elements(Joins), pieces.Length)
        select Join(pieces, joins);

    private static (string Text, string Expected) Join(Piece[] pieces, string[] joins)
    {
        // Two digit runs joined by a space are one candidate whose groups could form a third Luhn-valid run: what is a
        // card there is ambiguous (SensitiveDataMaskerTests pins two cards back to back), so a word goes between them.
        var text = new StringBuilder();
        var expected = new StringBuilder();
        for (var i = 0; i < pieces.Length; i++)
        {
            var join = i == 0 ? "" : char.IsAsciiDigit(pieces[i - 1].Text[^1]) && char.IsAsciiDigit(pieces[i].Text[0]) ? " x " : joins[i];
            text.Append(join).Append(pieces[i].Text);
            expected.Append(join).Append(pieces[i].Expected);
        }

        return (text.ToString(), expected.ToString());
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property EventAndLogPaths_SameText_SameExpectedMasking() =>
        Prop.ForAll(FreeText().ToArbitrary(), input =>
        {
            var (query, reason) = EventPath(input.Text);
            var log = LogPath(input.Text);
            return (query == input.Expected && reason == input.Expected && log == input.Expected)
                .Label($"text: {input.Text}\nexpected: {input.Expected}\nquery: {query}\nreason: {reason}\nlog: {log}");
        });

    /// <summary>The text as a search query and as a refund reason, through the planner, as the enriched zone receives them.</summary>
    private (string? Query, string? Reason) EventPath(string text)
    {
        var records = new RecordBuilder();
        var parser = new EventParser(SchemaRegistry.Default, _clock);
        var inputs = new[]
        {
            records.Next(EventBuilder.Search(text[..Math.Min(text.Length, 512)])),
            records.Next(new EventBuilder().Type(EventTypes.OrderRefunded).User("u-1", null)
                .Data(new EventData { OrderId = "o-1", Amount = 10m, Currency = "EUR", Reason = text[..Math.Min(text.Length, 256)] })),
        };
        var works = inputs.Select((input, i) =>
        {
            var parsed = Assert.IsType<ParsedEvent>(parser.Parse(input.Data.Span));
            return new ValidEvent(i, input, parsed.Event, parsed.Type);
        }).ToList();
        var plan = new StreamPlanner(_pseudonymiser, new ProcessorOptions(), _clock).Plan("s", works, new StateSnapshot());
        var enriched = plan.Enriched.Select(e => JsonSerializer.Deserialize(e.Json.Span, EnrichedEventJsonContext.Default.EnrichedEvent)!).ToList();
        return (enriched.Single(e => e.Data.Query is not null).Data.Query, enriched.Single(e => e.Data.Reason is not null).Data.Reason);
    }

    /// <summary>The text as a structured log line's message, as the logs zone receives it.</summary>
    private static string? LogPath(string text)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            var line = JsonSerializer.Serialize(new Dictionary<string, string> { ["level"] = "INFO", ["message"] = text }, DictionaryContext.Default.DictionaryStringString);
            new LogNormaliser().Write(line, new LineContext(LogSource.Direct, "svc", EventBuilder.Now), writer, out _, out _);
        }

        using var doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.GetProperty("message").GetString();
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class DictionaryContext : System.Text.Json.Serialization.JsonSerializerContext;
