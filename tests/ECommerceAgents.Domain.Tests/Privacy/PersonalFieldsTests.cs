using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.Domain.Tests.Privacy;

public sealed class PersonalFieldsTests
{
    /// <summary>
    /// The fields the door encrypts, as the schemas mark them. A field added to a schema that holds personal data must
    /// be marked and added here; one unmarked goes to the stream in clear.
    /// </summary>
    [Fact]
    public void Registry_MarksThePersonalFields_AsPinned()
    {
        var fields = PersonalFields.Default.All.Select(f => $"{f.Schema} {f.Path} {f.Kind}").ToArray();

        Assert.Equal(
        [
            "custom_event $.data.properties free-text",
            "envelope $.anonymousId identifier",
            "envelope $.context.deviceId device",
            "envelope $.context.email contact",
            "envelope $.context.ip network",
            "envelope $.userId identifier",
            "group $.data.groupId identifier",
            "group $.data.properties free-text",
            "order_cancelled $.data.reason free-text",
            "order_refunded $.data.reason free-text",
            "search $.data.query free-text",
        ], fields);
    }

    [Fact]
    public void EnvelopeLookup_FindsNestedAndRootFields_Only()
    {
        var fields = PersonalFields.Default;

        Assert.True(fields.IsEnvelopeField([], "userId"u8));
        Assert.True(fields.IsEnvelopeField("context"u8, "email"u8));
        Assert.False(fields.IsEnvelopeField([], "email"u8));
        Assert.False(fields.IsEnvelopeField("context"u8, "locale"u8));
        Assert.Equal(["query"], fields.DataFields("search")!.Select(n => System.Text.Encoding.UTF8.GetString(n)));
        Assert.Null(fields.DataFields("page_view"));
    }
}
