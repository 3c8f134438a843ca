using System.Security.Cryptography;
using System.Text;
using ECommerceAgents.Domain.Tests.Builders;
using ECommerceAgents.Domain.Validation;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Validation;

/// <summary>KPL aggregated records (magic, protobuf, MD5 of the protobuf) are recognised and quarantined, never parsed as events.</summary>
public sealed class KplAggregateTests
{
    private readonly EventParser _parser = new(SchemaRegistry.Default, new FakeTimeProvider(EventBuilder.Now));

    /// <summary>An <c>AggregatedRecord</c> holding the given user records under one partition key, framed as the KPL frames it.</summary>
    private static byte[] Aggregate(params byte[][] records)
    {
        static byte[] Field(int number, byte[] value) => [(byte)((number << 3) | 2), .. Varint(value.Length), .. value];
        static byte[] Varint(int n)
        {
            var bytes = new List<byte>();
            for (; n >= 0x80; n >>= 7) bytes.Add((byte)((n & 0x7F) | 0x80));
            bytes.Add((byte)n);
            return [.. bytes];
        }

        byte[] body = [.. Field(1, Encoding.UTF8.GetBytes("u-1")), .. records.SelectMany(r => Field(3, [0x08, 0x00, .. Field(3, r)]))];
#pragma warning disable CA5351 // the KPL format's checksum
        return [.. KplAggregate.Magic, .. body, .. MD5.HashData(body)];
#pragma warning restore CA5351
    }

    [Fact]
    public void Parse_KplAggregateOfValidEvents_QuarantinedAsKplAggregated()
    {
        var aggregate = Aggregate(EventBuilder.ProductView().Json(), EventBuilder.PageView().Json());

        var rejected = Assert.IsType<RejectedEvent>(_parser.Parse(aggregate));

        Assert.Equal(FailureReason.KplAggregated, rejected.Reason);
        Assert.Equal("kpl_aggregated", rejected.Reason.Name());
        Assert.Contains("de-aggregate", rejected.Violations[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_KplMagicWithAWrongChecksum_NotAnAggregate_InvalidUtf8()
    {
        var aggregate = Aggregate(EventBuilder.ProductView().Json());
        aggregate[^1] ^= 0xFF;

        Assert.False(KplAggregate.Is(aggregate));
        Assert.Equal(FailureReason.InvalidUtf8, Assert.IsType<RejectedEvent>(_parser.Parse(aggregate)).Reason);
    }

    [Fact]
    public void Is_TooShortOrPlainJson_False()
    {
        Assert.False(KplAggregate.Is(KplAggregate.Magic));
        Assert.False(KplAggregate.Is(EventBuilder.ProductView().Json()));
    }
}
