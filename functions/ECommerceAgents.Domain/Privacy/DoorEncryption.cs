using ECommerceAgents.Domain.Ingest;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// The door: seals every personal field of accepted events under their subject's data key before they go to the
/// stream, and replaces a partition key that names a person (user, anonymous id, device) with the subject's pseudonym,
/// so the stream, the raw archive and the quarantine hold ciphertext and pseudonyms only. An event with no personal
/// value is left as it is (no key is made for it). Thread-safe; one call per request.
/// </summary>
public sealed class DoorEncryption(SubjectKeyring keyring)
{
    private readonly PersonalFields _fields = PersonalFields.Default;

    public async Task<IReadOnlyList<AcceptedEvent>> ProtectAsync(IReadOnlyList<AcceptedEvent> events, CancellationToken cancellationToken)
    {
        var cipher = new PersonalFieldCipher(_fields);
        var result = new AcceptedEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (e.Subject is null || cipher.FindPersonal(e.Record, e.Type) == 0)
            {
                result[i] = e;
                continue;
            }

            var key = await keyring.ForSubjectAsync(e.Subject, cancellationToken).ConfigureAwait(false);
            result[i] = e with { Record = cipher.Encrypt(e.Record, key), PartitionKey = PartitionKey(e.PartitionKey, key) };
        }

        return result;
    }

    /// <summary><c>user:</c>, <c>anon:</c> and <c>device:</c> keys name a person: the kind stays, the id becomes the subject's pseudonym.</summary>
    private static string PartitionKey(string key, SubjectKey subjectKey)
    {
        var colon = key.IndexOf(':', StringComparison.Ordinal);
        return key.AsSpan(0, colon + 1) is "user:" or "anon:" or "device:" ? string.Concat(key.AsSpan(0, colon + 1), subjectKey.PartitionPseudonym) : key;
    }
}
