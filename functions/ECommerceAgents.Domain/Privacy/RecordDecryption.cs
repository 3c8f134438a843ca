using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// The readers' side of the door (StreamProcessor, replay, redrive): finds the key ids a micro-batch's records are
/// sealed with, fetches their keys in one go (cached by the <see cref="SubjectKeyring"/>), then opens each record for
/// parsing (the keys not cached are read together, not one round trip per subject). A record with no sealed value is passed through as it is (one vectorised search). A value whose key was
/// deleted is removed with its field, so an erased subject's records parse as if they never held it. One instance
/// serves one micro-batch at a time.
/// </summary>
internal sealed class RecordDecryption(SubjectKeyring? keyring)
{
    private readonly Dictionary<string, SubjectKey?> _keys = new(StringComparer.Ordinal);
    private readonly PersonalFieldCipher _cipher = new(PersonalFields.Default);

    private static ReadOnlySpan<byte> Marker => "\"e1."u8;

    /// <summary>Fetches the keys of every key id the records name (those deleted as null).</summary>
    public async ValueTask PrepareAsync(IReadOnlyList<StreamInput> records, CancellationToken cancellationToken)
    {
        _keys.Clear();
        if (keyring is null) return;
        List<string>? wanted = null;
        for (var i = 0; i < records.Count; i++) Collect(records[i].Data.Span, ref wanted);
        if (wanted is null) return;
        await keyring.ForKeyIdsAsync(wanted, _keys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The record opened (valid until the next call), and the key that opened it, if any.</summary>
    public ReadOnlySpan<byte> Open(ReadOnlySpan<byte> data, out SubjectKey? key)
    {
        key = null;
        return _keys.Count == 0 || data.IndexOf(Marker) < 0 ? data : _cipher.Decrypt(data, _keys, out key);
    }

    private void Collect(ReadOnlySpan<byte> data, ref List<string>? wanted)
    {
        var lookup = _keys.GetAlternateLookup<ReadOnlySpan<char>>();
        Span<char> id = stackalloc char[SubjectKey.KeyIdLength];
        int at;
        while ((at = data.IndexOf(Marker)) >= 0)
        {
            data = data[(at + 1)..];
            if (!SubjectKey.TryKeyId(data, out var keyId)) continue;
            System.Text.Encoding.ASCII.GetChars(keyId, id);
            if (lookup.ContainsKey(id)) continue;
            var text = new string(id);
            _keys[text] = null;
            (wanted ??= []).Add(text);
        }
    }
}
