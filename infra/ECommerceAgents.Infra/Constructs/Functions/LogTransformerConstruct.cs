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
/// response limit goes back into the same stream with PutRecordBatch, so it may write to that one stream only. It is
/// also the enriched stream's processor, returning each record's partition keys unchanged (it is told that stream's
/// name, and calls nothing for it).
/// </summary>
public sealed class LogTransformerConstruct : Construct
{
    public LogTransformerConstruct(Construct scope, string id, LogTransformerConstructProps props) : base(scope, id)
    {
        Handler = new PlatformFunction(this, "Handler", new PlatformFunctionProps
        {
            Name = "LogTransformer",
            Description = "Firehose processor: service logs (normalise, mask PII and secrets, partition); enriched events (partition keys)",
            Platform = props.Platform,
            MemoryMb = 1024,
            // Firehose allows a transformation up to 5 minutes; a 1 MB buffer takes well under a second.
            Timeout = Duration.Minutes(2),
        });
        Handler.Firehose(DeliveryStreams.Logs, props.Firehose);
        Handler.Environment(DeliveryStreams.Enriched.EnvironmentVariable, props.Firehose.Name(DeliveryStreams.Enriched));
    }

    public PlatformFunction Handler { get; }
}
