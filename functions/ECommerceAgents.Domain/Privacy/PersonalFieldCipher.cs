using System.Security.Cryptography;
using System.Text.Json;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// Encrypts an event record's personal fields in place (the door) and decrypts them again (the readers), touching
/// nothing else: every other byte of the record is copied as it is. A value is sealed as its JSON text (escapes kept),
/// so opening it gives back the exact bytes. On the way back, a field whose key was deleted (the subject was erased) is
/// removed with its name. One instance serves one caller at a time; its buffers are reused.
/// </summary>
internal sealed class PersonalFieldCipher(PersonalFields fields)
{
    private enum Parent
    {
        Root,
        Context,
        Data,
        Other,
    }

    /// <summary>A personal string value found in a record: the value's text between its quotes, and its field's name.</summary>
    private readonly record struct Found(int Start, int End, byte[] Name);

    private readonly List<Found> _found = [];
    private readonly byte[] _scratch = new byte[64];
    private byte[] _out = new byte[1024];

    // Nonces drawn from the CSPRNG 32 at a time, each used once: one call per request's worth of fields, not per field
    // (a call costs more than the AES-GCM operation). What a request leaves unused goes with the instance.
    private readonly byte[] _nonces = new byte[SubjectKey.NonceSize * 32];
    private int _noncesUsed = SubjectKey.NonceSize * 32;
    private int _length;

    /// <summary>How many personal values the record holds (they are remembered for <see cref="Encrypt"/>).</summary>
    public int FindPersonal(ReadOnlySpan<byte> record, string type)
    {
        _found.Clear();
        var dataFields = fields.DataFields(type);
        var reader = new Utf8JsonReader(record, new JsonReaderOptions { MaxDepth = 64 });
        var parent = Parent.Root;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 1) parent = Parent.Root;
            if (reader.TokenType != JsonTokenType.PropertyName) continue;
            var depth = reader.CurrentDepth;
            var name = Name(ref reader, _scratch);
            if (!reader.Read()) break;
            if (reader.TokenType == JsonTokenType.StartObject && depth == 1)
            {
                parent = name.SequenceEqual("context"u8) ? Parent.Context : name.SequenceEqual("data"u8) ? Parent.Data : Parent.Other;
                continue;
            }

            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
            if (reader.TokenType != JsonTokenType.String) continue;
            if (Personal(parent, name, dataFields) is { } canonical)
            {
                _found.Add(new Found((int)reader.TokenStartIndex + 1, (int)reader.BytesConsumed - 1, canonical));
            }
        }

        return _found.Count;
    }

    /// <summary>The record with the values <see cref="FindPersonal"/> found sealed under <paramref name="key"/>.</summary>
    public byte[] Encrypt(ReadOnlySpan<byte> record, SubjectKey key)
    {
        _length = 0;
        var copied = 0;
        foreach (var f in _found)
        {
            Append(record[copied..f.Start]);
            var plaintext = record[f.Start..f.End];
            Ensure(SubjectKey.CiphertextLength(plaintext.Length));
            _length += key.Encrypt(f.Name, plaintext, _out.AsSpan(_length), NextNonce());
            copied = f.End;
        }

        Append(record[copied..]);
        return _out.AsSpan(0, _length).ToArray();
    }

    /// <summary>
    /// The record with every sealed value opened (those of a deleted key removed with their field): the bytes live in
    /// this instance until the next call. <paramref name="keys"/> maps a key id to its key, or to null for a deleted one; a
    /// key id it does not hold leaves the value as it is. <paramref name="used"/> is the first key that opened a value.
    /// </summary>
    public ReadOnlySpan<byte> Decrypt(ReadOnlySpan<byte> record, Dictionary<string, SubjectKey?> keys, out SubjectKey? used)
    {
        used = null;
        _length = 0;
        var copied = 0;
        var reader = new Utf8JsonReader(record, new JsonReaderOptions { MaxDepth = 64 });
        Span<char> id = stackalloc char[SubjectKey.KeyIdLength];
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth > 2) continue;
            var nameStart = (int)reader.TokenStartIndex;
            var name = Name(ref reader, _scratch);
            if (!reader.Read()) break;
            if (reader.TokenType == JsonTokenType.StartArray) reader.Skip();
            if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || !SubjectKey.TryKeyId(reader.ValueSpan, out var keyId)) continue;
            System.Text.Encoding.ASCII.GetChars(keyId, id);
            if (!keys.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var key)) continue;
            var valueStart = (int)reader.TokenStartIndex + 1;
            var valueEnd = (int)reader.BytesConsumed - 1;
            if (key is null)
            {
                copied = Remove(record, copied, nameStart, valueEnd + 1);
                continue;
            }

            Append(record[copied..valueStart]);
            Ensure(valueEnd - valueStart);
            var n = key.Decrypt(name, record[valueStart..valueEnd], _out.AsSpan(_length));
            if (n < 0)
            {
                Append(record[valueStart..valueEnd]); // not sealed for this field: left as it is
            }
            else
            {
                _length += n;
                used ??= key;
            }

            copied = valueEnd;
        }

        Append(record[copied..]);
        return _out.AsSpan(0, _length);
    }

    /// <summary>Drops a property (name to value end) and one comma next to it; returns where copying resumes.</summary>
    private int Remove(ReadOnlySpan<byte> record, int copied, int start, int end)
    {
        Append(record[copied..start]);
        var next = end;
        while (next < record.Length && record[next] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') next++;
        if (next < record.Length && record[next] == (byte)',') return next + 1;

        // The object's last property: the comma before it goes instead.
        var back = _length;
        while (back > 0 && _out[back - 1] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') back--;
        if (back > 0 && _out[back - 1] == (byte)',') _length = back - 1;
        return end;
    }

    private byte[]? Personal(Parent parent, ReadOnlySpan<byte> name, byte[][]? dataFields)
    {
        switch (parent)
        {
            case Parent.Root:
                return fields.EnvelopeField([], name);
            case Parent.Context:
                return fields.EnvelopeField("context"u8, name);
            case Parent.Data when dataFields is not null:
                foreach (var d in dataFields)
                {
                    if (name.SequenceEqual(d)) return d;
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>The property's name, unescaped (into <paramref name="scratch"/>) when it was escaped; an over-long escaped name reads as empty.</summary>
    private static ReadOnlySpan<byte> Name(ref Utf8JsonReader reader, byte[] scratch)
    {
        if (!reader.ValueIsEscaped) return reader.ValueSpan;
        return reader.ValueSpan.Length <= scratch.Length ? scratch.AsSpan(0, reader.CopyString(scratch)) : default;
    }

    private ReadOnlySpan<byte> NextNonce()
    {
        if (_noncesUsed == _nonces.Length)
        {
            RandomNumberGenerator.Fill(_nonces);
            _noncesUsed = 0;
        }

        _noncesUsed += SubjectKey.NonceSize;
        return _nonces.AsSpan(_noncesUsed - SubjectKey.NonceSize, SubjectKey.NonceSize);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_out.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Ensure(int more)
    {
        if (_length + more <= _out.Length) return;
        Array.Resize(ref _out, Math.Max(_out.Length * 2, _length + more));
    }
}
