using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.Adapters.S3;

/// <summary>The exports bucket as the API uses it: it leaves what it read at an export's acceptance, and hands out pre-signed GET links.</summary>
public sealed class S3ExportFiles(IAmazonS3 s3, string bucket) : IExportFiles
{
    public async Task PutAsync(string key, byte[] body, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(body, writable: false);
        await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = stream, ContentType = "application/json", AutoCloseStream = false }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A GET link signed with the function's own credentials (SigV4, computed here: no call), valid for <paramref name="validFor"/>.</summary>
    public string DownloadUrl(string key, TimeSpan validFor) => s3.GetPreSignedURL(new GetPreSignedUrlRequest
    {
        BucketName = bucket,
        Key = key,
        Verb = HttpVerb.GET,
        Expires = DateTime.UtcNow.Add(validFor),
        // The local stack's S3 speaks plain HTTP on loopback; AWS's endpoint is HTTPS.
        Protocol = s3.Config.ServiceURL is { } url && url.StartsWith("http://", StringComparison.Ordinal) ? Protocol.HTTP : Protocol.HTTPS,
    });
}
