using System.Text;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Domain.Tests.Batch;

/// <summary>The enriched zone's partition keys, read from the <c>partition</c> object StreamProcessor writes into each record.</summary>
public sealed class EnrichedPartitionKeysTests
{
    private static ReadOnlyMemory<byte> Record(string partition) =>
        Encoding.UTF8.GetBytes($"{{\"eventId\":\"e1\",\"type\":\"purchase\",\"data\":{{\"zone\":\"not-this\"}},\"partition\":{partition}}}");

    [Fact]
    public void Keys_FromThePartitionObject_InThePrefixOrder()
    {
        var keys = ZoneLayout.EnrichedPartitionKeys(Record("{\"zone\":\"bots\",\"type\":\"purchase\",\"dt\":\"2026-12-04\",\"hr\":\"07\"}"));

        Assert.Equal(["zone", "type", "dt", "hr"], ZoneLayout.EnrichedPartitionKeyNames);
        Assert.Equal(["bots", "purchase", "2026-12-04", "07"], ZoneLayout.EnrichedPartitionKeyNames.Select(k => keys[k]));
    }

    [Theory]
    [InlineData("{\"zone\":\"events\",\"type\":\"purchase\",\"dt\":\"2026-12-04\"}", "partition.hr is missing")]
    [InlineData("{\"zone\":\"events\",\"type\":\"a/b\",\"dt\":\"2026-12-04\",\"hr\":\"07\"}", "partition.type 'a/b' is not a single path segment")]
    [InlineData("{\"zone\":\"events\",\"type\":\"..\",\"dt\":\"2026-12-04\",\"hr\":\"07\"}", "partition.type '..' is not a single path segment")]
    [InlineData("{\"zone\":\"events\",\"type\":\"purchase\",\"dt\":7,\"hr\":\"07\"}", "partition.dt is missing or not a string")]
    [InlineData("{\"zone\":\"raw\",\"type\":\"purchase\",\"dt\":\"2026-12-04\",\"hr\":\"07\"}", "partition.zone 'raw' is neither events nor bots")]
    [InlineData("[]", "the record has no partition object")]
    public void BadPartition_FormatExceptionNamingTheKey(string partition, string reason)
    {
        var ex = Assert.Throws<FormatException>(() => ZoneLayout.EnrichedPartitionKeys(Record(partition)));

        Assert.StartsWith(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NotJson_FormatException()
    {
        var ex = Assert.Throws<FormatException>(() => ZoneLayout.EnrichedPartitionKeys("{\"partition\":"u8.ToArray()));

        Assert.StartsWith("the record is not JSON", ex.Message, StringComparison.Ordinal);
    }
}
