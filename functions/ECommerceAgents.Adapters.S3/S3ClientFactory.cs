using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.Aws;

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

        var credentials = endpoints.AccessKey is { } key && endpoints.SecretKey is { } secret
            ? new BasicAWSCredentials(key, secret)
            : null;
        if (endpoints.Caller is { } caller && AwsCallLog.Enabled) return new RecordingClient(caller, credentials, config);
        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    /// <summary>What an S3 request touches: <c>bucket/key</c> for object operations (both ends of a copy), the bucket for the rest (a listing's prefix as detail).</summary>
    public static IEnumerable<(string Target, string? Detail)> Targets(IRequestContext context) => context.OriginalRequest switch
    {
        ListObjectsV2Request r => [(r.BucketName, r.Prefix)],
        ListObjectsRequest r => [(r.BucketName, r.Prefix)],
        DeleteObjectsRequest r => r.Objects.Select(o => ($"{r.BucketName}/{o.Key}", (string?)null)),
        CopyObjectRequest r => [($"{r.DestinationBucket}/{r.DestinationKey}", $"source={r.SourceBucket}/{r.SourceKey}")],
        PutObjectRequest r => [($"{r.BucketName}/{r.Key}", null)],
        GetObjectRequest r => [($"{r.BucketName}/{r.Key}", null)],
        GetObjectMetadataRequest r => [($"{r.BucketName}/{r.Key}", null)],
        DeleteObjectRequest r => [($"{r.BucketName}/{r.Key}", null)],
        InitiateMultipartUploadRequest r => [($"{r.BucketName}/{r.Key}", null)],
        UploadPartRequest r => [($"{r.BucketName}/{r.Key}", null)],
        CompleteMultipartUploadRequest r => [($"{r.BucketName}/{r.Key}", null)],
        AbortMultipartUploadRequest r => [($"{r.BucketName}/{r.Key}", null)],
        _ => [(context.Request.PathResources.TryGetValue("{Bucket}", out var bucket) ? bucket : "(unknown)", null)],
    };

    /// <summary>A client that writes each request to the AWS call log under its function's name.</summary>
    private sealed class RecordingClient(string caller, AWSCredentials? credentials, AmazonS3Config config)
        : AmazonS3Client(credentials ?? Amazon.Runtime.Credentials.DefaultAWSCredentialsIdentityResolver.GetCredentials(null), config)
    {
        protected override void CustomizeRuntimePipeline(RuntimePipeline pipeline)
        {
            base.CustomizeRuntimePipeline(pipeline);
            SdkCallRecorder.AddTo(pipeline, caller, "s3", Targets);
        }
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
