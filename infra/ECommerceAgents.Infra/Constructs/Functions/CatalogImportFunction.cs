using Amazon.CDK;
using Amazon.CDK.AWS.Kinesis;
using Amazon.CDK.AWS.S3;
using Amazon.CDK.AWS.S3.Notifications;
using Constructs;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs.Functions;

public sealed class CatalogImportFunctionProps
{
    public required FunctionPlatform Platform { get; init; }

    public required OperationalTables Tables { get; init; }

    public required DataLake Lake { get; init; }

    public required IStream Events { get; init; }
}

/// <summary>
/// S3 ObjectCreated under <see cref="Prefixes.CatalogIncoming"/> in the landing zone → products in DynamoDB, a processed
/// copy and search documents in the processed zone, a report beside the upload, stock deltas on the stream.
/// Reports and copies are written outside the notification prefix, so an import never triggers itself.
/// </summary>
public sealed class CatalogImportFunction : Construct
{
    public CatalogImportFunction(Construct scope, string id, CatalogImportFunctionProps props) : base(scope, id)
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
            .ReadObjects(landing, Prefixes.CatalogIncoming + "*")
            .ReadObjects(landing, Prefixes.CatalogReports + "*")
            .PutObjects(landing, Prefixes.CatalogReports + "*")
            .Bucket(Buckets.Processed, processed)
            .PutObjects(processed, Prefixes.ProcessedCatalog + "*")
            .PutObjects(processed, Prefixes.SearchOutbox + "*")
            .Environment(Streams.Events.EnvironmentVariable, props.Events.StreamName);
        props.Events.GrantWrite(Handler.Function);

        landing.AddEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(Handler.Function),
            new NotificationKeyFilter { Prefix = Prefixes.CatalogIncoming });
    }

    public PlatformFunction Handler { get; }
}
