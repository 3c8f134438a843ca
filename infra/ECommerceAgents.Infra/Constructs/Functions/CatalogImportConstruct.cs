using Amazon.CDK;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.Kinesis;
using Constructs;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Infra.Constructs.Functions;

public sealed class CatalogImportConstructProps
{
    public required FunctionPlatform Platform { get; init; }

    public required OperationalTables Tables { get; init; }

    public required DataLake Lake { get; init; }

    public required IStream Events { get; init; }

    public required FailedInvocations Failures { get; init; }
}

/// <summary>
/// S3 "Object Created" (through EventBridge) under <see cref="ZoneLayout.CatalogIncoming"/> in the landing zone → products in DynamoDB, a processed
/// copy and search documents in the processed zone, a report beside the upload, stock deltas on the stream.
/// Reports and copies are written outside the notification prefix, so an import never triggers itself.
/// </summary>
public sealed class CatalogImportConstruct : Construct
{
    public CatalogImportConstruct(Construct scope, string id, CatalogImportConstructProps props) : base(scope, id)
    {
        var landing = props.Lake[Buckets.Landing];
        var processed = props.Lake[Buckets.Processed];
        Handler = new PlatformFunction(this, "Handler", new PlatformFunctionProps
        {
            Name = "CatalogImport",
            Description = "Catalog files (CSV, JSON Lines) → products, search outbox, processed copy, import report",
            Platform = props.Platform,
            MemoryMb = 1024,
            Timeout = Duration.Minutes(15),
            // Changes are spilled to /tmp while a file streams through: a 1M-row file of new products needs ~450 MB.
            EphemeralStorageMb = 2048,
        });

        Handler
            .Table(Tables.Catalog, props.Tables[Tables.Catalog], TableAccess.ReadWrite)
            .Bucket(Buckets.Landing, landing)
            .ReadObjects(landing, ZoneLayout.CatalogIncoming + "*")
            .ReadObjects(landing, ZoneLayout.CatalogReports + "*")
            .PutObjects(landing, ZoneLayout.CatalogReports + "*")
            .Bucket(Buckets.Processed, processed)
            .PutObjects(processed, ZoneLayout.ProcessedCatalog + "*")
            .PutObjects(processed, ZoneLayout.SearchOutbox + "*")
            .Environment(Streams.Events.EnvironmentVariable, props.Events.StreamName);
        props.Events.GrantWrite(Handler.Function);

        // A failed import is retried twice by Lambda, then kept in the failed-invocations queue, never dropped.
        props.Failures.Receive(Handler.Function, Duration.Hours(6));
        Uploads = props.Lake.ObjectCreatedRule(this, "Uploads", Buckets.Landing, ZoneLayout.CatalogIncoming,
            new LambdaFunction(Handler.Function, new LambdaFunctionProps { RetryAttempts = 4, MaxEventAge = Duration.Hours(6), DeadLetterQueue = props.Failures.Queue }),
            "Catalog file uploaded: import it");
    }

    public PlatformFunction Handler { get; }

    public Rule Uploads { get; }
}
