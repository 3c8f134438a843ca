namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// The subjects' data keys as a warm function uses them: get-or-create by subject (the door), find by key id (the
/// readers), shred (erasure). Clear keys are cached for a bounded time (<paramref name="lifetime"/>, 5 minutes by default) and number
/// (<paramref name="maxEntries"/>),
/// so KMS and the key table are called once per subject per lifetime, not per event, and an erased key is gone from
/// every warm function within one lifetime. A key id found missing is remembered as missing for the same time.
/// Thread-safe.
/// </summary>
public sealed class SubjectKeyring(ISubjectKeyStore store, IDataKeyWrapper wrapper, TimeSpan lifetime, int maxEntries, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (SubjectKey Key, long Expires)> _bySubject = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (SubjectKey? Key, long Expires)> _byKeyId = new(StringComparer.Ordinal);

    /// <summary>Data keys unwrapped (KMS Decrypt or GenerateDataKey calls, in AWS) since start: the cost figure.</summary>
    public long Unwraps => Interlocked.Read(ref _unwraps);

    private long _unwraps;

    /// <summary>The subject's key, created (and stored) when it has none.</summary>
    internal async ValueTask<SubjectKey> ForSubjectAsync(string subject, CancellationToken cancellationToken)
    {
        if (Cached(_bySubject, subject) is { } cached) return cached;
        var stored = await store.FindBySubjectAsync(subject, cancellationToken).ConfigureAwait(false);
        SubjectKey key;
        if (stored is null)
        {
            var (plain, wrapped) = await wrapper.GenerateAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _unwraps);
            var candidate = new StoredSubjectKey(SubjectKey.NewKeyId(), wrapped);
            var winner = await store.CreateAsync(subject, candidate, cancellationToken).ConfigureAwait(false);
            key = winner.KeyId == candidate.KeyId ? new SubjectKey(winner.KeyId, plain) : await UnwrapAsync(winner, cancellationToken).ConfigureAwait(false);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
        }
        else
        {
            key = await UnwrapAsync(stored, cancellationToken).ConfigureAwait(false);
        }

        Remember(subject, key);
        return key;
    }

    /// <summary>The key of a ciphertext's key id, or null when it was deleted (the subject was erased).</summary>
    /// <summary>
    /// The keys of a micro-batch's key ids into <paramref name="into"/> (null for a deleted one): the cached ones at
    /// once, the rest read together (BatchGetItem in AWS) rather than one round trip per subject.
    /// </summary>
    internal async ValueTask ForKeyIdsAsync(IReadOnlyList<string> keyIds, Dictionary<string, SubjectKey?> into, CancellationToken cancellationToken)
    {
        List<string>? missing = null;
        lock (_gate)
        {
            var now = clock.GetTimestamp();
            foreach (var id in keyIds)
            {
                if (_byKeyId.TryGetValue(id, out var entry) && entry.Expires > now) into[id] = entry.Key;
                else (missing ??= []).Add(id);
            }
        }

        if (missing is null) return;
        var stored = await store.FindManyAsync(missing, cancellationToken).ConfigureAwait(false);
        foreach (var id in missing)
        {
            var key = stored.TryGetValue(id, out var found) ? await UnwrapAsync(found, cancellationToken).ConfigureAwait(false) : null;
            into[id] = key;
            lock (_gate)
            {
                MakeRoom();
                _byKeyId[id] = (key, Expiry());
            }
        }
    }

    internal async ValueTask<SubjectKey?> ForKeyIdAsync(string keyId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_byKeyId.TryGetValue(keyId, out var entry) && entry.Expires > clock.GetTimestamp()) return entry.Key;
        }

        var stored = await store.FindAsync(keyId, cancellationToken).ConfigureAwait(false);
        var key = stored is null ? null : await UnwrapAsync(stored, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            MakeRoom();
            _byKeyId[keyId] = (key, Expiry());
        }

        return key;
    }

    /// <summary>
    /// One record with its sealed fields opened (those of a deleted key removed), for tools that check a record before
    /// putting its exact bytes back on the stream (redrive); StreamProcessor opens whole micro-batches instead.
    /// </summary>
    public async Task<byte[]> OpenAsync(ReadOnlyMemory<byte> record, CancellationToken cancellationToken)
    {
        var decryption = new RecordDecryption(this);
        var input = new Processing.StreamInput(new Processing.StreamPosition("open", "0"), "", record, default);
        await decryption.PrepareAsync([input], cancellationToken).ConfigureAwait(false);
        return decryption.Open(record.Span, out _).ToArray();
    }

    /// <summary>Deletes the subject's key (the store's, and this function's cached copy); false when it had none.</summary>
    public async Task<bool> ShredAsync(string subject, CancellationToken cancellationToken)
    {
        var stored = await store.FindBySubjectAsync(subject, cancellationToken).ConfigureAwait(false);
        var deleted = await store.DeleteAsync(subject, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _bySubject.Remove(subject);
            if (stored is not null) _byKeyId[stored.KeyId] = (null, Expiry());
        }

        return deleted;
    }

    private async Task<SubjectKey> UnwrapAsync(StoredSubjectKey stored, CancellationToken cancellationToken)
    {
        var plain = await wrapper.UnwrapAsync(stored.WrappedKey, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _unwraps);
        try
        {
            return new SubjectKey(stored.KeyId, plain);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(plain);
        }
    }

    private SubjectKey? Cached(Dictionary<string, (SubjectKey Key, long Expires)> map, string id)
    {
        lock (_gate)
        {
            return map.TryGetValue(id, out var entry) && entry.Expires > clock.GetTimestamp() ? entry.Key : null;
        }
    }

    private void Remember(string subject, SubjectKey key)
    {
        lock (_gate)
        {
            MakeRoom();
            var expires = Expiry();
            _bySubject[subject] = (key, expires);
            _byKeyId[key.KeyId] = (key, expires);
        }
    }

    private long Expiry() => clock.GetTimestamp() + (long)(lifetime.TotalSeconds * clock.TimestampFrequency);

    /// <summary>Drops expired entries when the cache is full, and everything when that is not enough (bounded, simple).</summary>
    private void MakeRoom()
    {
        if (_bySubject.Count + _byKeyId.Count < maxEntries) return;
        var now = clock.GetTimestamp();
        foreach (var (id, entry) in _bySubject)
        {
            if (entry.Expires <= now) _bySubject.Remove(id);
        }

        foreach (var (id, entry) in _byKeyId)
        {
            if (entry.Expires <= now) _byKeyId.Remove(id);
        }

        if (_bySubject.Count + _byKeyId.Count < maxEntries) return;
        _bySubject.Clear();
        _byKeyId.Clear();
    }
}
