using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Validation;
using NJsonSchema;

namespace ECommerceAgents.Domain.Tests.Validation;

/// <summary>
/// Our streaming validator against NJsonSchema, a well-kept implementation, on the same schema files: for valid events
/// and for thousands of mutations of them, both must agree on valid versus invalid, and on the paths at fault.
/// </summary>
public sealed class ValidatorDifferentialTests
{
    private static readonly Dictionary<string, JsonSchema> Reference = SchemaRegistry.Default.All
        .Where(e => e.Key.Name != "envelope")
        .ToDictionary(e => e.Key.Name, e => JsonSchema.FromJsonAsync(e.Document.GetRawText()).GetAwaiter().GetResult());

    public static TheoryData<string> Types() => [.. EventTypes.All];

    [Theory]
    [MemberData(nameof(Types))]
    public void DataSchema_MutatedValues_SameVerdictAsNJsonSchema(string type)
    {
        var entry = SchemaRegistry.Default.All.Single(e => e.Key.Name == type);
        var samples = Samples(type);
        var random = new Random(type.GetHashCode(StringComparison.Ordinal) & 0xFFFF);
        var validator = new StreamingValidator();
        var compared = 0;
        foreach (var sample in samples)
        {
            foreach (var mutated in Mutations(sample, random).Prepend(sample))
            {
                var text = mutated.ToJsonString();
                validator.Reset("$");
                validator.Validate(System.Text.Encoding.UTF8.GetBytes(text), entry.Compiled);
                var ours = validator.Violations.Select(v => v.Path).ToHashSet();
                var theirs = Reference[type].Validate(text).Select(e => "$" + (e.Path ?? "").Replace("#/", ".", StringComparison.Ordinal).Replace("/", ".", StringComparison.Ordinal)).ToHashSet();

                Assert.True(ours.Count == 0 == (theirs.Count == 0), $"{type}: {text}\nours: {string.Join(", ", ours)}\nNJsonSchema: {string.Join(", ", theirs)}");
                compared++;
            }
        }

        Assert.True(compared >= 20, $"only {compared} documents compared for {type}");
    }

    private static List<JsonObject> Samples(string type)
    {
        var generator = new Local.Traffic.TrafficGenerator(new Local.Traffic.TrafficOptions { Events = 3000, End = EventBuilder.Now, MalformedRate = 0, SchemaViolationRate = 0, DuplicateRate = 0, Seed = 11 });
        var found = generator.Generate().Where(r => r.Type == type).Take(10).Select(r => JsonNode.Parse(r.Data)!["data"]!.AsObject()).ToList();
        if (found.Count == 0)
        {
            found.Add(type switch
            {
                EventTypes.ProductUpserted => new JsonObject { ["sku"] = "SKU-9", ["title"] = "Lamp", ["category"] = "home", ["price"] = 25.5, ["currency"] = "EUR", ["stock"] = 4 },
                EventTypes.RemoveFromCart => new JsonObject { ["sku"] = "SKU-9", ["quantity"] = 1 },
                EventTypes.OrderCancelled => new JsonObject { ["orderId"] = "o-9", ["reason"] = "late" },
                EventTypes.OrderRefunded => new JsonObject { ["orderId"] = "o-9", ["amount"] = 5, ["currency"] = "EUR" },
                EventTypes.ProductListViewed => new JsonObject { ["listId"] = "deals", ["category"] = "home", ["currency"] = "EUR", ["itemCount"] = 2, ["items"] = new JsonArray(new JsonObject { ["sku"] = "SKU-1", ["price"] = 3 }, new JsonObject { ["sku"] = "SKU-2", ["category"] = "home" }) },
                EventTypes.ProductClicked => new JsonObject { ["sku"] = "SKU-9", ["category"] = "home", ["brand"] = "Acme", ["price"] = 25.5, ["currency"] = "EUR", ["listId"] = "deals", ["title"] = "Lamp" },
                EventTypes.CartViewed => new JsonObject { ["cartValue"] = 12.5, ["currency"] = "EUR", ["itemCount"] = 1, ["items"] = new JsonArray(new JsonObject { ["sku"] = "SKU-1", ["quantity"] = 1, ["price"] = 12.5 }) },
                EventTypes.ScreenView => new JsonObject { ["name"] = "Home", ["category"] = "app" },
                EventTypes.Group => new JsonObject { ["groupId"] = "acme-corp", ["properties"] = """{"plan":"pro"}""" },
                EventTypes.CustomEvent => new JsonObject { ["name"] = "Coupon Applied", ["properties"] = """{"coupon":"X1"}""", ["orderId"] = "o-9", ["sku"] = "SKU-9" },
                _ => throw new InvalidOperationException("no sample for " + type),
            });

            // Two fields give too few mutations from one sample: a second one for the small schemas.
            if (type == EventTypes.ScreenView) found.AddRange([new JsonObject { ["name"] = "Checkout" }, new JsonObject { ["name"] = "Cart", ["category"] = "shop" }]);
            if (type == EventTypes.Group) found.AddRange([new JsonObject { ["groupId"] = "g-2" }, new JsonObject { ["groupId"] = "g-3", ["properties"] = "{}" }]);
        }

        return found;
    }

    /// <summary>Type swaps, removals, unknown fields, out-of-range numbers, bad strings: one change per document.</summary>
    private static IEnumerable<JsonObject> Mutations(JsonObject sample, Random random)
    {
        var replacements = new JsonNode?[] { null, "", "x", 0, -1, 1.5, 1e9, true, new JsonArray(), new JsonObject(), "EUR", "abc def", new string('z', 600) };
        foreach (var name in sample.Select(p => p.Key).ToArray())
        {
            var removed = (JsonObject)sample.DeepClone();
            removed.Remove(name);
            yield return removed;
            for (var i = 0; i < 4; i++)
            {
                var changed = (JsonObject)sample.DeepClone();
                changed[name] = replacements[random.Next(replacements.Length)]?.DeepClone();
                yield return changed;
            }
        }

        var extra = (JsonObject)sample.DeepClone();
        extra["unexpected"] = 1;
        yield return extra;
    }
}
