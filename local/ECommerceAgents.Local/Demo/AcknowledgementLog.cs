using System.Globalization;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Demo;

/// <summary>
/// The functions' log, passed through unchanged, keeping StreamProcessor's "batch acknowledged" lines (written when
/// <see cref="Setting"/> is true): when the store acknowledged each event's last write, for the demo's accept → write
/// latency and the soak's processed rate.
/// </summary>
public sealed class AcknowledgementLog(TextWriter inner, bool keepEventIds = true) : TextWriter
{
    /// <summary>The StreamProcessor setting that writes the acknowledged event ids of every batch to its log.</summary>
    public const string Setting = SettingNames.LogAcknowledgedEvents;

    private const string Message = "batch acknowledged";

    private readonly Lock _gate = new();
    private readonly StringBuilder _line = new();
    private readonly Dictionary<string, DateTimeOffset> _first = new(StringComparer.Ordinal);
    private readonly List<(DateTimeOffset At, int Events)> _batches = [];

    public override Encoding Encoding => inner.Encoding;

    /// <summary>Each event's first acknowledgement (empty unless event ids are kept).</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> FirstAcknowledged
    {
        get
        {
            lock (_gate) return new Dictionary<string, DateTimeOffset>(_first, StringComparer.Ordinal);
        }
    }

    /// <summary>Every acknowledged batch: when, and how many events.</summary>
    public IReadOnlyList<(DateTimeOffset At, int Events)> Batches
    {
        get
        {
            lock (_gate) return [.. _batches];
        }
    }

    public override void Write(char value)
    {
        lock (_gate)
        {
            inner.Write(value);
            Append(value.ToString());
        }
    }

    public override void Write(string? value)
    {
        lock (_gate)
        {
            inner.Write(value);
            Append(value);
        }
    }

    public override void Write(char[] buffer, int index, int count) => Write(new string(buffer, index, count));

    public override void WriteLine(string? value)
    {
        lock (_gate)
        {
            inner.WriteLine(value);
            Append(value);
            Append("\n");
        }
    }

    public override void WriteLine() => WriteLine(string.Empty);

    public override void Flush()
    {
        lock (_gate) inner.Flush();
    }

    /// <summary>A "batch acknowledged" line's time and event ids; false for any other line.</summary>
    public static bool TryParse(string line, out DateTimeOffset acknowledgedAt, out IReadOnlyList<string> eventIds)
    {
        acknowledgedAt = default;
        eventIds = [];
        if (!line.Contains(Message, StringComparison.Ordinal)) return false;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("message", out var message) || message.GetString() != Message
                || !root.TryGetProperty("acknowledgedAt", out var at) || !root.TryGetProperty("eventIds", out var ids) || ids.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            acknowledgedAt = DateTimeOffset.Parse(at.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
            eventIds = ids.EnumerateArray().Select(i => i.GetString()!).ToArray();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Append(string? text)
    {
        if (string.IsNullOrEmpty(text)) return;
        var start = 0;
        for (var newline = text.IndexOf('\n', start); newline >= 0; newline = text.IndexOf('\n', start))
        {
            _line.Append(text, start, newline - start);
            Observe(_line.ToString());
            _line.Clear();
            start = newline + 1;
        }

        _line.Append(text, start, text.Length - start);
    }

    /// <summary>
    /// Micro-batches StreamProcessor processed again inside the invocation after losing only conditional writes to
    /// another shard, from its <c>ConflictRetries</c> metric: work the redelivered count no longer shows.
    /// </summary>
    public int ConflictRetries
    {
        get
        {
            lock (_gate) return _conflictRetries;
        }
    }

    private int _conflictRetries;

    private void Observe(string line)
    {
        const string metric = "\"ConflictRetries\":";
        if (line.IndexOf(metric, StringComparison.Ordinal) is >= 0 and var m)
        {
            var digits = line.AsSpan(m + metric.Length);
            var end = 0;
            while (end < digits.Length && char.IsAsciiDigit(digits[end])) end++;
            if (end > 0) _conflictRetries += int.Parse(digits[..end], CultureInfo.InvariantCulture);
        }

        if (!TryParse(line, out var at, out var ids)) return;
        _batches.Add((at, ids.Count));
        if (!keepEventIds) return;
        foreach (var id in ids) _first.TryAdd(id, at);
    }
}
