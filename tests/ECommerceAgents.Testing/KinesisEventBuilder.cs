using System.Globalization;
using System.Text.Json;
using ECommerceAgents.Lambda.Events;

namespace ECommerceAgents.Testing;

/// <summary>Builds Lambda-shaped Kinesis events from record payloads, with stable sequence numbers per shard.</summary>
public sealed class KinesisEventBuilder(string shardId = "shardId-000000000001", string streamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/test")
{
    private readonly List<KinesisEventRecord> _records = [];
    private long _next = 49_000_000_000L;

    public string ShardId => shardId;

    public IReadOnlyList<KinesisEventRecord> Records => _records;

    /// <summary>Appends a record with the next sequence number (records keep their numbers in every event built from them).</summary>
    public KinesisEventRecord Add(byte[] data, string partitionKey, DateTimeOffset? arrival = null) => AddWire(KinesisRecord.Encode(data), partitionKey, arrival);

    /// <summary>Appends a record whose <c>data</c> is the given wire text as is (base64 or not: a hand-made event).</summary>
    public KinesisEventRecord AddWire(string data, string partitionKey, DateTimeOffset? arrival = null)
    {
        var sequence = (_next += 1000).ToString(CultureInfo.InvariantCulture).PadLeft(56, '4');
        var record = new KinesisEventRecord
        {
            Kinesis = new KinesisRecord
            {
                PartitionKey = partitionKey,
                SequenceNumber = sequence,
                Data = data,
                ApproximateArrivalTimestamp = (arrival ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds() / 1000.0,
            },
            EventId = $"{shardId}:{sequence}",
            AwsRegion = "us-east-1",
            EventSourceArn = streamArn,
        };
        _records.Add(record);
        return record;
    }

    public static byte[] Event(IEnumerable<KinesisEventRecord> records) =>
        JsonSerializer.SerializeToUtf8Bytes(new KinesisEvent { Records = records.ToArray() }, LambdaEventsJsonContext.Default.KinesisEvent);

    public byte[] Event(Range range) => Event(_records.Take(range));
}
