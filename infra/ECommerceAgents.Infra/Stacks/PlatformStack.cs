using Amazon.CDK;
using Amazon.CDK.AWS.KMS;
using Constructs;
using ECommerceAgents.Infra.Aspects;
using ECommerceAgents.Infra.Constructs;
using ECommerceAgents.Infra.Constructs.Functions;
using ECommerceAgents.Resources;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Infra.Stacks;

public sealed class PlatformStackProps : StackProps
{
    public required InfraSettings Settings { get; init; }
}

/// <summary>
/// The whole platform for one stage, environment-agnostic so it synthesizes offline. Stateful resources follow the
/// stage's removal policy (RETAIN in prod). Services LocalStack's free tier lacks are left out of the local stage.
/// </summary>
public sealed class PlatformStack : Stack
{
    public PlatformStack(Construct scope, string id, PlatformStackProps props) : base(scope, id, props)
    {
        var settings = props.Settings;
        var stage = StageConfig.For(settings.Stage);
        Stage = stage;
        Assets = new FunctionAssets(settings);
        Amazon.CDK.Tags.Of(this).Add("Project", "ECommerceAgents");
        Amazon.CDK.Tags.Of(this).Add("Stage", settings.StageText);
        Amazon.CDK.Aspects.Of(this).Add(new HelperFunctionRuntimes());

        var key = new Key(this, "DataKey", new KeyProps
        {
            Description = "ECommerceAgents: events stream, zones holding raw PII, alarm topic, subjects' data keys (envelope encryption)",
            EnableKeyRotation = true,
            PendingWindow = Duration.Days(stage.RemovalPolicy == RemovalPolicy.RETAIN ? 30 : 7),
            RemovalPolicy = stage.RemovalPolicy,
        });

        Lake = new DataLake(this, "DataLake", new DataLakeProps { Stage = stage, Key = key });
        Tables = new OperationalTables(this, "Tables", new OperationalTablesProps { Stage = stage });
        Events = new EventStream(this, "Events", new EventStreamProps { Stage = stage, Key = key });
        var firehoseNames = new DeliveryStreamNames(this, settings.ResourcePrefix);
        Failures = new FailedInvocations(this, "FailedInvocations", new FailedInvocationsProps { Stage = stage });

        Network? network = null;
        CacheCluster? cache = null;
        SearchDomain? search = null;
        WarehouseCluster? warehouse = null;
        GlueCatalog? catalog = null;
        if (stage.VpcServices)
        {
            network = new Network(this, "Network", new NetworkProps { Stage = stage });
            cache = new CacheCluster(this, "Cache", new CacheClusterProps { Stage = stage, Network = network, Name = settings.ResourcePrefix + "-cache" });
            search = new SearchDomain(this, "Search", new SearchDomainProps { Stage = stage, Network = network });
            warehouse = new WarehouseCluster(this, "Warehouse", new WarehouseClusterProps
            {
                Stage = stage,
                Network = network,
                Processed = Lake[Buckets.Processed],
                Name = settings.ResourcePrefix,
            });
            catalog = new GlueCatalog(this, "Catalog", new GlueCatalogProps { Lake = Lake, Key = key, Prefix = settings.ResourcePrefix, Updates = stage.CatalogUpdates });
        }

        var platform = FunctionPlatform.Create(this, settings, stage, Assets, network, cache, search, warehouse, key);
        var functions = new List<PlatformFunction>
        {
            new StreamProcessorConstruct(this, "StreamProcessor", new StreamProcessorConstructProps
            {
                Platform = platform, Events = Events.Stream, Tables = Tables, Lake = Lake, Firehose = firehoseNames, OwnDomains = settings.OwnDomains,
            }).Handler,
        };
        var logTransformer = new LogTransformerConstruct(this, "LogTransformer", new LogTransformerConstructProps { Platform = platform, Firehose = firehoseNames });
        functions.Add(logTransformer.Handler);
        functions.Add(new CatalogImportConstruct(this, "CatalogImport", new CatalogImportConstructProps
        {
            Platform = platform, Tables = Tables, Lake = Lake, Events = Events.Stream, Failures = Failures,
        }).Handler);
        functions.Add(new BatchLoaderConstruct(this, "BatchLoader", new BatchLoaderConstructProps
        {
            Platform = platform, Tables = Tables, Lake = Lake, Catalog = catalog, Failures = Failures,
        }).Handler);
        functions.Add(new SearchIndexerConstruct(this, "SearchIndexer", new SearchIndexerConstructProps { Platform = platform, Lake = Lake, Failures = Failures }).Handler);

        if (stage.PublicApi)
        {
            var api = new ApiConstruct(this, "Api", new ApiConstructProps { Platform = platform, Tables = Tables, Events = Events.Stream, Lake = Lake });
            var apiStream = new ApiStreamConstruct(this, "ApiStream", new ApiStreamConstructProps { Platform = platform, Tables = Tables });
            functions.Add(api.Handler);
            functions.Add(apiStream.Handler);
            PublicApi = new PublicApi(this, "PublicApi", new PublicApiProps
            {
                Settings = settings, Stage = stage, Handler = api.Handler.Function, StreamHandler = apiStream.Handler.Function,
            });
            _ = new CfnOutput(this, "ApiUrl", new CfnOutputProps { Value = PublicApi.RestApi.Url, Description = "REST API (every route but /healthz needs an API key, checked by the app)" });
            _ = new CfnOutput(this, "RecommendationsStreamUrl", new CfnOutputProps
            {
                Value = PublicApi.RestApi.Url + Constructs.PublicApi.StreamPath,
                Description = "Server-Sent Events route (response streaming, same WAF and key check); replace {id} with a user id",
            });

            if (stage.FrontDoor == FrontDoor.ApiGatewayAndAlb)
            {
                ApiContainer = new ApiContainerService(this, "ApiContainer", new ApiContainerServiceProps
                {
                    Stage = stage,
                    Size = stage.Container ?? throw new InvalidOperationException($"The {settings.StageText} stage has the ALB front door but no container size."),
                    Network = network ?? throw new InvalidOperationException("The ALB front door needs the VPC."),
                    Api = api.Handler,
                    WebAcl = PublicApi.WebAcl,
                    Assets = Assets,
                    AccessLogs = Lake.AccessLogs,
                });
                _ = new CfnOutput(this, "AlbDnsName", new CfnOutputProps
                {
                    Value = ApiContainer.LoadBalancer.LoadBalancerDnsName,
                    Description = "ALB front door (HTTPS with the AlbCertificateArn certificate, same WAF and key check): point the certificate's domain here",
                });
            }
        }

        Functions = functions;
        Delivery = new FirehoseDelivery(this, "Firehose", new FirehoseDeliveryProps
        {
            Stage = stage, Lake = Lake, Events = Events.Stream, Names = firehoseNames, LogTransformer = logTransformer.Handler.Function,
        });

        Monitoring = new Monitoring(this, "Monitoring", new MonitoringProps
        {
            Settings = settings,
            Stage = stage,
            Key = key,
            Events = Events.Stream,
            Quarantine = Lake[Buckets.Quarantine],
            FailedInvocations = Failures.Queue,
            Firehose = firehoseNames,
            Functions = functions,
            Api = PublicApi?.RestApi,
        });

        if (settings.QuickSight)
        {
            if (network is null || warehouse is null)
            {
                throw new InvalidOperationException($"QuickSight reads the Redshift warehouse, which the {settings.StageText} stage does not have.");
            }

            _ = new QuickSightAnalytics(this, "QuickSight", new QuickSightAnalyticsProps { Settings = settings, Network = network, Warehouse = warehouse });
        }

        _ = new CfnOutput(this, "EventsStreamName", new CfnOutputProps { Value = Events.Stream.StreamName });
        _ = new CfnOutput(this, "LandingBucketName", new CfnOutputProps { Value = Lake[Buckets.Landing].BucketName, Description = $"Upload catalog files under {ZoneLayout.CatalogIncoming}" });
        _ = new CfnOutput(this, "AlarmTopicArn", new CfnOutputProps { Value = Monitoring.Topic.TopicArn });
        if (search is not null)
        {
            _ = new CfnOutput(this, "OpenSearchEndpoint", new CfnOutputProps { Value = search.Endpoint });
            _ = new CfnOutput(this, "OpenSearchAdminRoleArn", new CfnOutputProps { Value = search.AdminRole.RoleArn, Description = "Fine-grained access master user: assume it to map function roles" });
        }

        if (warehouse is not null)
        {
            _ = new CfnOutput(this, "RedshiftWorkgroup", new CfnOutputProps { Value = warehouse.Workgroup.WorkgroupName });
        }
    }

    public StageConfig Stage { get; }

    public FunctionAssets Assets { get; }

    public DataLake Lake { get; }

    public OperationalTables Tables { get; }

    public EventStream Events { get; }

    public FirehoseDelivery Delivery { get; }

    public FailedInvocations Failures { get; }

    public IReadOnlyList<PlatformFunction> Functions { get; }

    public PublicApi? PublicApi { get; }

    /// <summary>The ALB front door (the Api on ECS Fargate), where the stage has it.</summary>
    public ApiContainerService? ApiContainer { get; }

    public Monitoring Monitoring { get; }
}
