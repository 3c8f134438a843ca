using System.Text.Json;

namespace ECommerceAgents.Domain.Logs;

/// <summary>Log levels as the normalised record spells them.</summary>
internal static class LogLevels
{
    /// <summary>TRACE, DEBUG, INFO, WARN, ERROR or FATAL from the many spellings services use (pino's numbers included).</summary>
    public static string Normalise(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number when value.TryGetInt32(out var n) => n switch
        {
            <= 10 => "TRACE",
            <= 20 => "DEBUG",
            <= 30 => "INFO",
            <= 40 => "WARN",
            <= 50 => "ERROR",
            _ => "FATAL",
        },
        JsonValueKind.String => Normalise(value.GetString()!),
        _ => "INFO",
    };

    public static string Normalise(string level) => level.Trim().Trim('[', ']').ToUpperInvariant() switch
    {
        "TRACE" or "VERBOSE" or "FINEST" or "FINER" => "TRACE",
        "DEBUG" or "DBG" or "FINE" or "D" => "DEBUG",
        "INFO" or "INFORMATION" or "INFORMATIONAL" or "NOTICE" or "LOG" or "I" => "INFO",
        "WARN" or "WARNING" or "W" => "WARN",
        "ERROR" or "ERR" or "SEVERE" or "E" or "FAIL" or "FAILURE" => "ERROR",
        "FATAL" or "CRITICAL" or "CRIT" or "ALERT" or "EMERG" or "EMERGENCY" or "PANIC" or "F" => "FATAL",
        _ => "INFO",
    };
}
