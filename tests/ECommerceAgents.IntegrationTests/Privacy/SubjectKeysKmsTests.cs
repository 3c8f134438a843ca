using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Kms;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Privacy;

/// <summary>
/// The AWS envelope path against a real KMS API (moto 5.2 in server mode): data keys made by GenerateDataKey and
/// unwrapped by Decrypt, stored wrapped in the subject key table (the DynamoDB stand-in), opened by a cold function
/// from the key id alone, and gone for every reader once shredded.
/// </summary>
public sealed class SubjectKeysKmsTests : IAsyncLifetime
{
    private MotoServer? _moto;
    private string? _skip;
    private IAmazonKeyManagementService? _kms;
    private string _keyId = "";

    public async ValueTask InitializeAsync()
    {
        (_moto, _skip) = await MotoServer.StartAsync();
        if (_moto is null) return;
        _kms = KmsDataKeyWrapper.CreateClient(new ServiceEndpoints { Region = "us-east-1", Kms = _moto.Endpoint, AccessKey = "test", SecretKey = "test" });
        _keyId = (await _kms.CreateKeyAsync(new CreateKeyRequest { Description = "eca subject keys (test)" })).KeyMetadata.KeyId;
    }

    private KmsDataKeyWrapper Wrapper()
    {
        if (_moto is null) Assert.Skip(_skip!);
        return new KmsDataKeyWrapper(_kms!, _keyId);
    }

    [Fact]
    public async Task GenerateDataKey_ThenDecrypt_GiveTheSameKey_ATamperedBlobIsRefused()
    {
        var wrapper = Wrapper();

        var (plain, wrapped) = await wrapper.GenerateAsync(CancellationToken.None);

        Assert.Equal(32, plain.Length);
        Assert.True(wrapped.Length > 32);
        Assert.Equal(plain, await wrapper.UnwrapAsync(wrapped, CancellationToken.None));
        var tampered = (byte[])wrapped.Clone();
        tampered[^1] ^= 0x5A;
        await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(() => wrapper.UnwrapAsync(tampered, CancellationToken.None));
    }

    [Fact]
    public async Task Keyring_OverTheKeyTableAndKms_ColdReaderOpensByKeyId_ShredIsFinal()
    {
        var wrapper = Wrapper();
        var stack = await TestStack.GetAsync();
        var names = await TestStack.ResourcesForAsync("subjectkeys");
        using var dynamo = DynamoDbClientFactory.Create(stack.Endpoints);
        var store = new SubjectKeyStore(dynamo, names);
        SubjectKeyring Ring() => new(store, wrapper, TimeSpan.FromMinutes(5), 100, TimeProvider.System);

        var door = Ring();
        var key = await door.ForSubjectAsync("user:kms-1", CancellationToken.None);
        var again = await door.ForSubjectAsync("user:kms-1", CancellationToken.None);
        Assert.Same(key, again); // cached: one KMS call per subject per lifetime
        Assert.Equal(1, door.Unwraps);

        var reader = await Ring().ForKeyIdAsync(key.KeyId, CancellationToken.None);
        Assert.NotNull(reader);
        Assert.Equal(key.Pseudonym("email", "ann@example.com"), reader.Pseudonym("email", "ann@example.com"));
        var stored = await store.FindAsync(key.KeyId, CancellationToken.None);
        Assert.NotNull(stored); // the table holds the KMS blob, which only KMS opens
        Assert.NotEqual(32, stored.WrappedKey.Length);

        Assert.True(await Ring().ShredAsync("user:kms-1", CancellationToken.None));

        Assert.Null(await Ring().ForKeyIdAsync(key.KeyId, CancellationToken.None));
        Assert.Null(await store.FindBySubjectAsync("user:kms-1", CancellationToken.None));
        Assert.False(await Ring().ShredAsync("user:kms-1", CancellationToken.None));
    }

    public async ValueTask DisposeAsync()
    {
        _kms?.Dispose();
        if (_moto is not null) await _moto.DisposeAsync();
    }
}
