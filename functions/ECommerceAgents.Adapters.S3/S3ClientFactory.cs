using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.S3;

namespace ECommerceAgents.Adapters.S3;

/// <summary>
/// Builds the S3 client once per container. Against a custom endpoint (s3rver, LocalStack) it is made byte-exact:
/// AWSSDK.S3 4.x sends <c>aws-chunked</c> bodies over http, and s3rver stores the chunk framing as the object while
/// answering 200. Checksums are computed only when required and chunk encoding is switched off for every request,
/// TransferUtility's included, by a pipeline handler placed before the signer.
/// </summary>
public static class S3ClientFactory
{
    private static int _customizerRegistered;

    public static IAmazonS3 Create(ECommerceAgents.Resources.ServiceEndpoints endpoints)
    {
        var config = new AmazonS3Config
        {
            RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(endpoints.Region),
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };

        if (endpoints.S3 is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = endpoints.Region;
            if (Interlocked.Exchange(ref _customizerRegistered, 1) == 0)
            {
                RuntimePipelineCustomizerRegistry.Instance.Register(new NoChunkEncodingCustomizer());
            }
        }

        return endpoints.AccessKey is { } key && endpoints.SecretKey is { } secret
            ? new AmazonS3Client(new BasicAWSCredentials(key, secret), config)
            : new AmazonS3Client(config);
    }

    private sealed class NoChunkEncodingCustomizer : IRuntimePipelineCustomizer
    {
        public string UniqueName => "ECommerceAgents.NoChunkEncoding";

        public void Customize(Type type, RuntimePipeline pipeline)
        {
            if (typeof(IAmazonS3).IsAssignableFrom(type))
            {
                pipeline.AddHandlerBefore<Signer>(new NoChunkEncodingHandler());
            }
        }
    }

    private sealed class NoChunkEncodingHandler : PipelineHandler
    {
        public override void InvokeSync(IExecutionContext executionContext)
        {
            executionContext.RequestContext.Request.UseChunkEncoding = false;
            base.InvokeSync(executionContext);
        }

        public override Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            executionContext.RequestContext.Request.UseChunkEncoding = false;
            return base.InvokeAsync<T>(executionContext);
        }
    }
}
