namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// Wraps subjects' data keys so the key table never holds one in clear: envelope encryption under the stack's KMS key
/// in AWS (GenerateDataKey / Decrypt), a master key from the environment locally (<see cref="MasterKeyWrapper"/>).
/// </summary>
public interface IDataKeyWrapper
{
    /// <summary>A new 256-bit data key, in clear (for use, never stored) and wrapped (what is stored).</summary>
    Task<(byte[] Plaintext, byte[] Wrapped)> GenerateAsync(CancellationToken cancellationToken);

    /// <summary>The clear data key of a wrapped one.</summary>
    Task<byte[]> UnwrapAsync(byte[] wrapped, CancellationToken cancellationToken);

    /// <summary>The local wrapper: AES-256-GCM under a 32-byte master key from the environment.</summary>
    static IDataKeyWrapper FromMasterKey(byte[] masterKey) => new MasterKeyWrapper(masterKey);

    /// <summary>
    /// Subjects' keys wrapped under a key-encryption key that <paramref name="inner"/> makes every
    /// <paramref name="rotation"/>: the inner wrapper (KMS) is called once per key-encryption key and function, not once
    /// per subject (<see cref="KeyEncryptionKeyWrapper"/>).
    /// </summary>
    static IDataKeyWrapper WithKeyEncryptionKeys(IDataKeyWrapper inner, TimeSpan rotation, TimeProvider clock) => new KeyEncryptionKeyWrapper(inner, rotation, clock);
}

/// <summary>A subject's data key as the key table holds it: an opaque id (not the subject) and the wrapped key.</summary>
public sealed record StoredSubjectKey(string KeyId, byte[] WrappedKey);

/// <summary>
/// The port to the subject key table: subject → key id, and key id → wrapped key, so a reader of a ciphertext finds
/// its key from the key id alone. Deleting a subject's key is the crypto-shredding: every copy of its personal fields,
/// wherever it is, becomes unreadable.
/// </summary>
public interface ISubjectKeyStore
{
    /// <summary>The subject's key, or null when it has none (never had, or erased).</summary>
    Task<StoredSubjectKey?> FindBySubjectAsync(string subject, CancellationToken cancellationToken);

    /// <summary>The key with this id, or null when it was deleted.</summary>
    Task<StoredSubjectKey?> FindAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>The keys of these ids that exist, by id (those deleted are absent): a micro-batch's keys in a few round trips.</summary>
    Task<IReadOnlyDictionary<string, StoredSubjectKey>> FindManyAsync(IReadOnlyCollection<string> keyIds, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="candidate"/> as the subject's key unless it already has one; returns the key that holds
    /// (the first writer wins, so two functions creating at once agree).
    /// </summary>
    Task<StoredSubjectKey> CreateAsync(string subject, StoredSubjectKey candidate, CancellationToken cancellationToken);

    /// <summary>Deletes the subject's key; false when it had none.</summary>
    Task<bool> DeleteAsync(string subject, CancellationToken cancellationToken);
}
