using System.Globalization;
using System.Text.Json;

namespace ECommerceAgents.Domain.Logs;

/// <summary>Log times as services write them: ISO 8601 text, or epoch seconds, milliseconds, microseconds or nanoseconds.</summary>
internal static class LogTimes
{
    public static DateTimeOffset? Parse(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Parse(value.GetString()!),
        JsonValueKind.Number when value.TryGetDouble(out var n) => FromEpoch(n),
        _ => null,
    };

    public static DateTimeOffset? Parse(string text)
    {
        if (text.Length == 0) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var epoch)) return FromEpoch(epoch);
        return DateTimeOffset.TryParse(text.Replace(',', '.'), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;
    }

    private static DateTimeOffset? FromEpoch(double n)
    {
        try
        {
            return n switch
            {
                > 1e17 => DateTimeOffset.FromUnixTimeMilliseconds((long)(n / 1e6)), // nanoseconds
                > 1e14 => DateTimeOffset.FromUnixTimeMilliseconds((long)(n / 1e3)), // microseconds
                > 1e11 => DateTimeOffset.FromUnixTimeMilliseconds((long)n),
                > 1e8 => DateTimeOffset.FromUnixTimeMilliseconds((long)(n * 1000)),
                _ => null,
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
