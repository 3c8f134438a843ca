using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.Kms;

/// <summary>
/// Envelope encryption of subjects' data keys under the stack's KMS key: <c>GenerateDataKey</c> (AES_256) makes a key
/// and its wrapped copy, <c>Decrypt</c> unwraps a stored one. KMS is called once per subject per cache lifetime of
/// the <see cref="SubjectKeyring"/>, never per event. The wrapped key is bound to <c>purpose=subject-data-key</c>
/// (encryption context), so a blob from another use of the same KMS key does not unwrap here.
/// </summary>
public sealed class KmsDataKeyWrapper(IAmazonKeyManagementService kms, string keyId) : IDataKeyWrapper
{
    public const string Dependency = "KMS";

    private static readonly Dictionary<string, string> Context = new(StringComparer.Ordinal) { ["purpose"] = "subject-data-key" };

    public async Task<(byte[] Plaintext, byte[] Wrapped)> GenerateAsync(CancellationToken cancellationToken)
    {
        var response = await kms.GenerateDataKeyAsync(new GenerateDataKeyRequest
        {
            KeyId = keyId,
            KeySpec = DataKeySpec.AES_256,
            EncryptionContext = Context,
        }, cancellationToken).ConfigureAwait(false);
        return (response.Plaintext.ToArray(), response.CiphertextBlob.ToArray());
    }

    public async Task<byte[]> UnwrapAsync(byte[] wrapped, CancellationToken cancellationToken)
    {
        using var blob = new MemoryStream(wrapped, writable: false);
        var response = await kms.DecryptAsync(new DecryptRequest
        {
            KeyId = keyId,
            CiphertextBlob = blob,
            EncryptionContext = Context,
        }, cancellationToken).ConfigureAwait(false);
        return response.Plaintext.ToArray();
    }

    /// <summary>The KMS client, once per container: the endpoint from <c>AWS_ENDPOINT_URL_KMS</c> when set (moto locally).</summary>
    public static IAmazonKeyManagementService CreateClient(ServiceEndpoints endpoints)
    {
        var config = new AmazonKeyManagementServiceConfig { RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(endpoints.Region) };
        if (endpoints.Kms is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = endpoints.Region;
        }

        return endpoints.AccessKey is { } key && endpoints.SecretKey is { } secret
            ? new AmazonKeyManagementServiceClient(new BasicAWSCredentials(key, secret), config)
            : new AmazonKeyManagementServiceClient(config);
    }
}
