using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Constructs;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Infra.Constructs.Functions;

public sealed class SearchIndexerConstructProps
{
    public required FunctionPlatform Platform { get; init; }

    public required DataLake Lake { get; init; }

    public required FailedInvocations Failures { get; init; }

    public Duration ScheduleInterval { get; init; } = Duration.Hours(1);
}

/// <summary>
/// Search outbox in the processed zone → OpenSearch <c>_bulk</c> (products, daily-metrics). Without an endpoint it
/// writes <c>_bulk</c> NDJSON to the search export prefix. Rejected documents go to the quarantine.
/// </summary>
public sealed class SearchIndexerConstruct : Construct
{
    public SearchIndexerConstruct(Construct scope, string id, SearchIndexerConstructProps props) : base(scope, id)
    {
        var processed = props.Lake[Buckets.Processed];
        var quarantine = props.Lake[Buckets.Quarantine];
        Handler = new PlatformFunction(this, "Handler", new PlatformFunctionProps
        {
            Name = "SearchIndexer",
            Description = "Search outbox → OpenSearch _bulk (products, daily-metrics); NDJSON export without an endpoint",
            Platform = props.Platform,
            MemoryMb = 512,
            Timeout = Duration.Minutes(5),
            InVpc = true,
        });

        Handler
            .Bucket(Buckets.Processed, processed)
            .ReadObjects(processed, ZoneLayout.SearchOutbox + "*")
            .PutObjects(processed, ZoneLayout.SearchExport + "*")
            .Bucket(Buckets.Quarantine, quarantine)
            .PutObjects(quarantine, ZoneLayout.Quarantine + "*")
            // HEAD checks whether an index exists before creating it (PUT); _bulk and _refresh are POSTs.
            .OpenSearch("es:ESHttpHead", "es:ESHttpGet", "es:ESHttpPut", "es:ESHttpPost");

        props.Failures.Receive(Handler.Function, Duration.Hours(6));
        var target = new LambdaFunction(Handler.Function, new LambdaFunctionProps { RetryAttempts = 4, MaxEventAge = Duration.Hours(6), DeadLetterQueue = props.Failures.Queue });
        Outbox = props.Lake.ObjectCreatedRule(this, "Outbox", Buckets.Processed, ZoneLayout.SearchOutbox, target, "Search outbox object written: index it");
        Schedule = new Rule(this, "Schedule", new RuleProps
        {
            Description = "Re-drive the search outbox and refresh the daily-metrics index",
            Schedule = Amazon.CDK.AWS.Events.Schedule.Rate(props.ScheduleInterval),
            Targets = [target],
        });
    }

    public PlatformFunction Handler { get; }

    public Rule Outbox { get; }

    public Rule Schedule { get; }
}
