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

/// <summary>The <see cref="Streams.Events"/> stream: on demand, encrypted with the platform key.</summary>
public sealed class EventStream : Construct
{
    public EventStream(Construct scope, string id, EventStreamProps props) : base(scope, id)
    {
        Stream = new Stream(this, "Stream", new StreamProps
        {
            StreamMode = StreamMode.ON_DEMAND,
            Encryption = StreamEncryption.KMS,
            EncryptionKey = props.Key,
            RetentionPeriod = Duration.Hours(props.Stage.KinesisRetentionHours),
            RemovalPolicy = props.Stage.RemovalPolicy,
        });
    }

    public static StreamDefinition Definition => Streams.Events;

    public Stream Stream { get; }
}
