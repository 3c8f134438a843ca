using Amazon.CDK;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.Destinations;
using Amazon.CDK.AWS.SQS;
using Constructs;

namespace ECommerceAgents.Infra.Constructs;

public sealed class FailedInvocationsProps
{
    public required StageConfig Stage { get; init; }
}

/// <summary>
/// Where asynchronous work that could not be done lands instead of being dropped: the on-failure destination of every
/// asynchronously invoked function (CatalogImport, SearchIndexer, BatchLoader) and the dead-letter queue of every
/// EventBridge rule that invokes them. SQS keeps the whole invocation record (request payload, error, attempts) for 14
/// days; the alarm on its depth says someone must look. Stream batches have their own destination (the quarantine).
/// </summary>
public sealed class FailedInvocations : Construct
{
    /// <summary>Lambda's own retries of an asynchronous invocation before the destination receives it.</summary>
    public const int AsyncRetryAttempts = 2;

    public FailedInvocations(Construct scope, string id, FailedInvocationsProps props) : base(scope, id)
    {
        Queue = new Queue(this, "Queue", new QueueProps
        {
            // SQS-managed keys: EventBridge and Lambda can deliver without a key policy; records hold object keys and
            // crawler names, not personal data.
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
            RemovalPolicy = props.Stage.RemovalPolicy,
        });
    }

    public Queue Queue { get; }

    /// <summary>Retries, a maximum event age and this queue as the on-failure destination of a function's asynchronous invocations.</summary>
    public void Receive(IFunction function, Duration maxEventAge) =>
        function.ConfigureAsyncInvoke(new EventInvokeConfigOptions
        {
            RetryAttempts = AsyncRetryAttempts,
            MaxEventAge = maxEventAge,
            OnFailure = new SqsDestination(Queue),
        });
}
