using System.Text.Json;

namespace ECommerceAgents.Lambda.Logging;

public enum LogLevel
{
    Debug,
    Info,
    Warn,
    Error,
}

/// <summary>
/// Structured JSON log lines (one object per line) with a correlation id. Callers pass identifiers and counts,
/// never raw PII: the fields are written as given.
/// </summary>
public sealed class JsonLog(string service, TextWriter? output = null, TimeProvider? clock = null, LogLevel minimum = LogLevel.Info)
{
    private readonly TextWriter _output = output ?? Console.Out;
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Lock _gate = new();

    public string? CorrelationId { get; set; }

    public void Write(LogLevel level, string message, params (string Key, object? Value)[] fields)
    {
        if (level < minimum)
        {
            return;
        }

        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("timestamp", _clock.GetUtcNow().ToString("O"));
            w.WriteString("level", level.ToString().ToUpperInvariant());
            w.WriteString("service", service);
            if (CorrelationId is not null) w.WriteString("correlationId", CorrelationId);
            w.WriteString("message", message);
            foreach (var (key, value) in fields)
            {
                switch (value)
                {
                    case null: w.WriteNull(key); break;
                    case string s: w.WriteString(key, s); break;
                    case int i: w.WriteNumber(key, i); break;
                    case long l: w.WriteNumber(key, l); break;
                    case double d: w.WriteNumber(key, d); break;
                    case bool b: w.WriteBoolean(key, b); break;
                    case IEnumerable<string> list:
                        w.WriteStartArray(key);
                        foreach (var item in list) w.WriteStringValue(item);
                        w.WriteEndArray();
                        break;
                    case Exception ex: w.WriteString(key, ex.GetType().Name + ": " + ex.Message); break;
                    default: w.WriteString(key, value.ToString()); break;
                }
            }

            w.WriteEndObject();
        }

        var line = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        lock (_gate)
        {
            _output.WriteLine(line);
        }
    }

    public void Info(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Info, message, fields);

    public void Warn(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Warn, message, fields);

    public void Error(string message, params (string Key, object? Value)[] fields) => Write(LogLevel.Error, message, fields);
}
