using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Kinesis;
using Amazon.CDK.AWS.KinesisFirehose;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Logs;
using Constructs;
using ECommerceAgents.Infra.Constructs.Functions;
using ECommerceAgents.Resources;
using static Amazon.CDK.AWS.KinesisFirehose.CfnDeliveryStream;

namespace ECommerceAgents.Infra.Constructs;

public sealed class FirehoseDeliveryProps
{
    public required StageConfig Stage { get; init; }

    public required DataLake Lake { get; init; }

    public required IStream Events { get; init; }

    public required DeliveryStreamNames Names { get; init; }

    /// <summary>The Lambda processor: the logs stream's transformation and the enriched stream's partition keys.</summary>
    public required IFunction LogTransformer { get; init; }
}

/// <summary>
/// One delivery stream per <see cref="DeliveryStreams"/> definition (L1: CDK 2.160 has no stable Firehose L2).
/// Prefixes, error prefixes, the Lambda processor and buffer hints come from the definition verbatim; every stream writes
/// GZIP objects of newline-delimited records and logs its delivery errors to CloudWatch Logs.
/// </summary>
public sealed class FirehoseDelivery : Construct
{
    /// <summary>Firehose's floor for buffering when dynamic partitioning is on.</summary>
    public const int DynamicPartitioningMinBufferMb = 64;

    private readonly Dictionary<string, CfnDeliveryStream> _streams = new(StringComparer.Ordinal);

    public FirehoseDelivery(Construct scope, string id, FirehoseDeliveryProps props) : base(scope, id)
    {
        foreach (var definition in DeliveryStreams.All)
        {
            _streams[definition.Id] = Create(definition, props);
        }

        SubscriptionExample = CreateSubscriptionExample(props);
    }

    public CfnDeliveryStream this[DeliveryStreamDefinition definition] => _streams[definition.Id];

    /// <summary>An example service log group subscribed to the logs delivery stream.</summary>
    public LogGroup SubscriptionExample { get; }

    private CfnDeliveryStream Create(DeliveryStreamDefinition definition, FirehoseDeliveryProps props)
    {
        var name = Naming.Pascal(definition.Id);
        var dynamicPartitioning = definition.TransformedByLambda;
        if (dynamicPartitioning && definition.BufferMegabytes < DynamicPartitioningMinBufferMb)
        {
            throw new InvalidOperationException($"Delivery stream '{definition.Id}' uses dynamic partitioning, which needs a buffer of at least {DynamicPartitioningMinBufferMb} MB.");
        }

        var account = Stack.Of(this).Account;
        var role = new Role(this, name + "Role", new RoleProps
        {
            AssumedBy = new PrincipalWithConditions(new ServicePrincipal("firehose.amazonaws.com"), new Dictionary<string, object>
            {
                ["StringEquals"] = new Dictionary<string, object> { ["sts:ExternalId"] = account },
            }),
            Description = $"Firehose delivery stream {definition.Id}",
        });

        var bucket = props.Lake[definition.Destination];
        bucket.GrantPut(role);
        bucket.GrantRead(role);

        var logGroup = new LogGroup(this, name + "DeliveryLogs", new LogGroupProps
        {
            Retention = props.Stage.LogRetention,
            RemovalPolicy = props.Stage.RemovalPolicy,
        });
        var logStream = logGroup.AddStream("S3Delivery");
        logGroup.GrantWrite(role);

        var processors = new List<object>();
        if (definition.SubRecordDelimiter is { } delimiter)
        {
            // Multi-record deaggregation runs first: producers pack records (Firehose bills each in 5 KB steps).
            processors.Add(new ProcessorProperty
            {
                Type = "RecordDeAggregation",
                Parameters = new object[]
                {
                    new ProcessorParameterProperty { ParameterName = "SubRecordType", ParameterValue = "DELIMITED" },
                    new ProcessorParameterProperty { ParameterName = "Delimiter", ParameterValue = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(delimiter)) },
                },
            });
        }

