using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.S3;
using Constructs;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Infra.Constructs.Functions;

public enum TableAccess
{
    Read,
    Write,
    ReadWrite,
}

public sealed class PlatformFunctionProps
{
    /// <summary>The function's name in the platform (<c>StreamProcessor</c>…): logical id prefix and the EMF <c>Function</c> dimension.</summary>
    public required string Name { get; init; }

    /// <summary>The published asset folder under <c>artifacts/functions/</c>; defaults to <see cref="Name"/>.</summary>
    public string? AssetName { get; init; }

    public required string Description { get; init; }

    public required FunctionPlatform Platform { get; init; }

    public required int MemoryMb { get; init; }

    public required Duration Timeout { get; init; }

    /// <summary>Runs in the isolated subnets (needed for Redis, OpenSearch and Redshift). Ignored where the stage has no VPC.</summary>
    public bool InVpc { get; init; }

    /// <summary>Adds the Parameters and Secrets extension (where the stage has it).</summary>
    public bool UsesSecrets { get; init; }

    /// <summary>Adds the Web Adapter layer: the asset's <c>bootstrap</c> is a Kestrel app, not a Runtime API loop.</summary>
    public bool WebAdapter { get; init; }

    /// <summary>/tmp size; Lambda's default is 512 MB.</summary>
    public int? EphemeralStorageMb { get; init; }

    /// <summary>Caps concurrent executions (protects a downstream store); null leaves the account pool.</summary>
    public int? ReservedConcurrency { get; init; }
}

/// <summary>
/// A native AOT function on <c>provided.al2023</c> (x86_64, handler <c>bootstrap</c>) with its own log group and, in the
/// VPC, its own security group. Resources are bound through the methods below, which set the function's <c>ECA_*</c>
/// variable and grant only the access asked for.
/// </summary>
public sealed class PlatformFunction : Construct
{
    public PlatformFunction(Construct scope, string id, PlatformFunctionProps props) : base(scope, id)
    {
        Name = props.Name;
        Platform = props.Platform;
        var network = props.InVpc ? props.Platform.Network : null;

        LogGroup = new LogGroup(this, "Logs", new LogGroupProps
        {
            Retention = props.Platform.Stage.LogRetention,
            RemovalPolicy = props.Platform.Stage.RemovalPolicy,
        });

        if (network is not null)
        {
            SecurityGroup = new SecurityGroup(this, "SecurityGroup", new SecurityGroupProps
            {
                Vpc = network.Vpc,
                Description = $"{props.Name} function",
                // Isolated subnets have no route out except the VPC endpoints and the services' own security groups.
                AllowAllOutbound = true,
            });
        }

        // Our own role instead of CDK's default: the AWS managed execution policies allow logs and ENI actions on every
        // resource; here logs go to this function's log group only, and only VPC functions get the ENI actions.
        Role = new Role(this, "Role", new RoleProps
        {
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            Description = $"{props.Name} function",
        });
        LogGroup.GrantWrite(Role);
        if (network is not null)
        {
            Role.AddToPrincipalPolicy(new PolicyStatement(new PolicyStatementProps
            {
                Actions = [.. VpcNetworkInterfaceActions],
                Resources = ["*"],
            }));
        }

        var layers = new List<ILayerVersion>();
        if (props.WebAdapter)
        {
            layers.Add(props.Platform.WebAdapterLayer ?? throw new InvalidOperationException($"{props.Name} needs the Web Adapter layer, which this stage does not have."));
        }

        Function = new Function(this, "Function", new FunctionProps
        {
            Description = props.Description,
            Runtime = Runtime.PROVIDED_AL2023,
            Architecture = Architecture.X86_64,
            Handler = "bootstrap",
            Role = Role,
            Code = props.Platform.Assets.CodeFor(this, props.AssetName ?? props.Name),
            MemorySize = props.MemoryMb,
            Timeout = props.Timeout,
            LogGroup = LogGroup,
            // With a stage sampling rule, a function traces what its caller sampled (Lambda's own rate cannot be configured).
            Tracing = props.Platform.Stage.Sampling is null ? Tracing.ACTIVE : Tracing.PASS_THROUGH,
            Vpc = network?.Vpc,
            VpcSubnets = network?.Isolated,
            SecurityGroups = SecurityGroup is null ? null : [SecurityGroup],
            Layers = layers.Count > 0 ? [.. layers] : null,
            ParamsAndSecrets = props.UsesSecrets ? props.Platform.SecretsExtension : null,
            Environment = new Dictionary<string, string> { [SettingNames.Stage] = props.Platform.Settings.StageText },
            EphemeralStorageSize = props.EphemeralStorageMb is { } mb ? Size.Mebibytes(mb) : null,
            ReservedConcurrentExecutions = props.ReservedConcurrency,
        });

        _variables[SettingNames.Stage] = props.Platform.Settings.StageText;

        // Stable logical ids, so samconfig.toml and `sam local invoke <Name>Function` keep working across refactors.
        ((CfnFunction)Function.Node.DefaultChild!).OverrideLogicalId(props.Name + "Function");
    }

    /// <summary>What Lambda needs to attach a function to the VPC; EC2 offers no resource-level scoping for them.</summary>
    public static IReadOnlyList<string> VpcNetworkInterfaceActions { get; } =
    [
        "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
    ];

