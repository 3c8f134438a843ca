using System.Text.RegularExpressions;

namespace ECommerceAgents.Domain.Logs;

/// <summary>
/// One log line read as text: Lambda's Node (tab-separated) and Python (<c>[LEVEL]</c>) runtime lines, its
/// START/END/REPORT platform lines, logfmt, or plain text with an optional leading timestamp and level.
/// </summary>
internal sealed partial class LogTextLine(string line, DateTimeOffset time, string service)
{
    private readonly string _line = line;

    public DateTimeOffset Time { get; private set; } = time;

    public string Service { get; private set; } = service;

    public string Level { get; private set; } = "INFO";

    public string? RequestId { get; private set; }

    public string Message { get; private set; } = line;

    /// <summary>The logfmt pairs that are not one of the record's own fields; null for other formats.</summary>
    public List<KeyValuePair<string, string>>? Fields { get; private set; }

    /// <summary>Reads the line's parts; false when it is a logfmt health check (noise).</summary>
    public bool Read()
    {
        if (LambdaNode().Match(_line) is { Success: true } node)
        {
            ReadRuntime(node);
        }
        else if (LambdaPython().Match(_line) is { Success: true } py)
        {
            ReadRuntime(py);
        }
        else if (LambdaPlatform().Match(_line) is { Success: true } platform)
        {
            RequestId = platform.Groups["rid"].Value;
            Message = _line;
        }
        else if (LooksLikeLogfmt(_line) && ParseLogfmt(_line) is { Count: >= 2 } pairs)
        {
            return ReadLogfmt(pairs);
        }
        else if (GenericText().Match(_line) is { Success: true } generic)
        {
            if (generic.Groups["ts"].Success) Time = LogTimes.Parse(generic.Groups["ts"].Value) ?? Time;
            if (generic.Groups["level"].Success) Level = LogLevels.Normalise(generic.Groups["level"].Value);
            Message = generic.Groups["msg"].Value;
        }

        return true;
    }

    private void ReadRuntime(Match match)
    {
        Time = LogTimes.Parse(match.Groups["ts"].Value) ?? Time;
        RequestId = match.Groups["rid"].Value;
        Level = LogLevels.Normalise(match.Groups["level"].Value);
        Message = match.Groups["msg"].Value;
    }

    private bool ReadLogfmt(List<KeyValuePair<string, string>> pairs)
    {
        var fields = new List<KeyValuePair<string, string>>();
        Fields = fields;
        string? msg = null;
        foreach (var (k, v) in pairs)
        {
            if (LogFields.Matches(k, LogFields.MessageNames)) msg ??= v;
            else if (LogFields.Matches(k, LogFields.LevelNames)) Level = LogLevels.Normalise(v);
            else if (LogFields.Matches(k, LogFields.TimeNames)) Time = LogTimes.Parse(v) ?? Time;
            else if (LogFields.Matches(k, LogFields.ServiceNames)) Service = v.Length > 0 ? v : Service;
            else if (LogFields.Matches(k, LogFields.RequestNames)) RequestId = v;
            else fields.Add(new(k, v));
        }

        Message = msg ?? string.Empty;
        string? path = null, agent = null;
        foreach (var (k, v) in fields)
        {
            if (LogFields.Matches(k, LogFields.PathNames)) path = v;
            if (LogFields.Matches(k, LogFields.AgentNames)) agent = v;
        }

        return !HealthCheckFilter.IsNoise(Message, path, agent);
    }

    private static bool LooksLikeLogfmt(string line)
    {
        var eq = line.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0) return false;
        var firstSpace = line.IndexOf(' ', StringComparison.Ordinal);
        return firstSpace < 0 || eq < firstSpace;
    }

    /// <summary>logfmt: <c>key=value key2="quoted value"</c>. Null when a token is not a pair.</summary>
    private static List<KeyValuePair<string, string>>? ParseLogfmt(string line)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        var i = 0;
        while (i < line.Length)
        {
            while (i < line.Length && line[i] == ' ') i++;
            if (i >= line.Length) break;
            var keyStart = i;
            while (i < line.Length && line[i] != '=' && line[i] != ' ') i++;
            if (i >= line.Length || line[i] != '=' || i == keyStart) return null;
            var key = line[keyStart..i];
            i++;
            string value;
            if (i < line.Length && line[i] == '"')
            {
                var sb = new System.Text.StringBuilder();
                i++;
                while (i < line.Length && line[i] != '"')
                {
                    if (line[i] == '\\' && i + 1 < line.Length) i++;
                    sb.Append(line[i++]);
                }

                if (i >= line.Length) return null;
                i++;
                value = sb.ToString();
            }
            else
            {
                var valueStart = i;
                while (i < line.Length && line[i] != ' ') i++;
                value = line[valueStart..i];
            }

            pairs.Add(new(key, value));
        }

        return pairs;
    }

    [GeneratedRegex(@"^(?<ts>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\t(?<rid>[^\t]+)\t(?<level>[A-Za-z]+)\t(?<msg>[\s\S]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex LambdaNode();

    [GeneratedRegex(@"^\[(?<level>[A-Za-z]+)\]\t(?<ts>[^\t]+)\t(?<rid>[^\t]+)\t(?<msg>[\s\S]*)$", RegexOptions.CultureInvariant)]
    private static partial Regex LambdaPython();

    [GeneratedRegex(@"^(?:START|END|REPORT|INIT_START|INIT_REPORT) RequestId: (?<rid>[0-9a-fA-F-]{8,})", RegexOptions.CultureInvariant)]
    private static partial Regex LambdaPlatform();

    [GeneratedRegex(@"^(?:(?<ts>\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)\s+)?(?:\[?(?<level>TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|FATAL|CRITICAL)\]?:?\s+)?(?<msg>[\s\S]*)$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex GenericText();
}
