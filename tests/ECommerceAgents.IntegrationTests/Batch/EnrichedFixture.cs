using System.Globalization;
using System.Text.Json;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;

namespace ECommerceAgents.IntegrationTests.Batch;

/// <summary>Hand-written enriched events (what StreamProcessor would have written), for fixtures whose numbers are checked by hand.</summary>
internal static class EnrichedFixture
{
    public static EnrichedEvent Event(string type, string time, string? user = null, string? anonymous = null, string? session = null, EventData? data = null, string? id = null)
    {
        var at = DateTimeOffset.Parse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var p = PartitionId.At(type, at);
        data ??= new EventData();
        return new EnrichedEvent(
            id ?? Guid.NewGuid().ToString(), $"com.ecommerceagents/{type}/1-0-0", type,
            Context: new EnrichedContext { DeviceType = "desktop", Browser = "Chrome", Os = "Linux" },
            Data: data,
            Enrichment: new EventEnrichment { Intent = "browsing", Engagement = 1 },
            Lineage: new Lineage { Source = "api", ArrivalTime = at.AddSeconds(1), ProcessingTime = at.AddSeconds(2), PipelineVersion = "1.0.0", Steps = ["validate"], ShardId = "shardId-000000000001", SequenceNumber = "1" },
            Partition: new PartitionInfo("events", type, p.Dt, p.Hr),
            EventTime: at, UserId: user, AnonymousId: anonymous, ResolvedUserId: user, SessionId: session, OrderId: data.OrderId, Sku: data.Sku);
    }

    public static byte[] Line(EnrichedEvent e) => JsonSerializer.SerializeToUtf8Bytes(e, EnrichedEventJsonContext.Default.EnrichedEvent);

    /// <summary>Writes the events to the enriched zone as Firehose would: one GZIP NDJSON object per partition.</summary>
    public static async Task WriteAsync(Amazon.S3.IAmazonS3 s3, string bucket, IEnumerable<EnrichedEvent> events, string objectName = "fixture-1.gz")
    {
        foreach (var group in events.GroupBy(e => $"events/type={e.Type}/dt={e.Partition.Dt}/hr={e.Partition.Hr}/"))
        {
            var body = Gzip.Compress(Gzip.JoinLines(group.Select(e => (ReadOnlyMemory<byte>)Line(e))));
            using var stream = new MemoryStream(body);
            await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = bucket, Key = group.Key + objectName, InputStream = stream });
        }
    }
}
