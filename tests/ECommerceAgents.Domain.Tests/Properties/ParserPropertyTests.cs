using System.Buffers;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Catalog;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Logs;
using ECommerceAgents.Domain.Validation;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace ECommerceAgents.Domain.Tests.Properties;

/// <summary>
/// The parsers and validators on arbitrary input: anything in gives a value or a failure, never an exception. Inputs
/// are random bytes, random text, and valid events with one field replaced by a random JSON value.
/// </summary>
public sealed class ParserPropertyTests
{
    private static readonly EventParser Parser = new(SchemaRegistry.Default, TimeProvider.System);

    private const string ValidEvent = """{"schema":"com.ecommerceagents/product_view/1-0-0","eventId":"3f6c1b2a-8d4e-4c7a-9b1f-2e5d7a9c0b11","eventTime":"2026-11-23T10:00:00Z","userId":"u-1001","anonymousId":"a-7f3c","context":{"userAgent":"Mozilla/5.0","ip":"203.0.113.42"},"data":{"sku":"SKU-1","category":"books","price":12.5,"currency":"EUR"}}""";

    private static readonly string[] Fields = ["schema", "eventId", "eventTime", "userId", "anonymousId", "context", "data"];

    /// <summary>The valid event's top-level values as raw JSON text.</summary>
    private static readonly KeyValuePair<string, string>[] ValidParts =
        [.. JsonDocument.Parse(ValidEvent).RootElement.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetRawText()))];

    /// <summary>JSON values of every kind, including the awkward ones: huge numbers, NaN as text, nesting, control characters.</summary>
    private static Gen<string> JsonValues() => Gen.OneOf(
        ArbMap.Default.GeneratorFor<int>().Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ArbMap.Default.GeneratorFor<double>().Where(double.IsFinite).Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Elements("1e400", "-1e400", "\"NaN\"", "\"Infinity\"", "null", "true", "[]", "{}", "\"\"", "\"\\u0000\"", "\"\\ud800\"", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00Z\"", "[[[[[[[[[[1]]]]]]]]]]"),
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null).Select(s => JsonSerializer.Serialize(s)));

    [Property(MaxTest = 500)]
    public bool EventParser_ArbitraryBytes_ValueOrFailureNeverThrows(byte[] bytes) =>
        Parser.Parse(bytes) is ParsedEvent or RejectedEvent;

    [Property(MaxTest = 500)]
    public Property EventParser_OneFieldReplacedByAnyJsonValue_ValueOrFailureWithPaths() =>
        Prop.ForAll(Gen.Elements(Fields).ToArbitrary(), JsonValues().ToArbitrary(), (field, value) =>
        {
            // Spliced as text: a lone surrogate escape must reach the parser as it is.
            var parts = ValidParts.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            parts[field] = value;
            var outcome = Parser.Parse(Encoding.UTF8.GetBytes("{" + string.Join(",", parts.Select(p => $"\"{p.Key}\":{p.Value}")) + "}"));
            return outcome switch
            {
                ParsedEvent parsed => parsed.Event.EventId.Length > 0,
                RejectedEvent rejected => rejected.Violations.Count > 0 && rejected.Violations.All(v => v.Path.StartsWith('$')),
                _ => false,
            };
        });

    [Property(MaxTest = 300)]
    public bool IngestValidator_ArbitraryBody_EveryEventAnsweredOnce(byte[] bytes)
    {
        var result = new IngestValidator(Parser).Validate(bytes, new IngestLineage("api", DateTimeOffset.UtcNow, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "r"));
        if (result.BodyError is not null) return result.Accepted.Count == 0 && result.Rejected.Count == 0;
        var indexes = result.Accepted.Select(a => a.Index).Concat(result.Rejected.Select(r => r.Index)).ToList();
        return indexes.Count == indexes.Distinct().Count();
    }

    [Property(MaxTest = 300)]
    public bool LogNormaliser_ArbitraryLine_NeverThrows(string line)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer);
        var outcome = new LogNormaliser().Write(line ?? "", new LineContext(LogSource.Direct, "svc", DateTimeOffset.UtcNow), writer, out _, out var service);
        return Enum.IsDefined(outcome) && service is not null;
    }

    [Property(MaxTest = 300)]
    public bool CsvReader_ArbitraryText_RecordsInLineOrderNeverThrows(string text)
    {
        var reader = new CsvRecordReader(new StringReader(text ?? ""), ',', maxRecordChars: 4096);
        var last = 0L;
        var count = 0;
        while (reader.Read() is { } record)
        {
            if (record.Line <= last || ++count > 100_000) return false;
            last = record.Line;
        }

        return true;
    }

    [Property(MaxTest = 300)]
    public Property Masker_EmailsAndCardsInAnyText_NeverSurvive() =>
        Prop.ForAll(ArbMap.Default.GeneratorFor<string>().Where(s => s is not null).ToArbitrary(), Gen.Choose(1, 99_999).ToArbitrary(), (noise, n) =>
        {
            var email = $"shopper{n}@example.com";
            var text = $"{noise.Replace("@", "", StringComparison.Ordinal)} contact {email} paid with 4111 1111 1111 1111 {noise.Replace("@", "", StringComparison.Ordinal)}";
            var masked = SensitiveDataMasker.Mask(text);
            return !masked.Contains(email, StringComparison.Ordinal) && !masked.Contains("4111 1111 1111 1111", StringComparison.Ordinal) && SensitiveDataMasker.Mask(masked) == masked;
        });
}
