using Amazon.CDK;
using Amazon.CDK.AWS.Kinesis;
using Constructs;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs.Functions;

public sealed class ApiConstructProps
{
    public required FunctionPlatform Platform { get; init; }

    public required OperationalTables Tables { get; init; }

    public required IStream Events { get; init; }

    /// <summary>The data lake, for the exports bucket.</summary>
    public required DataLake Lake { get; init; }
}

/// <summary>
/// The ingest and query API: the ASP.NET Core app as <c>bootstrap</c> behind the Lambda Web Adapter layer, which owns
/// the Runtime API and forwards to Kestrel on port 8080. Reached only through the REST API (API keys, usage plan, WAF).
/// </summary>
public sealed class ApiConstruct : Construct
{
    public const string AppPort = "8080";
    public const string ReadinessPath = "/healthz";

    public ApiConstruct(Construct scope, string id, ApiConstructProps props) : base(scope, id)
    {
        Handler = new PlatformFunction(this, "Handler", new PlatformFunctionProps
        {
            Name = "Api",
            Description = "Ingest and query API (ASP.NET Core on Kestrel behind the Lambda Web Adapter)",
            Platform = props.Platform,
            MemoryMb = 1024,
            // API Gateway's REST integration gives up at 29 seconds.
            Timeout = Duration.Seconds(29),
            InVpc = true,
            UsesSecrets = true,
            WebAdapter = true,
        });

        var t = props.Tables;
        Handler
            // Erasure deletes the profile and the sessions at once; otherwise the API only reads them.
            .TableReadPlus(Tables.Profiles, t[Tables.Profiles], "dynamodb:DeleteItem")
            .TableReadPlus(Tables.Sessions, t[Tables.Sessions], "dynamodb:DeleteItem", "dynamodb:BatchWriteItem")
            .Table(Tables.Identities, t[Tables.Identities], TableAccess.ReadWrite)
            .Table(Tables.Catalog, t[Tables.Catalog], TableAccess.Read)
            // Erasure pseudonymises the user's orders in place (UpdateItem); otherwise orders are only read.
            .TableReadPlus(Tables.Orders, t[Tables.Orders], "dynamodb:UpdateItem")
            .Table(Tables.ProductStats, t[Tables.ProductStats], TableAccess.Read)
            // The real-time metrics say whether a shard's real-time work is deferred (Redis was down): the stale marks.
            .Table(Tables.Watermarks, t[Tables.Watermarks], TableAccess.Read)
            .Table(Tables.Dedup, t[Tables.Dedup], TableAccess.ReadWrite)
            .Table(Tables.Consent, t[Tables.Consent], TableAccess.ReadWrite)
            .Table(Tables.ApiKeys, t[Tables.ApiKeys], TableAccess.ReadWrite)
            // The audit trail is append-only for the API: entries are added (PutItem) and read back by the export, never changed.
            .TableReadPlus(Tables.Audit, t[Tables.Audit], "dynamodb:PutItem")
            .Table(Tables.Tombstones, t[Tables.Tombstones], TableAccess.Write)
            // Privacy requests: created, moved (conditional UpdateItem) and read back as their status resource.
            .Table(Tables.PrivacyRequests, t[Tables.PrivacyRequests], TableAccess.ReadWrite)
            // Exports: the API leaves what it reads at acceptance, and signs download links with its own role (GetObject).
            .Bucket(Buckets.Exports, props.Lake[Buckets.Exports]).ReadObjects(props.Lake[Buckets.Exports], "exports/*").PutObjects(props.Lake[Buckets.Exports], "exports/*")
            // The door seals personal fields under each subject's data key: it creates keys (PutItem, and DeleteItem when
            // it loses a creation race) and shreds them on erasure.
            .SubjectKeys(t[Tables.SubjectKeys], ["kms:GenerateDataKey", "kms:Decrypt"], "dynamodb:PutItem", "dynamodb:DeleteItem")
            .Environment(Streams.Events.EnvironmentVariable, props.Events.StreamName)
            .Redis()
            .OpenSearch("es:ESHttpGet", "es:ESHttpPost")
            .WebhookSecrets()
            .BootstrapAdminKey()
            .Environment("AWS_LWA_PORT", AppPort)
            .Environment("AWS_LWA_READINESS_CHECK_PATH", ReadinessPath);
        props.Events.GrantWrite(Handler.Function);
    }

    public PlatformFunction Handler { get; }
}
