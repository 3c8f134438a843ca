using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// Subjects' data keys wrapped under a key-encryption key (KEK) that is itself wrapped by the inner wrapper (KMS in AWS),
/// so the inner wrapper is called once per KEK, not once per subject. Every new subject otherwise costs a KMS
/// GenerateDataKey at the door and a Decrypt in each function that reads it: with 50 to 100 new subjects per 1,000
/// events that is thousands of KMS requests a second at 1,000 requests/s of 10 events, several thousand dollars a month
/// and a large share of the account's KMS request quota.
/// <list type="bullet">
/// <item>A writer makes a new KEK through the inner wrapper every <c>rotation</c> (an hour by default) and wraps each
/// new subject key under it with AES-256-GCM, the KEK's own wrapped form bound in as associated data.</item>
/// <item>The wrapped subject key carries the KEK's wrapped form: format byte 0xE2, its length (2 bytes, big-endian),
/// the wrapped KEK, a 12-byte nonce, the 32-byte ciphertext and the 16-byte tag. A reader unwraps a KEK it has not seen
/// through the inner wrapper and keeps it for the same rotation time (at most 64 KEKs).</item>
/// <item>Shredding is unchanged: the subject key table's item goes, and a KEK cannot bring back a key that is no longer
/// stored. A table copy still needs the inner wrapper (KMS) to open anything.</item>
/// <item>A key wrapped by the inner wrapper alone (before this layer) still unwraps: its first byte is never 0xE2 (KMS
/// ciphertext blobs and the master key's format begin with 1).</item>
/// </list>
/// Clear KEKs stay in a warm function for at most twice the rotation time.
/// </summary>
internal sealed class KeyEncryptionKeyWrapper(IDataKeyWrapper inner, TimeSpan rotation, TimeProvider clock) : IDataKeyWrapper, IDisposable
{
    private const byte Format = 0xE2;
    private const int MaxReaderKeks = 64;
    private readonly SemaphoreSlim _rotate = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (byte[] Kek, long Expires)> _readerKeks = new(StringComparer.Ordinal);
    private CurrentKek? _current;

    public async Task<(byte[] Plaintext, byte[] Wrapped)> GenerateAsync(CancellationToken cancellationToken)
    {
        var (kek, wrappedKek) = await CurrentAsync(cancellationToken).ConfigureAwait(false);
        var key = RandomNumberGenerator.GetBytes(32);
        var wrapped = new byte[3 + wrappedKek.Length + 12 + 32 + 16];
        wrapped[0] = Format;
        BinaryPrimitives.WriteUInt16BigEndian(wrapped.AsSpan(1, 2), checked((ushort)wrappedKek.Length));
        wrappedKek.CopyTo(wrapped.AsSpan(3));
        var rest = wrapped.AsSpan(3 + wrappedKek.Length);
        RandomNumberGenerator.Fill(rest[..12]);
        using var aes = new AesGcm(kek, 16);
        aes.Encrypt(rest[..12], key, rest.Slice(12, 32), rest.Slice(44, 16), wrappedKek);
        return (key, wrapped);
    }

    public async Task<byte[]> UnwrapAsync(byte[] wrapped, CancellationToken cancellationToken)
    {
        if (wrapped.Length == 0 || wrapped[0] != Format) return await inner.UnwrapAsync(wrapped, cancellationToken).ConfigureAwait(false);
        if (wrapped.Length < 3) throw new CryptographicException("A truncated data key.");
        var kekLength = BinaryPrimitives.ReadUInt16BigEndian(wrapped.AsSpan(1, 2));
        if (wrapped.Length != 3 + kekLength + 12 + 32 + 16) throw new CryptographicException("Not a data key wrapped under a key-encryption key.");
        var wrappedKek = wrapped.AsSpan(3, kekLength).ToArray();
        var kek = await ReaderKekAsync(wrappedKek, cancellationToken).ConfigureAwait(false);
        var rest = wrapped.AsSpan(3 + kekLength);
        var key = new byte[32];
        using var aes = new AesGcm(kek, 16);
        aes.Decrypt(rest[..12], rest.Slice(12, 32), rest.Slice(44, 16), key, wrappedKek);
        return key;
    }

    /// <summary>This writer's KEK, made anew through the inner wrapper once the last one is older than the rotation.</summary>
    private async Task<(byte[] Kek, byte[] Wrapped)> CurrentAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _current) is { } now && now.Expires > clock.GetTimestamp()) return (now.Key, now.Wrapped);
        await _rotate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } again && again.Expires > clock.GetTimestamp()) return (again.Key, again.Wrapped);
            var (kek, wrapped) = await inner.GenerateAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _current, new CurrentKek(kek, wrapped, Expiry()));
            return (kek, wrapped);
        }
        finally
        {
            _rotate.Release();
        }
    }

    /// <summary>A KEK met in a wrapped subject key: cached, else unwrapped by the inner wrapper (one KMS Decrypt).</summary>
    private async Task<byte[]> ReaderKekAsync(byte[] wrappedKek, CancellationToken cancellationToken)
    {
        var id = Convert.ToBase64String(SHA256.HashData(wrappedKek));
        lock (_gate)
        {
            if (_readerKeks.TryGetValue(id, out var known) && known.Expires > clock.GetTimestamp()) return known.Kek;
        }

        var kek = await inner.UnwrapAsync(wrappedKek, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_readerKeks.Count >= MaxReaderKeks) _readerKeks.Clear();
            _readerKeks[id] = (kek, Expiry());
        }

        return kek;
    }

    public void Dispose() => _rotate.Dispose();

    private sealed record CurrentKek(byte[] Key, byte[] Wrapped, long Expires);

    private long Expiry() => clock.GetTimestamp() + (long)(rotation.TotalSeconds * clock.TimestampFrequency);
}
