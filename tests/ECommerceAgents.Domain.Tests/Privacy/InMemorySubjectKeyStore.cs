using System.Collections.Concurrent;
using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.Domain.Tests.Privacy;

/// <summary>The subject key table in memory, counting its reads.</summary>
internal sealed class InMemorySubjectKeyStore : ISubjectKeyStore
{
    private readonly ConcurrentDictionary<string, string> _bySubject = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StoredSubjectKey> _byId = new(StringComparer.Ordinal);

    public int Reads;

    public IReadOnlyCollection<StoredSubjectKey> Keys => [.. _byId.Values];

    public Task<StoredSubjectKey?> FindBySubjectAsync(string subject, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Reads);
        return Task.FromResult(_bySubject.TryGetValue(subject, out var id) ? _byId.GetValueOrDefault(id) : null);
    }

    public Task<StoredSubjectKey?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Reads);
        return Task.FromResult(_byId.GetValueOrDefault(keyId));
    }

    public Task<IReadOnlyDictionary<string, StoredSubjectKey>> FindManyAsync(IReadOnlyCollection<string> keyIds, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Reads);
        return Task.FromResult<IReadOnlyDictionary<string, StoredSubjectKey>>(keyIds.Where(_byId.ContainsKey).Distinct().ToDictionary(id => id, id => _byId[id], StringComparer.Ordinal));
    }

    public Task<StoredSubjectKey> CreateAsync(string subject, StoredSubjectKey candidate, CancellationToken cancellationToken)
    {
        _byId[candidate.KeyId] = candidate;
        var winner = _bySubject.GetOrAdd(subject, candidate.KeyId);
        if (winner != candidate.KeyId) _byId.TryRemove(candidate.KeyId, out _);
        return Task.FromResult(_byId[winner]);
    }

    public Task<bool> DeleteAsync(string subject, CancellationToken cancellationToken)
    {
        if (!_bySubject.TryRemove(subject, out var id)) return Task.FromResult(false);
        _byId.TryRemove(id, out _);
        return Task.FromResult(true);
    }
}
