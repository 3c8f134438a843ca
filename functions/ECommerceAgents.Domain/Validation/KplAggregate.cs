using System.Security.Cryptography;

namespace ECommerceAgents.Domain.Validation;

/// <summary>
/// Recognises a Kinesis Producer Library aggregated record: the magic bytes <c>F3 89 9A C2</c>, a protobuf
/// <c>AggregatedRecord</c>, and the MD5 of that protobuf as the last 16 bytes. Only a record whose checksum matches is
/// one (as the KCL decides); anything else with the magic is merely bytes that are not UTF-8. No JSON event can start
/// with the magic, which is not valid UTF-8.
/// </summary>
internal static class KplAggregate
{
    public static ReadOnlySpan<byte> Magic => [0xF3, 0x89, 0x9A, 0xC2];

    private const int DigestLength = 16;

    public static bool Is(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < Magic.Length + DigestLength || !payload.StartsWith(Magic)) return false;
        var body = payload[Magic.Length..^DigestLength];
        Span<byte> digest = stackalloc byte[DigestLength];
#pragma warning disable CA5351 // MD5 is the KPL format's checksum here, not a security measure.
        MD5.HashData(body, digest);
#pragma warning restore CA5351
        return digest.SequenceEqual(payload[^DigestLength..]);
    }
}
