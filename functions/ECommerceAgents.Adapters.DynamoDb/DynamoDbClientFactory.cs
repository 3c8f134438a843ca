using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using ECommerceAgents.Adapters.Aws;
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

        var credentials = endpoints.AccessKey is { } key && endpoints.SecretKey is { } secret
            ? new BasicAWSCredentials(key, secret)
            : null;
        if (endpoints.Caller is { } caller && AwsCallLog.Enabled) return new RecordingClient(caller, credentials, config);
        return credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(credentials, config);
    }

    /// <summary>The tables a marshalled request names: <c>TableName</c> (with <c>IndexName</c>) or the keys of <c>RequestItems</c>.</summary>
    public static IEnumerable<(string Target, string? Detail)> Targets(IRequestContext context)
    {
        // SDK v4 marshals DynamoDB's JSON into a seekable stream; it is read and put back where it was.
        var content = context.Request.Content;
        if (content is null && context.Request.ContentStream is { CanSeek: true } stream)
        {
            var position = stream.Position;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            stream.Position = position;
            content = copy.ToArray();
        }

        if (content is not { Length: > 0 }) yield break;
        using var doc = JsonDocument.Parse(content);
        var root = doc.RootElement;
        if (root.TryGetProperty("TableName", out var table))
        {
            yield return (root.TryGetProperty("IndexName", out var index) ? $"{table.GetString()}/index/{index.GetString()}" : table.GetString()!, null);
        }
        else if (root.TryGetProperty("RequestItems", out var items))
        {
            foreach (var t in items.EnumerateObject()) yield return (t.Name, null);
        }
    }

    /// <summary>A client that writes each request to the AWS call log under its function's name.</summary>
    private sealed class RecordingClient(string caller, AWSCredentials? credentials, AmazonDynamoDBConfig config)
        : AmazonDynamoDBClient(credentials ?? DefaultCredentials(), config)
    {
        protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
        {
            base.CustomizeRuntimePipeline(pipeline);
            SdkCallRecorder.AddTo(pipeline, caller, "dynamodb", Targets);
        }

        private static AWSCredentials DefaultCredentials() => Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
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
