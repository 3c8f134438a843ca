using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Tests.Builders;

namespace ECommerceAgents.Domain.Tests.Events;

/// <summary>
/// The hand-written <see cref="TrackedEventReader"/> against the source-generated serializer it replaces in EventParser:
/// on every generated event and thousands of mutations of them (values of every kind at every path, removed
/// properties, escaped names, odd numbers), both must fail, or both must give the same event; the ingest read, which
/// keeps fewer strings, must fail alike and keep the same values of the fields ingest uses.
/// </summary>
public sealed class TrackedEventReaderTests
{
    private static readonly JsonNode?[] Replacements =
    [
        null, "", "x", 0, -1, 1.5, 1e9, 3_000_000_000L, 1e30, true, new JsonArray(), new JsonObject(), new JsonArray(1, 2),
        new JsonObject { ["sku"] = "S" }, "2026-01-01T00:00:00Z", "not a time", 12.345m,
    ];

    [Fact]
    public void GeneratedEventsAndTheirMutations_SameOutcomeAsTheSerializer()
    {
        var random = new Random(7);
        var compared = 0;
        foreach (var sample in Samples())
        {
            Compare(sample.ToJsonString());
            compared++;
            foreach (var mutated in Mutations(sample, random))
            {
                Compare(mutated);
                compared++;
            }
        }

        Assert.True(compared > 2000, $"only {compared} documents compared");
    }

    [Theory]
    [InlineData("""{"schema":"s","eventId":"e","data":{"quantity":1e2}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{"quantity":2147483648}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{"quantity":"3"}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{"price":1e40}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{"value":1e400}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{"stock":-9223372036854775809}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{"items":[{"quantity":1,"price":2}]}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{"items":[null,{"sku":"a","quantity":null}]}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{"items":[{"sku":"a"}]}}""")]
    [InlineData("""{"schema":"s","eventId":"e"}""")]
    [InlineData("""{"eventId":"e","data":{}}""")]
    [InlineData("""{"schema":null,"eventId":null,"data":null}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{},"eventTime":null}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{},"eventTime":"2026-02-30T00:00:00Z"}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{},"eventTime":"2026-01-01T00:00:00\u002B01:00"}""")]
    [InlineData("""{"\u0073chema":"s","event\u0049d":"e","data":{"\u0073ku":"x"},"context":{"page":{"url":"u"}}}""")]
    [InlineData("""{"Schema":"s","eventId":"e","data":{}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{},"lineage":{"ingestTime":null,"source":"api"}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{},"context":[]}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{},"extra":{"deep":[1,{"a":null}]}}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{}} {}""")]
    [InlineData("""{"schema":"s","eventId":"e","data":{}""")]
    [InlineData("""{"schema":"s","schema":"t","eventId":"e","data":{"sku":"a","sku":"b"}}""")]
    [InlineData("""[]""")]
    public void EdgeCases_SameOutcomeAsTheSerializer(string json) => Compare(json);

    [Fact]
    public void NullDocument_Fails_WhereTheSerializerGivesNull() =>
        Assert.Throws<JsonException>(() => TrackedEventReader.Read("null"u8));

    [Fact]
    public void ValidProductView_EveryFieldRead()
    {
        var evt = TrackedEventReader.Read(EventBuilder.ProductView(price: 19.99m).Json());

        Assert.Equal("SKU-1", evt.Data.Sku);
        Assert.Equal(19.99m, evt.Data.Price);
        Assert.Equal(EventBuilder.ProductView().Node()["eventId"]!.GetValue<string>().Length, evt.EventId.Length);
    }

    /// <summary>The whole read against the serializer; the ingest read (<c>all: false</c>) against the serializer's fields that ingest uses.</summary>
    private static void Compare(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var expected = Outcome(() => JsonSerializer.Deserialize(bytes, TrackedEventJsonContext.Default.TrackedEvent));
        var actual = Outcome(() => TrackedEventReader.Read(bytes));
        Assert.True(expected == actual, $"{json}\nserializer: {expected}\nreader: {actual}");

        var expectedKept = Outcome(() => JsonSerializer.Deserialize(bytes, TrackedEventJsonContext.Default.TrackedEvent), IngestFields);
        var kept = Outcome(() => TrackedEventReader.Read(bytes, all: false), IngestFields);
        Assert.True(expectedKept == kept, $"{json}\nserializer: {expectedKept}\ningest read: {kept}");
    }

