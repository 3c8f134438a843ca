using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>
/// A consent item: the subject key (<c>userId</c>: a user id, or <c>anon#</c> and an anonymous id), one BOOL per purpose
/// set (absent: never set, the default applies), where the sale/share choice came from, and when it last changed.
/// Both the API's consent requests and StreamProcessor's GPC opt-outs write it with UpdateItem, purpose by purpose, so
/// neither overwrites the other's choices.
/// </summary>
internal static class ConsentItems
{
    private const string AnonymousPrefix = "anon#";

    public static ConsentRecord Read(Dictionary<string, AttributeValue> item) => new(item["userId"].S,
        item.TryGetValue("updatedAt", out var at) ? DateTimeOffset.Parse(at.S, CultureInfo.InvariantCulture) : default)
    {
        Analytics = Bool(item, "analytics"),
        Personalisation = Bool(item, "personalisation"),
        Marketing = Bool(item, "marketing"),
        SaleShare = Bool(item, "saleShare"),
        SaleShareSource = item.TryGetValue("saleShareSource", out var source) ? source.S : null,
    };

    /// <summary>Files a consent item in the snapshot: by user id, or by anonymous id.</summary>
    public static void Absorb(StateSnapshot snapshot, Dictionary<string, AttributeValue> item)
    {
        var consent = Read(item);
        if (consent.Subject.StartsWith(AnonymousPrefix, StringComparison.Ordinal)) snapshot.AnonymousConsents[consent.Subject[AnonymousPrefix.Length..]] = consent;
        else snapshot.Consents[consent.Subject] = consent;
    }

    /// <summary>An UpdateItem that sets the purposes <paramref name="change"/> sets (and the time), leaving the others as stored.</summary>
    public static UpdateItemRequest Update(string table, ConsentRecord change)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var values = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        var sets = new List<string>();
        void Set(string attribute, AttributeValue value)
        {
            var n = "#a" + sets.Count;
            names[n] = attribute;
            values[":v" + sets.Count] = value;
            sets.Add($"{n} = :v{sets.Count}");
        }

        if (change.Analytics is { } analytics) Set("analytics", new AttributeValue { BOOL = analytics });
        if (change.Personalisation is { } personalisation) Set("personalisation", new AttributeValue { BOOL = personalisation });
        if (change.Marketing is { } marketing) Set("marketing", new AttributeValue { BOOL = marketing });
        if (change.SaleShare is { } saleShare) Set("saleShare", new AttributeValue { BOOL = saleShare });
        if (change.SaleShareSource is { } source) Set("saleShareSource", new AttributeValue { S = source });
        Set("updatedAt", new AttributeValue { S = change.UpdatedAt.ToString("O", CultureInfo.InvariantCulture) });
        return new UpdateItemRequest
        {
            TableName = table,
            Key = new Dictionary<string, AttributeValue> { ["userId"] = new() { S = change.Subject } },
            UpdateExpression = "SET " + string.Join(", ", sets),
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
            ReturnValues = ReturnValue.ALL_NEW,
        };
    }

    private static bool? Bool(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.IsBOOLSet ? value.BOOL : null;
}
