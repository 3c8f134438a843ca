namespace ECommerceAgents.Resources;

/// <summary>DynamoDB attribute types used in keys, by DynamoDB's own codes (S = string, N = number).</summary>
public enum KeyType
{
    S,
    N,
}

public sealed record KeyField(string Name, KeyType Type = KeyType.S);

public sealed record IndexDefinition(string Name, KeyField PartitionKey, KeyField? SortKey = null);

/// <summary>
/// One DynamoDB table: the logical id, its keys, indexes and TTL attribute, and whether point-in-time recovery keeps
/// its backups (off only where a backup must not outlive an erasure). Physical names come from <see cref="ResourceBindings"/>.
/// </summary>
public sealed record TableDefinition(
    string Id,
    string Purpose,
    KeyField PartitionKey,
    KeyField? SortKey = null,
    string? TtlAttribute = null,
    IReadOnlyList<IndexDefinition>? Indexes = null,
    bool PointInTimeRecovery = true)
{
    public IReadOnlyList<IndexDefinition> GlobalIndexes => Indexes ?? [];

    /// <summary>Name of the environment variable a function reads this table's physical name from.</summary>
    public string EnvironmentVariable => SettingNames.Prefix + "TABLE_" + Id.ToUpperInvariant().Replace('-', '_');
}

/// <summary>
/// S3 lifecycle for a zone. Null means the rule is absent. Glacier Instant Retrieval keeps objects readable by a plain
/// GET (no restore), so the batch can still read and rewrite them (erasure, backfills).
/// </summary>
public sealed record Lifecycle(int? InfrequentAccessAfterDays = null, int? GlacierAfterDays = null, int? ExpireAfterDays = null, int? GlacierInstantAfterDays = null);

public sealed record BucketDefinition(string Id, string Purpose, Lifecycle Lifecycle, bool HoldsRawPii)
{
    public string EnvironmentVariable => SettingNames.Prefix + "BUCKET_" + Id.ToUpperInvariant().Replace('-', '_');
}

public sealed record StreamDefinition(string Id, string Purpose)
{
    public string EnvironmentVariable => SettingNames.Prefix + "STREAM_" + Id.ToUpperInvariant().Replace('-', '_');
}

/// <summary>
/// A Firehose delivery stream. Prefixes are Firehose's own templates (<c>!{partitionKeyFromLambda:x}</c>,
/// <c>!{timestamp:…}</c>, <c>!{firehose:…}</c>), used verbatim by the CDK app and evaluated by the local stand-in.
/// <paramref name="TransformedByLambda"/> is Firehose's Lambda processor (LogTransformer), which also returns the
/// partition keys; it runs after the deaggregation, on each sub-record. Objects are GZIP; <paramref name="AppendNewline"/> is Firehose's
/// AppendDelimiterToRecord processor, so each object is newline-delimited records. <paramref name="SubRecordDelimiter"/>
/// is Firehose's multi-record deaggregation (the RecordDeAggregation processor, DELIMITED): a producer may pack up to
/// 500 records into one Firehose record, separated by it, and each is transformed, partitioned and delivered as its own
/// record.
/// </summary>
public sealed record DeliveryStreamDefinition(
    string Id,
    string Purpose,
    BucketDefinition Destination,
    string Prefix,
    string ErrorPrefix,
    DeliverySource Source,
    bool TransformedByLambda = false,
    int BufferSeconds = 60,
    int BufferMegabytes = 64,
    bool AppendNewline = true,
    string? SubRecordDelimiter = null)
{
    public string EnvironmentVariable => SettingNames.Prefix + "FIREHOSE_" + Id.ToUpperInvariant().Replace('-', '_');
}

public enum DeliverySource
{
    /// <summary>Firehose reads the Kinesis stream itself.</summary>
    KinesisStream,

    /// <summary>Producers call PutRecordBatch.</summary>
    DirectPut,
}
