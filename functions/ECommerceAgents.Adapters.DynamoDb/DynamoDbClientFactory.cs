using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>
/// Builds the DynamoDB client once per container. Every exception its calls end with (after the SDK's own retries) is
/// tagged as DynamoDB's (<see cref="DependencyTag"/>), so that a plain <see cref="HttpRequestException"/> from a
/// refused connection can still be answered as "DynamoDB unavailable".
/// </summary>
public static class DynamoDbClientFactory
{
    public const string Dependency = "DynamoDB";

    private static int _customizerRegistered;

    public static IAmazonDynamoDB Create(ECommerceAgents.Resources.ServiceEndpoints endpoints, int maxErrorRetry = 4)
    {
        if (Interlocked.Exchange(ref _customizerRegistered, 1) == 0)
        {
            RuntimePipelineCustomizerRegistry.Instance.Register(new TagFailuresCustomizer());
        }

        var config = new AmazonDynamoDBConfig
        {
            RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(endpoints.Region),
            MaxErrorRetry = maxErrorRetry,
        };
        if (endpoints.DynamoDb is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = endpoints.Region;
        }

        return endpoints.AccessKey is { } key && endpoints.SecretKey is { } secret
            ? new AmazonDynamoDBClient(new BasicAWSCredentials(key, secret), config)
            : new AmazonDynamoDBClient(config);
    }

    private sealed class TagFailuresCustomizer : IRuntimePipelineCustomizer
    {
        public string UniqueName => "ECommerceAgents.DynamoDbDependencyTag";

        public void Customize(Type type, RuntimePipeline pipeline)
        {
            // At the top of the pipeline: it sees what is left after the retry handler gave up.
            if (typeof(IAmazonDynamoDB).IsAssignableFrom(type)) pipeline.AddHandler(new TagFailuresHandler());
        }
    }

    private sealed class TagFailuresHandler : PipelineHandler
    {
        public override void InvokeSync(IExecutionContext executionContext)
        {
            try
            {
                base.InvokeSync(executionContext);
            }
            catch (Exception ex) when (DependencyTag.Set(ex, Dependency))
            {
                throw; // never reached: the filter only tags
            }
        }

        public override async Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            try
            {
                return await base.InvokeAsync<T>(executionContext).ConfigureAwait(false);
            }
            catch (Exception ex) when (DependencyTag.Set(ex, Dependency))
            {
                throw; // never reached: the filter only tags
            }
        }
    }
}
