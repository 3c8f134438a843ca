using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Adapters.S3;

/// <summary>One bucket as the batch layer's <see cref="IObjectStore"/>: paged listings, whole-object reads and writes.</summary>
public sealed class S3ObjectStore(IAmazonS3 s3, string bucket) : IObjectStore
{
    public string Bucket => bucket;

    public async Task<IReadOnlyList<ZoneObject>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var result = new List<ZoneObject>();
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
            foreach (var o in page.S3Objects ?? [])
            {
                result.Add(new ZoneObject(o.Key, o.ETag ?? "", o.Size ?? 0, o.LastModified is { } m ? new DateTimeOffset(m.ToUniversalTime(), TimeSpan.Zero) : DateTimeOffset.MinValue));
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return result;
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream(response.ContentLength > 0 ? (int)Math.Min(response.ContentLength, int.MaxValue) : 4096);
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound || ex.ErrorCode is "NoSuchKey")
        {
            return null;
        }
    }

    public async Task PutAsync(string key, ReadOnlyMemory<byte> body, string contentType, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(body.ToArray(), writable: false);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = stream, ContentType = contentType, AutoCloseStream = false }, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        await s3.DeleteObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false);
}
