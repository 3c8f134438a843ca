using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.Domain.Tests.Builders;

namespace ECommerceAgents.Domain.Tests.Ingest;

/// <summary>The client IP a browser key's request is stamped with replaces each message's context.ip; without one, the message's own is kept.</summary>
public sealed class SegmentClientIpTests
{
    private const string Body = """
        {"batch":[
          {"type":"track","event":"Product Viewed","anonymousId":"a-1","messageId":"m-1","context":{"ip":"203.0.113.7","locale":"fr-FR"}},
          {"type":"page","anonymousId":"a-1","messageId":"m-2","properties":{"url":"https://shop.example/"}}
        ]}
        """;

    [Fact]
    public void Map_ClientIp_ReplacesEveryMessagesContextIp_KeepsTheRest()
    {
        var batch = SegmentMapping.Map(Encoding.UTF8.GetBytes(Body), "batch", "key-1", EventBuilder.Now, clientIp: "198.51.100.4");

        var events = JsonNode.Parse(batch.Envelopes)!.AsArray();
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("198.51.100.4", e!["context"]!["ip"]!.GetValue<string>()));
        Assert.Equal("fr-FR", events[0]!["context"]!["locale"]!.GetValue<string>());
    }

    [Fact]
    public void Map_NoClientIp_MessagesIpKept_AndNoneAddedWhereAbsent()
    {
        var batch = SegmentMapping.Map(Encoding.UTF8.GetBytes(Body), "batch", "key-1", EventBuilder.Now);

        var events = JsonNode.Parse(batch.Envelopes)!.AsArray();
        Assert.Equal("203.0.113.7", events[0]!["context"]!["ip"]!.GetValue<string>());
        Assert.Null(events[1]!["context"]?["ip"]);
    }
}
