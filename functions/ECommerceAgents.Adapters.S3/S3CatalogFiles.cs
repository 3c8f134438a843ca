using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Domain.Catalog;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.S3;

/// <summary>
/// CatalogImport's S3: the uploaded file and its reports in the landing bucket (the bucket named by the event), the
/// processed copy and the search outbox in the processed bucket.
/// </summary>
public sealed class S3CatalogFiles(IAmazonS3 s3, ResourceBindings names) : ICatalogFiles
{
    private readonly string _processed = names.Bucket(Buckets.Processed);

    public async Task<CatalogFileInfo?> HeadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            var head = await s3.GetObjectMetadataAsync(new GetObjectMetadataRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return new CatalogFileInfo(head.ETag?.Trim('"') ?? string.Empty, head.ContentLength);
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound || ex.ErrorCode is "NoSuchKey" or "NoSuchBucket" or "NotFound")
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        return new OwningStream(response.ResponseStream, response);
    }

    public async Task<byte[]?> ReadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound || ex.ErrorCode is "NoSuchKey" or "NoSuchBucket")
        {
            return null;
        }
    }

    public async Task WriteAsync(string bucket, string key, byte[] body, string contentType, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(body);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = stream, ContentType = contentType }, cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteProcessedAsync(string key, string path, string contentType, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = _processed, Key = key, InputStream = file, ContentType = contentType, AutoCloseStream = false }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The response body that also releases the response (and its connection) when disposed.</summary>
    private sealed class OwningStream(Stream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
