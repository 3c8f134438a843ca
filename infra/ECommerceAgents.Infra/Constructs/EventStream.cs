using Amazon.CDK;
using Amazon.CDK.AWS.Kinesis;
using Amazon.CDK.AWS.KMS;
using Constructs;
using Stream = Amazon.CDK.AWS.Kinesis.Stream;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs;

public sealed class EventStreamProps
{
    public required StageConfig Stage { get; init; }

    public required IKey Key { get; init; }
}

/// <summary>
/// The <see cref="Streams.Events"/> stream, encrypted with the platform key: on demand, or provisioned with the stage's
/// shard count (<see cref="StageConfig.KinesisShards"/>). Kinesis has no native auto scaling for provisioned streams:
/// UpdateShardCount resizes them (at most doubling or halving per call, and a limited number of times per rolling 24 hours).
/// </summary>
public sealed class EventStream : Construct
{
    public EventStream(Construct scope, string id, EventStreamProps props) : base(scope, id)
    {
        var shards = props.Stage.KinesisShards;
        Stream = new Stream(this, "Stream", new StreamProps
        {
            StreamMode = shards is null ? StreamMode.ON_DEMAND : StreamMode.PROVISIONED,
            ShardCount = shards,
            Encryption = StreamEncryption.KMS,
            EncryptionKey = props.Key,
            RetentionPeriod = Duration.Hours(props.Stage.KinesisRetentionHours),
            RemovalPolicy = props.Stage.RemovalPolicy,
        });
    }

    public static StreamDefinition Definition => Streams.Events;

    public Stream Stream { get; }
}