    private static string IngestFields(TrackedEvent e) =>
        string.Join("|", e.Schema, e.EventId, e.EventTime.ToString("O"), e.UserId, e.AnonymousId, e.Context?.DeviceId, e.Data?.OrderId, e.Data?.Sku,
            e.Lineage is null ? "" : JsonSerializer.Serialize(e with { Data = new EventData(), Context = null }, TrackedEventJsonContext.Default.TrackedEvent));

    /// <summary>"fails", or the event as the serializer writes it (or as <paramref name="show"/> shows it).</summary>
    private static string Outcome(Func<TrackedEvent?> read, Func<TrackedEvent, string>? show = null)
    {
        try
        {
            var evt = read();
            return evt is null ? "null" : show?.Invoke(evt) ?? JsonSerializer.Serialize(evt, TrackedEventJsonContext.Default.TrackedEvent);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            // EventParser turns every one of these into the same rejection (malformed JSON).
            return "fails";
        }
    }

    private static List<JsonObject> Samples()
    {
        var generator = new Local.Traffic.TrafficGenerator(new Local.Traffic.TrafficOptions { Events = 600, End = EventBuilder.Now, MalformedRate = 0, SchemaViolationRate = 0, DuplicateRate = 0, Seed = 3 });
        var byType = generator.Generate().Where(r => r.Type is not null).GroupBy(r => r.Type);
        return byType.SelectMany(g => g.Take(4)).Select(r => JsonNode.Parse(r.Data)!.AsObject()).ToList();
    }

    /// <summary>Every property at every depth: removed, and given a few other values; every name escaped once.</summary>
    private static IEnumerable<string> Mutations(JsonObject sample, Random random)
    {
        var paths = new List<int[]>();
        Paths(sample, [], paths);
        foreach (var path in paths)
        {
            var removed = (JsonObject)sample.DeepClone();
            Remove(removed, path);
            yield return removed.ToJsonString();
            for (var i = 0; i < 3; i++)
            {
                var changed = (JsonObject)sample.DeepClone();
                Replace(changed, path, Replacements[random.Next(Replacements.Length)]?.DeepClone());
                yield return changed.ToJsonString();
            }
        }

        var text = sample.ToJsonString();
        foreach (var name in new[] { "schema", "eventId", "eventTime", "userId", "data", "sku", "price", "items", "quantity", "deviceId", "lineage", "source" })
        {
            var at = text.IndexOf($"\"{name}\":", StringComparison.Ordinal);
            if (at >= 0) yield return string.Concat(text.AsSpan(0, at + 1), $"\\u{(int)name[0]:x4}", text.AsSpan(at + 2));
        }
    }

    private static void Paths(JsonNode node, int[] at, List<int[]> paths)
    {
        var children = node switch
        {
            JsonObject o => o.Select(p => p.Value).ToList(),
            JsonArray a => a.ToList(),
            _ => [],
        };
        for (var i = 0; i < children.Count; i++)
        {
            int[] path = [.. at, i];
            paths.Add(path);
            if (children[i] is { } child) Paths(child, path, paths);
        }
    }

    private static (JsonNode Parent, int Index) Locate(JsonNode root, int[] path)
    {
        var node = root;
        foreach (var i in path[..^1]) node = node is JsonObject o ? o.ElementAt(i).Value! : node.AsArray()[i]!;
        return (node, path[^1]);
    }

    private static void Remove(JsonNode root, int[] path)
    {
        var (parent, index) = Locate(root, path);
        if (parent is JsonObject o) o.Remove(o.ElementAt(index).Key);
        else parent.AsArray().RemoveAt(index);
    }

    private static void Replace(JsonNode root, int[] path, JsonNode? value)
    {
        var (parent, index) = Locate(root, path);
        if (parent is JsonObject o) o[o.ElementAt(index).Key] = value;
        else parent.AsArray()[index] = value;
    }
}