        if (definition.TransformedByLambda)
        {
            processors.Add(new ProcessorProperty
            {
                Type = "Lambda",
                Parameters = new object[]
                {
                    new ProcessorParameterProperty { ParameterName = "LambdaArn", ParameterValue = props.LogTransformer.FunctionArn },
                    new ProcessorParameterProperty { ParameterName = "NumberOfRetries", ParameterValue = "3" },
                    new ProcessorParameterProperty { ParameterName = "BufferSizeInMBs", ParameterValue = DeliveryStreams.ProcessorBufferMegabytes.ToString(CultureInfo.InvariantCulture) },
                    new ProcessorParameterProperty { ParameterName = "BufferIntervalInSeconds", ParameterValue = DeliveryStreams.ProcessorBufferSeconds.ToString(CultureInfo.InvariantCulture) },
                },
            });
            props.LogTransformer.GrantInvoke(role);
            Grant.AddToPrincipal(new GrantOnPrincipalOptions
            {
                Grantee = role,
                Actions = ["lambda:GetFunctionConfiguration"],
                ResourceArns = [props.LogTransformer.FunctionArn],
            });
        }

        if (definition.AppendNewline)
        {
            processors.Add(new ProcessorProperty { Type = "AppendDelimiterToRecord" });
        }

        var fromStream = definition.Source == DeliverySource.KinesisStream;
        if (fromStream)
        {
            props.Events.GrantRead(role);
        }

        var stream = new CfnDeliveryStream(this, name, new CfnDeliveryStreamProps
        {
            DeliveryStreamName = props.Names.Name(definition),
            DeliveryStreamType = fromStream ? "KinesisStreamAsSource" : "DirectPut",
            KinesisStreamSourceConfiguration = fromStream
                ? new KinesisStreamSourceConfigurationProperty { KinesisStreamArn = props.Events.StreamArn, RoleArn = role.RoleArn }
                : null,
            // A stream-sourced delivery stream inherits the source's encryption; direct put encrypts at rest here.
            DeliveryStreamEncryptionConfigurationInput = fromStream ? null : new DeliveryStreamEncryptionConfigurationInputProperty { KeyType = "AWS_OWNED_CMK" },
            ExtendedS3DestinationConfiguration = new ExtendedS3DestinationConfigurationProperty
            {
                BucketArn = bucket.BucketArn,
                RoleArn = role.RoleArn,
                Prefix = definition.Prefix,
                ErrorOutputPrefix = definition.ErrorPrefix,
                CompressionFormat = "GZIP",
                BufferingHints = new BufferingHintsProperty { IntervalInSeconds = definition.BufferSeconds, SizeInMBs = definition.BufferMegabytes },
                DynamicPartitioningConfiguration = dynamicPartitioning
                    ? new DynamicPartitioningConfigurationProperty { Enabled = true, RetryOptions = new RetryOptionsProperty { DurationInSeconds = 300 } }
                    : null,
                ProcessingConfiguration = processors.Count > 0 ? new ProcessingConfigurationProperty { Enabled = true, Processors = processors.ToArray() } : null,
                CloudWatchLoggingOptions = new CloudWatchLoggingOptionsProperty { Enabled = true, LogGroupName = logGroup.LogGroupName, LogStreamName = logStream.LogStreamName },
            },
        });

        // Firehose checks its permissions on creation: create the stream after the role's policy.
        RolePolicies.DependOnPolicies(stream, role);
        return stream;
    }

    private LogGroup CreateSubscriptionExample(FirehoseDeliveryProps props)
    {
        var stack = Stack.Of(this);
        var logs = _streams[DeliveryStreams.Logs.Id];
        var group = new LogGroup(this, "ExampleServiceLogs", new LogGroupProps
        {
            Retention = props.Stage.LogRetention,
            RemovalPolicy = RemovalPolicy.DESTROY,
        });

        var role = new Role(this, "LogsToFirehoseRole", new RoleProps
        {
            AssumedBy = new PrincipalWithConditions(new ServicePrincipal("logs.amazonaws.com"), new Dictionary<string, object>
            {
                ["StringLike"] = new Dictionary<string, object>
                {
                    ["aws:SourceArn"] = stack.FormatArn(new ArnComponents { Service = "logs", Resource = "*" }),
                },
            }),
            Description = "CloudWatch Logs subscription to the logs delivery stream",
        });
        Grant.AddToPrincipal(new GrantOnPrincipalOptions
        {
            Grantee = role,
            Actions = ["firehose:PutRecord", "firehose:PutRecordBatch"],
            ResourceArns = [logs.AttrArn],
        });

        var filter = new CfnSubscriptionFilter(this, "ExampleSubscription", new CfnSubscriptionFilterProps
        {
            LogGroupName = group.LogGroupName,
            FilterPattern = "",
            DestinationArn = logs.AttrArn,
            RoleArn = role.RoleArn,
        });
        RolePolicies.DependOnPolicies(filter, role);
        return group;
    }
}
