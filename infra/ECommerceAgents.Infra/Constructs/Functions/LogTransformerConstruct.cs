using Amazon.CDK;
using Constructs;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs.Functions;

public sealed class LogTransformerConstructProps
{
    public required FunctionPlatform Platform { get; init; }

    public required DeliveryStreamNames Firehose { get; init; }
}

/// <summary>
/// The logs delivery stream's transformation: normalises, masks and partitions log records. Output over Lambda's 6 MB
/// response limit goes back into the same stream with PutRecordBatch, so it may write to that one stream only.
/// </summary>
public sealed class LogTransformerConstruct : Construct
{
    public LogTransformerConstruct(Construct scope, string id, LogTransformerConstructProps props) : base(scope, id)
    {
        Handler = new PlatformFunction(this, "Handler", new PlatformFunctionProps
        {
            Name = "LogTransformer",
            Description = "Firehose transformation for service logs: normalise, mask PII and secrets, partition",
            Platform = props.Platform,
            MemoryMb = 1024,
            // Firehose allows a transformation up to 5 minutes; a 1 MB buffer takes well under a second.
            Timeout = Duration.Minutes(2),
        });
        Handler.Firehose(DeliveryStreams.Logs, props.Firehose);
    }

    public PlatformFunction Handler { get; }
}
