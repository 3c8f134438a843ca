using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace ECommerceAgents.Domain.Enrichment;

/// <summary>
/// Replaces personal data before an event leaves StreamProcessor: a keyed HMAC-SHA256 of e-mail addresses and device
/// ids (deterministic, so joins still work; irreversible without the key, which comes from configuration), and IP
/// addresses truncated to /24 (IPv4) or /48 (IPv6). The keyed hash is built once and reused. Not thread-safe.
/// </summary>
internal sealed class Pseudonymiser : IDisposable
{
    private readonly IncrementalHash _hmac;

    public Pseudonymiser(ReadOnlySpan<byte> key)
    {
        if (key.Length < 16)
        {
            throw new ArgumentException("The pseudonymisation key must be at least 16 bytes; set ECA_PSEUDONYM_KEY (or its SSM parameter).", nameof(key));
        }

        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
    }

    public static Pseudonymiser FromSecret(string secret) => new(Encoding.UTF8.GetBytes(secret));

    /// <summary>32 hex characters (128 bits) of HMAC-SHA256 over <c>purpose:value</c>; e-mails are trimmed and lower-cased first.</summary>
    public string Hash(string value, string purpose)
    {
        var normalized = purpose == "email" ? value.Trim().ToLowerInvariant() : value;
        var length = Encoding.UTF8.GetMaxByteCount(purpose.Length + 1 + normalized.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(purpose, rented);
            rented[written++] = (byte)':';
            written += Encoding.UTF8.GetBytes(normalized, rented.AsSpan(written));
            _hmac.AppendData(rented, 0, written);
            Span<byte> digest = stackalloc byte[32];
            _hmac.GetHashAndReset(digest);
            return Convert.ToHexStringLower(digest[..16]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The network part only: IPv4 /24, IPv6 /48. Null for anything that is not an IP address.</summary>
    public static string? TruncateIp(string? ip)
    {
        if (ip is null || !IPAddress.TryParse(ip, out var address)) return null;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var n);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0";
        }

        bytes[6..n].Clear();
        return new IPAddress(bytes[..n]).ToString();
    }

    public void Dispose() => _hmac.Dispose();
}
