using System.Text.Json;
using Amazon.CDK;
using Environment = System.Environment;
using Amazon.CDK.Assertions;
using ECommerceAgents.Infra;
using ECommerceAgents.Infra.Stacks;

namespace ECommerceAgents.Infra.Tests.Fixtures;

/// <summary>One stage's stack, synthesized once: the CDK assertions <see cref="Template"/> and the template file as JSON.</summary>
public sealed class SynthesizedStage(PlatformStack stack, Template template, string outdir)
{
    public PlatformStack Stack { get; } = stack;

    public Template Template { get; } = template;

    /// <summary>The cloud assembly folder this stage was synthesized into (what `cdk synth` calls cdk.out).</summary>
    public string Outdir { get; } = outdir;

    public string TemplateFile => Path.Combine(Outdir, Stack.TemplateFile);

    public TemplateJson Json { get; } = TemplateJson.Load(Path.Combine(outdir, stack.TemplateFile));
}

/// <summary>
/// Synthesizes every stage the app can make once for the whole test run: dev, small, prod with QuickSight on, prod without it,
/// and local (the LocalStack stage), from stub assets and the same context as cdk.json. jsii's node process inherits TMPDIR, so it is pointed at a scratch folder removed afterwards.
/// </summary>
public sealed class SynthesizedStages : IDisposable
{
    public const string QuickSightPrincipal = "arn:aws:quicksight:us-east-1:123456789012:group/default/analysts";

    /// <summary>The <c>ownDomains</c> context the QuickSight prod stage is synthesized with, as an operator would type it.</summary>
    public const string OwnDomains = " Shop.example , shop.example.co.uk";

    private readonly string _scratch;
    private readonly Lazy<SynthesizedStage> _devExistingAccountRole;
    private readonly string? _previousTmp;

    public SynthesizedStages()
    {
        RepositoryRoot = InfraSettings.FindRepositoryRoot();
        _scratch = Directory.CreateTempSubdirectory("eca-infra-tests-").FullName;
        _previousTmp = Environment.GetEnvironmentVariable("TMPDIR");
        Environment.SetEnvironmentVariable("TMPDIR", _scratch);
        Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20");

        Dev = Synthesize("dev");
        Small = Synthesize("small");
        Prod = Synthesize("prod", ("quicksight", "true"), ("quicksightPrincipalArn", QuickSightPrincipal), ("ownDomains", OwnDomains));
        ProdWithoutQuickSight = Synthesize("prod");
        Local = Synthesize("local");
        _devExistingAccountRole = new Lazy<SynthesizedStage>(() => Synthesize("dev", ("apiGatewayCloudWatchRole", "existing")));
    }

    public string RepositoryRoot { get; }

    public SynthesizedStage Dev { get; }

    /// <summary>small: every capability sized for about 10 requests a second.</summary>
    public SynthesizedStage Small { get; }

    /// <summary>prod with the QuickSight option on (<c>-c quicksight=true</c>) and the shop's own domains (<c>-c ownDomains=…</c>).</summary>
    public SynthesizedStage Prod { get; }

    public SynthesizedStage ProdWithoutQuickSight { get; }

    public SynthesizedStage Local { get; }

    /// <summary>dev for a second stage in an account whose API Gateway CloudWatch role another stage owns (synthesized on first use).</summary>
    public SynthesizedStage DevExistingAccountRole => _devExistingAccountRole.Value;


    /// <summary>The stages by the names tests report them under.</summary>
    public static TheoryData<string> Names => ["dev", "small", "prod with QuickSight", "prod", "local"];

    public SynthesizedStage Named(string name) => name switch
    {
        "dev" => Dev,
        "small" => Small,
        "prod with QuickSight" => Prod,
        "prod" => ProdWithoutQuickSight,
        "local" => Local,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>Every stage the app can synthesize, with a name for messages.</summary>
    public IEnumerable<SynthesizedStage> All => [Dev, Small, Prod, ProdWithoutQuickSight, Local];

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("TMPDIR", _previousTmp);
        try
        {
            Directory.Delete(_scratch, recursive: true);
        }
        catch (IOException)
        {
            // jsii may still hold a file; the folder is under the run's TMPDIR, which CI removes.
        }
    }

    private SynthesizedStage Synthesize(string stage, params (string Key, string Value)[] extra)
    {
        var context = CdkJsonContext(RepositoryRoot);
        context["stage"] = stage;
        context["assets"] = "stub";
        // What the CDK CLI adds: construct paths and asset paths in the metadata (SAM reads the latter).
        context["aws:cdk:enable-path-metadata"] = true;
        context["aws:cdk:enable-asset-metadata"] = true;
        foreach (var (key, value) in extra)
        {
            context[key] = value;
        }

        var outdir = Path.Combine(_scratch, stage + string.Concat(extra.Select(e => "-" + e.Key)), "cdk.out");
        var app = new App(new AppProps { Outdir = outdir, Context = context });
        var stack = PlatformApp.Build(app, RepositoryRoot);
        var template = Template.FromStack(stack);
        return new SynthesizedStage(stack, template, outdir);
    }

    /// <summary>The <c>context</c> block of cdk.json, so tests synthesize with the feature flags the CLI uses.</summary>
    public static Dictionary<string, object> CdkJsonContext(string repositoryRoot)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(repositoryRoot, "cdk.json")));
        var context = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var property in doc.RootElement.GetProperty("context").EnumerateObject())
        {
            context[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.Number => property.Value.GetDouble(),
                JsonValueKind.Array => property.Value.EnumerateArray().Select(e => e.ToString()).ToArray(),
                _ => property.Value.ToString(),
            };
        }

        return context;
    }
}

[CollectionDefinition(Name)]
public sealed class SynthesizedStagesCollection : ICollectionFixture<SynthesizedStages>
{
    public const string Name = "Synthesized stages";
}
