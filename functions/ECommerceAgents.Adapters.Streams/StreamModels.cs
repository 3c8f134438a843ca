using System.Text.Json.Serialization;

namespace ECommerceAgents.Adapters.Streams;

// Kinesis Data Streams (Kinesis_20131202) and Firehose (Firehose_20150804) JSON shapes, PascalCase as on the wire.

public sealed record PutRecordsRequestEntry(byte[] Data, string PartitionKey)
{
    public string? ExplicitHashKey { get; init; }
}

public sealed record PutRecordsRequest(string StreamName, IReadOnlyList<PutRecordsRequestEntry> Records);

/// <summary>One record's result: a sequence number and shard, or an error.</summary>
public sealed record PutRecordsResultEntry(string? SequenceNumber = null, string? ShardId = null, string? ErrorCode = null, string? ErrorMessage = null);

public sealed record PutRecordsResponse
{
    public int FailedRecordCount { get; init; }

    public IReadOnlyList<PutRecordsResultEntry> Records { get; init; } = [];
}

/// <summary>The first page names the stream; the next ones carry only the token.</summary>
public sealed record ListShardsRequest(string? StreamName = null, string? NextToken = null);

public sealed record Shard([property: JsonRequired] string ShardId, string? ParentShardId = null, SequenceNumberRange? SequenceNumberRange = null)
{
    /// <summary>The second parent of a shard made by MergeShards.</summary>
    public string? AdjacentParentShardId { get; init; }
}

public sealed record SequenceNumberRange(string? StartingSequenceNumber = null, string? EndingSequenceNumber = null);

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

/// <summary>A record read from a shard; <paramref name="ApproximateArrivalTimestamp"/> is in epoch seconds with a fraction.</summary>
public sealed record StreamRecord(
    [property: JsonRequired] string SequenceNumber,
    [property: JsonRequired] byte[] Data,
    [property: JsonRequired] string PartitionKey,
    double ApproximateArrivalTimestamp = 0,
    string? EncryptionType = null);

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

public sealed record DescribeStreamSummaryResponse([property: JsonRequired] StreamDescriptionSummary StreamDescriptionSummary);

public sealed record StreamDescriptionSummary([property: JsonRequired] string StreamName, [property: JsonRequired] string StreamStatus, string? StreamARN = null, int OpenShardCount = 0);

public sealed record EmptyResponse;

public sealed record FirehoseRecord(ReadOnlyMemory<byte> Data);

public sealed record PutRecordBatchRequest(string DeliveryStreamName, IReadOnlyList<FirehoseRecord> Records);

/// <summary>One record's result: its id, or an error.</summary>
public sealed record PutRecordBatchResponseEntry(string? RecordId = null, string? ErrorCode = null, string? ErrorMessage = null);

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