    public string Name { get; }

    public FunctionPlatform Platform { get; }

    public Role Role { get; }

    public Function Function { get; }

    public LogGroup LogGroup { get; }

    public SecurityGroup? SecurityGroup { get; }

    /// <summary>The variables set through <see cref="Environment"/> (and the stage), so a container running the same app gets the same ones.</summary>
    public IReadOnlyDictionary<string, string> Variables => _variables;

    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    public PlatformFunction Environment(string name, string value)
    {
        Function.AddEnvironment(name, value);
        _variables[name] = value;
        return this;
    }

    public PlatformFunction Table(TableDefinition definition, ITable table, TableAccess access)
    {
        Environment(definition.EnvironmentVariable, table.TableName);
        _ = access switch
        {
            TableAccess.Read => table.GrantReadData(Function),
            TableAccess.Write => table.GrantWriteData(Function),
            TableAccess.ReadWrite => table.GrantReadWriteData(Function),
            _ => throw new ArgumentOutOfRangeException(nameof(access), access, "Unknown access."),
        };
        return this;
    }

    /// <summary>Read access plus the single extra actions named (for example <c>dynamodb:DeleteItem</c> for erasure).</summary>
    public PlatformFunction TableReadPlus(TableDefinition definition, ITable table, params string[] actions)
    {
        Table(definition, table, TableAccess.Read);
        table.Grant(Function, actions);
        return this;
    }

    public PlatformFunction Bucket(BucketDefinition definition, IBucket bucket)
    {
        Environment(definition.EnvironmentVariable, bucket.BucketName);
        return this;
    }

    public PlatformFunction ReadObjects(IBucket bucket, string keyPattern = "*")
    {
        bucket.GrantRead(Function, keyPattern);
        return this;
    }

    public PlatformFunction PutObjects(IBucket bucket, string keyPattern = "*")
    {
        bucket.GrantPut(Function, keyPattern);
        return this;
    }

    public PlatformFunction ReadWriteObjects(IBucket bucket, string keyPattern = "*")
    {
        bucket.GrantReadWrite(Function, keyPattern);
        return this;
    }

    public PlatformFunction Firehose(DeliveryStreamDefinition definition, DeliveryStreamNames names)
    {
        Environment(definition.EnvironmentVariable, names.Name(definition));
        Grant.AddToPrincipal(new GrantOnPrincipalOptions
        {
            Grantee = Function,
            Actions = ["firehose:PutRecord", "firehose:PutRecordBatch"],
            ResourceArns = [names.Arn(definition)],
        });
        return this;
    }

    /// <summary>The pseudonym key: a SecureString read through the extension (the function gets its parameter name); on LocalStack a plain development value instead.</summary>
    public PlatformFunction PseudonymKey()
    {
        if (Platform.PseudonymKey is { } parameter)
        {
            parameter.GrantRead(Function);
            return Environment(SettingNames.PseudonymKeyParameter, parameter.ParameterName);
        }

        return Environment(SettingNames.PseudonymKey, FunctionPlatform.LocalPseudonymKey);
    }

    /// <summary>
    /// The subject key table with <paramref name="tableActions"/> beyond reading, and the stack's KMS key named in the
    /// environment with <paramref name="kmsActions"/> on it (kms:GenerateDataKey for the function that creates keys,
    /// kms:Decrypt for those that open them, none for one that only deletes them).
    /// </summary>
    public PlatformFunction SubjectKeys(ITable table, string[] kmsActions, params string[] tableActions)
    {
        if (tableActions.Length == 0) Table(Tables.SubjectKeys, table, TableAccess.Read);
        else TableReadPlus(Tables.SubjectKeys, table, tableActions);
        if (Platform.DataKey is not { } key) return this;
        if (kmsActions.Length > 0) key.Grant(Function, kmsActions);
        return Environment(SettingNames.KmsKeyId, key.KeyArn);
    }

    /// <summary>The first administrator key (a SecureString), so keys can be managed through the API after a deploy.</summary>
    public PlatformFunction BootstrapAdminKey()
    {
        if (Platform.BootstrapAdminKey is { } parameter)
        {
            parameter.GrantRead(Function);
            Environment(SettingNames.BootstrapAdminKeyParameter, parameter.ParameterName);
        }

        return this;
    }

    public PlatformFunction WebhookSecrets()
    {
        if (Platform.WebhookSecrets is { } parameter)
        {
            parameter.GrantRead(Function);
            Environment(SettingNames.WebhookSecretsParameter, parameter.ParameterName);
        }

        return this;
    }

    /// <summary>ElastiCache in AWS; on LocalStack a Redis given with <c>-c localRedis=host:port</c>, if any.</summary>
    public PlatformFunction Redis()
    {
        if (Platform.Cache is { } cache)
        {
            cache.Connect(this);
        }
        else if (Platform.Settings.LocalRedis is { } local)
        {
            Environment(ServiceEndpoints.RedisVariable, local);
        }

        return this;
    }

    public PlatformFunction OpenSearch(params string[] httpActions)
    {
        if (Platform.Search is { } search)
        {
            search.Connect(this, httpActions);
        }
        else if (Platform.Settings.LocalOpenSearch is { } local)
        {
            Environment(ServiceEndpoints.OpenSearchVariable, local);
        }

        return this;
    }
}
