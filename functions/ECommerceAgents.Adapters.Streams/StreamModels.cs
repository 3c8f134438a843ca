using System.Text.Json.Serialization;

namespace ECommerceAgents.Adapters.Streams;

// Kinesis Data Streams (Kinesis_20131202) and Firehose (Firehose_20150804) JSON shapes, PascalCase as on the wire.

public sealed record PutRecordsRequestEntry(byte[] Data, string PartitionKey)
{
    public string? ExplicitHashKey { get; init; }
}

public sealed record PutRecordsRequest(string StreamName, IReadOnlyList<PutRecordsRequestEntry> Records);

public sealed record PutRecordsResultEntry
{
    public string? SequenceNumber { get; init; }

    public string? ShardId { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }
}

public sealed record PutRecordsResponse
{
    public int FailedRecordCount { get; init; }

    public IReadOnlyList<PutRecordsResultEntry> Records { get; init; } = [];
}

public sealed record ListShardsRequest
{
    public string? StreamName { get; init; }

    public string? NextToken { get; init; }
}

public sealed record Shard
{
    public required string ShardId { get; init; }

    public string? ParentShardId { get; init; }

    public SequenceNumberRange? SequenceNumberRange { get; init; }
}

public sealed record SequenceNumberRange
{
    public string? StartingSequenceNumber { get; init; }

    public string? EndingSequenceNumber { get; init; }
}

public sealed record ListShardsResponse
{
    public IReadOnlyList<Shard> Shards { get; init; } = [];

    public string? NextToken { get; init; }
}

public sealed record GetShardIteratorRequest(string StreamName, string ShardId, string ShardIteratorType)
{
    public string? StartingSequenceNumber { get; init; }

    /// <summary>Epoch seconds, for <c>AT_TIMESTAMP</c>.</summary>
    public double? Timestamp { get; init; }
}

public sealed record GetShardIteratorResponse
{
    public string? ShardIterator { get; init; }
}

public sealed record GetRecordsRequest(string ShardIterator)
{
    public int? Limit { get; init; }
}

public sealed record StreamRecord
{
    public required string SequenceNumber { get; init; }

    /// <summary>Epoch seconds with a fraction.</summary>
    public double ApproximateArrivalTimestamp { get; init; }

    public required byte[] Data { get; init; }

    public required string PartitionKey { get; init; }

    public string? EncryptionType { get; init; }
}

public sealed record GetRecordsResponse
{
    public IReadOnlyList<StreamRecord> Records { get; init; } = [];

    /// <summary>Null once a closed shard is read to its end.</summary>
    public string? NextShardIterator { get; init; }

    public long? MillisBehindLatest { get; init; }
}

public sealed record CreateStreamRequest(string StreamName)
{
    public int? ShardCount { get; init; }
}

public sealed record StreamNameRequest(string StreamName);

public sealed record DescribeStreamSummaryResponse
{
    public required StreamDescriptionSummary StreamDescriptionSummary { get; init; }
}

public sealed record StreamDescriptionSummary
{
    public required string StreamName { get; init; }

    public string? StreamARN { get; init; }

    public required string StreamStatus { get; init; }

    public int OpenShardCount { get; init; }
}

public sealed record EmptyResponse;

public sealed record FirehoseRecord(ReadOnlyMemory<byte> Data);

public sealed record PutRecordBatchRequest(string DeliveryStreamName, IReadOnlyList<FirehoseRecord> Records);

public sealed record PutRecordBatchResponseEntry
{
    public string? RecordId { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }
}

public sealed record PutRecordBatchResponse
{
    public int FailedPutCount { get; init; }

    public bool Encrypted { get; init; }

    public IReadOnlyList<PutRecordBatchResponseEntry> RequestResponses { get; init; } = [];
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PutRecordsRequest))]
[JsonSerializable(typeof(PutRecordsResponse))]
[JsonSerializable(typeof(ListShardsRequest))]
[JsonSerializable(typeof(ListShardsResponse))]
[JsonSerializable(typeof(GetShardIteratorRequest))]
[JsonSerializable(typeof(GetShardIteratorResponse))]
[JsonSerializable(typeof(GetRecordsRequest))]
[JsonSerializable(typeof(GetRecordsResponse))]
[JsonSerializable(typeof(CreateStreamRequest))]
[JsonSerializable(typeof(StreamNameRequest))]
[JsonSerializable(typeof(DescribeStreamSummaryResponse))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(PutRecordBatchRequest))]
[JsonSerializable(typeof(PutRecordBatchResponse))]
public sealed partial class StreamsJsonContext : JsonSerializerContext;
