using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Amazon.S3.Transfer;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Adapters;

/// <summary>
/// The s3rver trap: AWSSDK.S3 4.x sends aws-chunked bodies over http and s3rver stores the framing as the object.
/// These round-trips fail (the hashes differ) if the client's chunk encoding is ever switched back on.
/// </summary>
public sealed class S3RoundTripTests : IAsyncLifetime
{
    private IAmazonS3 _s3 = null!;
    private string _bucket = null!;

    public async ValueTask InitializeAsync()
    {
        var stack = await TestStack.GetAsync();
        var names = await TestStack.ResourcesForAsync(nameof(S3RoundTripTests));
        _s3 = stack.S3Client;
        _bucket = names.Bucket(Buckets.Raw);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Theory]
    [InlineData(1)]
    [InlineData(64 * 1024)]
    [InlineData(8 * 1024 * 1024)]
    public async Task PutObject_ThenGet_BytesIdentical(int size)
    {
        var bytes = RandomBytes(size);
        var key = $"roundtrip/put-{size}";

        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = key, InputStream = new MemoryStream(bytes) });

        Assert.Equal(SHA256.HashData(bytes), await HashOfAsync(key));
        var head = await _s3.GetObjectMetadataAsync(_bucket, key);
        Assert.Equal(size, head.ContentLength);
    }

    [Fact]
    public async Task TransferUtility_Multipart_BytesIdentical()
    {
        var bytes = RandomBytes(13 * 1024 * 1024);
        var key = "roundtrip/multipart";
        using var transfer = new TransferUtility(_s3);

        await transfer.UploadAsync(new TransferUtilityUploadRequest
        {
            BucketName = _bucket,
            Key = key,
            InputStream = new MemoryStream(bytes),
            PartSize = 5 * 1024 * 1024,
        });

        Assert.Equal(SHA256.HashData(bytes), await HashOfAsync(key));
    }

    [Fact]
    public async Task ListObjectsV2_ManyPages_EveryKeyOnceInOrder()
    {
        // s3rver's continuation tokens need OpenSSL's legacy provider; without it the second page is a 500.
        var keys = Enumerable.Range(0, 23).Select(i => $"paging/dt=2026-12-02/part-{i:D3}.gz").ToList();
        await Task.WhenAll(keys.Select(k => _s3.PutObjectAsync(new PutObjectRequest { BucketName = _bucket, Key = k, ContentBody = k })));

        var listed = new List<string>();
        var pages = 0;
        string? token = null;
        do
        {
            var page = await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = _bucket, Prefix = "paging/", MaxKeys = 5, ContinuationToken = token });
            listed.AddRange(page.S3Objects.Select(o => o.Key));
            pages++;
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);

        Assert.Equal(keys, listed);
        Assert.Equal(5, pages);
    }

    private async Task<byte[]> HashOfAsync(string key)
    {
        using var response = await _s3.GetObjectAsync(_bucket, key);
        return await SHA256.HashDataAsync(response.ResponseStream);
    }

    private static byte[] RandomBytes(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return bytes;
    }
}
