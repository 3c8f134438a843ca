using Amazon.CDK;
using Constructs;

namespace ECommerceAgents.Infra;

/// <summary>The deployment stage: sizes, retention and which services exist.</summary>
public enum StageName
{
    Dev,

    /// <summary>Every capability, sized for about 10 requests a second.</summary>
    Small,
    Prod,
    Local,
}

/// <summary>Where function code comes from.</summary>
public enum AssetMode
{
    /// <summary>The native AOT <c>bootstrap</c> published by <c>infra/publish-functions.sh</c> into <c>artifacts/functions/&lt;Name&gt;/</c>.</summary>
    Published,

    /// <summary>Tiny generated placeholders, so tests and offline synth never wait on AOT publishing.</summary>
    Stub,
}

/// <summary>
/// Everything the app reads from CDK context (<c>-c key=value</c> or <c>cdk.json</c>). Every key is optional.
/// </summary>
public sealed record InfraSettings
{
    /// <summary>The environment variable that, like <c>-c assets=…</c>, chooses the function assets (<c>stub</c> or <c>published</c>).</summary>
    public const string AssetsVariable = "ECA_ASSETS";

    public const string DefaultWebAdapterLayerArn =
        "arn:${AWS::Partition}:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerX86:27";

    public required StageName Stage { get; init; }

    public AssetMode Assets { get; init; } = AssetMode.Published;

    /// <summary>The folder holding <c>ECommerceAgents.sln</c>; asset paths are relative to it.</summary>
    public required string RepositoryRoot { get; init; }

    /// <summary>Prefix of the few resources that need a physical name (Firehose, Glue, Redshift, cache, QuickSight ids).</summary>
    public required string ResourcePrefix { get; init; }

    /// <summary>AWS Lambda Web Adapter layer. <c>${AWS::Region}</c> and <c>${AWS::Partition}</c> are substituted at deploy time.</summary>
    public string WebAdapterLayerArn { get; init; } = DefaultWebAdapterLayerArn;

    /// <summary>Parameters and Secrets Lambda Extension layer; null uses CDK's region map for version 1.0.103.</summary>
    public string? ParamsAndSecretsLayerArn { get; init; }

    /// <summary>QuickSight needs an account subscription, so its data source and data sets are opt-in.</summary>
    public bool QuickSight { get; init; }

    /// <summary>QuickSight user or group ARN that gets owner rights on the data source and data sets.</summary>
    public string? QuickSightPrincipalArn { get; init; }

    /// <summary>E-mail address subscribed to the alarm topic.</summary>
    public string? AlarmEmail { get; init; }

    /// <summary>Local stage only: a Redis you run next to LocalStack (LocalStack's free tier has no ElastiCache).</summary>
    public string? LocalRedis { get; init; }

    /// <summary>Local stage only: an OpenSearch endpoint you run next to LocalStack.</summary>
    public string? LocalOpenSearch { get; init; }

    /// <summary>
    /// The shop's own domains (<c>-c ownDomains=shop.example,shop.example.co.uk</c>), passed to StreamProcessor as
    /// <c>ECA_OWN_DOMAINS</c>: a referrer on one of them, or a subdomain, is classed <c>internal</c> by the attribution
    /// enrichment. Null leaves only the page's own host internal.
    /// </summary>
    public string? OwnDomains { get; init; }

    /// <summary>
    /// Whether this stack sets API Gateway's account-wide CloudWatch Logs role (<c>AWS::ApiGateway::Account</c>, one per
    /// account and region). The first stage deployed to an account and region creates it (retained on deletion); every
    /// other stage there passes <c>-c apiGatewayCloudWatchRole=existing</c>, so stages do not overwrite each other's role.
    /// </summary>
    public bool ApiGatewayCloudWatchRole { get; init; } = true;

    public string StackName => "ECommerceAgents-" + StageText;

    public string StageText => Stage.ToString().ToLowerInvariant();

    public static InfraSettings FromContext(Node node, string? repositoryRoot = null)
    {
        string? Get(string key) => node.TryGetContext(key) switch
        {
            null => null,
            string s when s.Length == 0 => null,
            string s => s,
            bool b => b ? "true" : "false",
            var other => other.ToString(),
        };

        var stageText = Get("stage") ?? "dev";
        if (!Enum.TryParse<StageName>(stageText, ignoreCase: true, out var stage) || !Enum.IsDefined(stage))
        {
            throw new ArgumentException($"Unknown stage '{stageText}': use -c stage=dev, -c stage=small, -c stage=prod or -c stage=local.");
        }

        var assetsText = Get("assets") ?? System.Environment.GetEnvironmentVariable(AssetsVariable) ?? "published";
        var assets = assetsText.ToLowerInvariant() switch
        {
            "stub" or "stubs" => AssetMode.Stub,
            "published" or "publish" => AssetMode.Published,
            _ => throw new ArgumentException($"Unknown assets mode '{assetsText}': use -c assets=stub or -c assets=published."),
        };

        var stageLower = stage.ToString().ToLowerInvariant();
        return new InfraSettings
        {
            Stage = stage,
            Assets = assets,
            RepositoryRoot = repositoryRoot ?? FindRepositoryRoot(),
            ResourcePrefix = Get("prefix") ?? "eca-" + stageLower,
            WebAdapterLayerArn = Get("webAdapterLayerArn") ?? DefaultWebAdapterLayerArn,
            ParamsAndSecretsLayerArn = Get("paramsAndSecretsLayerArn"),
            QuickSight = string.Equals(Get("quicksight"), "true", StringComparison.OrdinalIgnoreCase),
            QuickSightPrincipalArn = Get("quicksightPrincipalArn"),
            AlarmEmail = Get("alarmEmail"),
            LocalRedis = Get("localRedis"),
            LocalOpenSearch = Get("localOpenSearch"),
            OwnDomains = ParseOwnDomains(Get("ownDomains")),
            ApiGatewayCloudWatchRole = (Get("apiGatewayCloudWatchRole") ?? "create").ToLowerInvariant() switch
            {
                "create" or "true" => true,
                "existing" or "false" => false,
                var other => throw new ArgumentException($"Unknown apiGatewayCloudWatchRole '{other}': use create or existing."),
            },
        };
    }

    /// <summary>Comma-separated host names, lower-cased and trimmed; a URL, a port or a blank entry is refused by name.</summary>
    public static string? ParseOwnDomains(string? value)
    {
        if (value is null) return null;
        var domains = value.Split(',', StringSplitOptions.TrimEntries).Select(d => d.ToLowerInvariant()).ToArray();
        foreach (var d in domains)
        {
            if (d.Length == 0 || d.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-')) || d.StartsWith('.') || d.EndsWith('.'))
            {
                throw new ArgumentException($"ownDomains: '{d}' is not a host name; give the shop's domains comma separated, as -c ownDomains=shop.example,shop.example.co.uk.");
            }
        }

        return string.Join(",", domains);
    }

    /// <summary>Walks up from the working directory, then from the assembly, to the folder holding ECommerceAgents.sln.</summary>
    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ECommerceAgents.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Cannot find ECommerceAgents.sln above the working directory: run the app from the repository.");
    }
}
