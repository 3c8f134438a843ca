using Amazon.CDK.AWS.KMS;
using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SSM;
using Constructs;

namespace ECommerceAgents.Infra.Constructs.Functions;

/// <summary>
/// What every function construct shares: settings, stage, assets, network, layers and the shared services.
/// Services absent from a stage (LocalStack has no VPC, cache, search or warehouse) are null.
/// </summary>
public sealed class FunctionPlatform
{
    /// <summary>Development key for LocalStack, where the secrets extension is absent. Never used in dev or prod.</summary>
    public const string LocalPseudonymKey = "local-development-key-not-a-secret";

    public required InfraSettings Settings { get; init; }

    public required StageConfig Stage { get; init; }

    public required FunctionAssets Assets { get; init; }

    public Network? Network { get; init; }

    public CacheCluster? Cache { get; init; }

    public SearchDomain? Search { get; init; }

    public WarehouseCluster? Warehouse { get; init; }

    /// <summary>AWS Lambda Web Adapter: in a custom runtime it owns the Runtime API and forwards to Kestrel on port 8080.</summary>
    public ILayerVersion? WebAdapterLayer { get; init; }

    /// <summary>Parameters and Secrets Lambda Extension: serves SSM parameters on localhost:2773, cached.</summary>
    public ParamsAndSecretsLayerVersion? SecretsExtension { get; init; }

    /// <summary>SecureString with the HMAC key for pseudonymisation. Created out of band: CloudFormation cannot create SecureStrings.</summary>
    public IStringParameter? PseudonymKey { get; init; }

    /// <summary>SecureString holding a JSON map of webhook source → signing secret.</summary>
    public IStringParameter? WebhookSecrets { get; init; }

    /// <summary>The stack's KMS key: subjects' data keys are wrapped under it (GenerateDataKey / Decrypt, crypto-shredding).</summary>
    public IKey? DataKey { get; init; }

    /// <summary>SecureString holding the first administrator API key (16 to 128 characters); the Api creates it on first start.</summary>
    public IStringParameter? BootstrapAdminKey { get; init; }

    public static FunctionPlatform Create(Construct scope, InfraSettings settings, StageConfig stage, FunctionAssets assets,
        Network? network, CacheCluster? cache, SearchDomain? search, WarehouseCluster? warehouse, IKey? dataKey = null)
    {
        var secrets = stage.SecretsExtension;
        var parameterPrefix = $"/{settings.ResourcePrefix}/";
        return new FunctionPlatform
        {
            Settings = settings,
            Stage = stage,
            Assets = assets,
            Network = network,
            Cache = cache,
            Search = search,
            Warehouse = warehouse,
            DataKey = dataKey,
            WebAdapterLayer = stage.PublicApi
                ? LayerVersion.FromLayerVersionArn(scope, "WebAdapterLayer", Fn.Sub(settings.WebAdapterLayerArn))
                : null,
            SecretsExtension = secrets ? SecretsExtensionLayer(settings) : null,
            PseudonymKey = secrets
                ? StringParameter.FromSecureStringParameterAttributes(scope, "PseudonymKeyParameter", new SecureStringParameterAttributes { ParameterName = parameterPrefix + "pseudonym-key" })
                : null,
            WebhookSecrets = secrets
                ? StringParameter.FromSecureStringParameterAttributes(scope, "WebhookSecretsParameter", new SecureStringParameterAttributes { ParameterName = parameterPrefix + "webhook-secrets" })
                : null,
            BootstrapAdminKey = secrets
                ? StringParameter.FromSecureStringParameterAttributes(scope, "BootstrapAdminKeyParameter", new SecureStringParameterAttributes { ParameterName = parameterPrefix + "bootstrap-admin-key" })
                : null,
        };
    }

    private static ParamsAndSecretsLayerVersion SecretsExtensionLayer(InfraSettings settings) =>
        settings.ParamsAndSecretsLayerArn is { } arn
            ? ParamsAndSecretsLayerVersion.FromVersionArn(Fn.Sub(arn), ParamsAndSecretsOptions())
            : ParamsAndSecretsLayerVersion.FromVersion(ParamsAndSecretsVersions.V1_0_103, ParamsAndSecretsOptions());

    private static ParamsAndSecretsOptions ParamsAndSecretsOptions() => new()
    {
        CacheEnabled = true,
        ParameterStoreTtl = Duration.Minutes(5),
        SecretsManagerTtl = Duration.Minutes(5),
        LogLevel = ParamsAndSecretsLogLevel.WARN,
    };
}
