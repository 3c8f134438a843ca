// Stands in for Amazon.Lambda.KinesisFirehoseEvents (not served to this build).
using System.Text.Json.Serialization;

namespace ECommerceAgents.Lambda.Events;

/// <summary>Firehose data-transformation input.</summary>
public sealed record FirehoseTransformationEvent
{
    public required string InvocationId { get; init; }

    public string? DeliveryStreamArn { get; init; }

    public string? SourceKinesisStreamArn { get; init; }

    public string? Region { get; init; }

    public required IReadOnlyList<FirehoseInputRecord> Records { get; init; }
}

public sealed record FirehoseInputRecord
{
    public required string RecordId { get; init; }

    /// <summary>Epoch milliseconds.</summary>
    public long ApproximateArrivalTimestamp { get; init; }

    public required byte[] Data { get; init; }
}

/// <summary>Firehose data-transformation output: exactly one record per input <c>recordId</c>.</summary>
public sealed record FirehoseTransformationResponse
{
    public required IReadOnlyList<FirehoseOutputRecord> Records { get; init; }
}

public sealed record FirehoseOutputRecord
{
    public required string RecordId { get; init; }

    public required string Result { get; init; }

    /// <summary>Base64 on the wire; for <c>Dropped</c> it may be empty.</summary>
    public required byte[] Data { get; init; }

    public FirehoseRecordMetadata? Metadata { get; init; }
}

public sealed record FirehoseRecordMetadata
{
    public required IReadOnlyDictionary<string, string> PartitionKeys { get; init; }
}

/// <summary>The three results Firehose accepts from a transformation.</summary>
public static class FirehoseResult
{
    public const string Ok = "Ok";
    public const string Dropped = "Dropped";

    /// <summary>Firehose writes the record to the error prefix and does not retry it.</summary>
    public const string ProcessingFailed = "ProcessingFailed";

    public static bool IsKnown(string? result) => result is Ok or Dropped or ProcessingFailed;
}
