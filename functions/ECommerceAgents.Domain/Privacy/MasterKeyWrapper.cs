using System.Security.Cryptography;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// The local stand-in for KMS envelope encryption: data keys are wrapped with AES-256-GCM under a master key from the
/// environment. Wrapped form: version byte 1, 12-byte nonce, 32-byte ciphertext, 16-byte tag.
/// </summary>
internal sealed class MasterKeyWrapper : IDataKeyWrapper, IDisposable
{
    private const byte Version = 1;
    private readonly AesGcm _aes;

    /// <param name="masterKey">32 bytes (base64 in the setting).</param>
    public MasterKeyWrapper(byte[] masterKey)
    {
        if (masterKey.Length != 32) throw new ArgumentException("The master key must be 32 bytes (base64 of 32 random bytes).", nameof(masterKey));
        _aes = new AesGcm(masterKey, 16);
    }

    public Task<(byte[] Plaintext, byte[] Wrapped)> GenerateAsync(CancellationToken cancellationToken)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var wrapped = new byte[1 + 12 + 32 + 16];
        wrapped[0] = Version;
        RandomNumberGenerator.Fill(wrapped.AsSpan(1, 12));
        lock (_aes) _aes.Encrypt(wrapped.AsSpan(1, 12), key, wrapped.AsSpan(13, 32), wrapped.AsSpan(45, 16), [Version]);
        return Task.FromResult((key, wrapped));
    }

    public Task<byte[]> UnwrapAsync(byte[] wrapped, CancellationToken cancellationToken)
    {
        if (wrapped.Length != 61 || wrapped[0] != Version) throw new CryptographicException("Not a data key wrapped by the master key.");
        var key = new byte[32];
        lock (_aes) _aes.Decrypt(wrapped.AsSpan(1, 12), wrapped.AsSpan(13, 32), wrapped.AsSpan(45, 16), key, [Version]);
        return Task.FromResult(key);
    }

    public void Dispose() => _aes.Dispose();
}
