using System.Security.Cryptography;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// The random ids every request gets (its request id, and a trace context when none came in), from the system's
/// CSPRNG drawn in blocks per thread: one system call serves about a hundred requests instead of up to three calls per
/// request (<c>Guid.NewGuid</c> and two draws for a traceparent), which the profile of <c>bench api</c> showed as a
/// tenth of the API's own time. Each byte is used once.
/// </summary>
internal static class RandomIds
{
    private const int BlockBytes = 4096;

    /// <summary>The length of a version-00 traceparent: <c>00-</c>, 32 hex digits, <c>-</c>, 16 hex digits, <c>-01</c>.</summary>
    public const int TraceparentLength = 55;

    [ThreadStatic]
    private static byte[]? _block;

    [ThreadStatic]
    private static int _used;

    /// <summary>A random (version 4) GUID in the "N" format, as <c>Guid.NewGuid().ToString("N")</c> writes it.</summary>
    public static string RequestId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Take(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(bytes).ToString("N");
    }

    /// <summary>A new sampled W3C trace context: a random trace id and span id.</summary>
    public static string Traceparent()
    {
        Span<byte> random = stackalloc byte[24];
        Take(random);
        Span<char> text = stackalloc char[TraceparentLength];
        "00-".CopyTo(text);
        Convert.TryToHexStringLower(random[..16], text[3..35], out _);
        text[35] = '-';
        Convert.TryToHexStringLower(random[16..], text[36..52], out _);
        "-01".CopyTo(text[52..]);
        return new string(text);
    }

    private static void Take(Span<byte> destination)
    {
        if (_block is null)
        {
            _block = new byte[BlockBytes];
            _used = BlockBytes;
        }

        if (_used + destination.Length > BlockBytes)
        {
            RandomNumberGenerator.Fill(_block);
            _used = 0;
        }

        _block.AsSpan(_used, destination.Length).CopyTo(destination);
        _block.AsSpan(_used, destination.Length).Clear();
        _used += destination.Length;
    }
}
