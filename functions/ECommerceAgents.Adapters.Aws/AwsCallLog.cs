using System.Text;
using System.Text.Json;

namespace ECommerceAgents.Adapters.Aws;

/// <summary>
/// A record of the AWS requests functions make, for the IAM replay (<c>eca deploy-check</c>): which function, which
/// service and operation, and which resource. Off unless <c>ECA_AWS_CALL_LOG</c> names a file or <see cref="Start"/>
/// is called; in AWS it is never on. One JSON line per distinct call; object keys are sampled (at most
/// <see cref="SamplesPerGroup"/> distinct keys per function, operation, bucket and first path segment), which keeps the
/// file small and loses nothing for policies scoped by bucket and prefix. Resource names are the local ones; a
/// <c>bindings</c> line maps them to the <c>ECA_*</c> variables, through which the replay finds them in the template.
/// </summary>
public static class AwsCallLog
{
    public const string Variable = "ECA_AWS_CALL_LOG";

    public const int SamplesPerGroup = 20;

    private static readonly Lock Gate = new();
    private static readonly HashSet<string> Seen = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, int> Groups = new(StringComparer.Ordinal);
    private static StreamWriter? _writer;
    private static bool _environmentRead;

    /// <summary>True while calls are being recorded.</summary>
    public static bool Enabled
    {
        get
        {
            lock (Gate)
            {
                if (!_environmentRead)
                {
                    _environmentRead = true;
                    if (_writer is null && Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path) Open(path);
                }

                return _writer is not null;
            }
        }
    }

    /// <summary>Starts (or moves) the record to <paramref name="path"/>, appending.</summary>
    public static void Start(string path)
    {
        lock (Gate)
        {
            _environmentRead = true;
            Close();
            Open(path);
        }
    }

    public static void Stop()
    {
        lock (Gate)
        {
            Close();
        }
    }

    /// <summary>The names a function was given (<c>ECA_*</c> variable → local name).</summary>
    public static void Bind(string caller, IReadOnlyDictionary<string, string> names)
    {
        if (!Enabled) return;
        Write("bindings:" + caller + ":" + string.Join(',', names.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => n.Key + "=" + n.Value)), null, w =>
        {
            w.WriteString("kind", "bindings");
            w.WriteString("caller", caller);
            w.WriteStartObject("names");
            foreach (var (k, v) in names.OrderBy(n => n.Key, StringComparer.Ordinal)) w.WriteString(k, v);
            w.WriteEndObject();
        });
    }

    /// <summary>One call. <paramref name="target"/> is service-shaped: a table (<c>t</c> or <c>t/index/i</c>), <c>bucket/key</c> or a bucket, a stream name, a function name.</summary>
    public static void Record(string caller, string service, string operation, string target, string? detail = null)
    {
        if (!Enabled) return;
        var group = $"{caller}|{service}|{operation}|{Group(service, target)}";
        Write($"{caller}|{service}|{operation}|{target}|{detail}", group, w =>
        {
            w.WriteString("kind", "call");
            w.WriteString("caller", caller);
            w.WriteString("service", service);
            w.WriteString("operation", operation);
            w.WriteString("target", target);
            if (detail is not null) w.WriteString("detail", detail);
        });
    }

    /// <summary>
    /// Reads a record back: the calls and the merged bindings, local name → the variables that name it (a bucket and a
    /// delivery stream may share a name; the service tells them apart).
    /// </summary>
    public static (IReadOnlyList<RecordedCall> Calls, ILookup<string, string> Variables) Read(IEnumerable<string> paths)
    {
        var calls = new List<RecordedCall>();
        var variables = new HashSet<(string Name, string Variable)>();
        foreach (var path in paths)
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.Length == 0) continue;
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.GetProperty("kind").GetString() == "bindings")
                {
                    foreach (var n in root.GetProperty("names").EnumerateObject()) variables.Add((n.Value.GetString()!, n.Name));
                }
                else
                {
                    calls.Add(new RecordedCall(
                        root.GetProperty("caller").GetString()!,
                        root.GetProperty("service").GetString()!,
                        root.GetProperty("operation").GetString()!,
                        root.GetProperty("target").GetString()!,
                        root.TryGetProperty("detail", out var d) ? d.GetString() : null));
                }
            }
        }

        return (calls.Distinct().ToList(), variables.ToLookup(v => v.Name, v => v.Variable, StringComparer.Ordinal));
    }

    private static string Group(string service, string target)
    {
        if (service != "s3") return target;
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) return target;
        var next = target.IndexOf('/', slash + 1);
        return next < 0 ? target[..slash] : target[..next];
    }

    private static void Write(string identity, string? group, Action<Utf8JsonWriter> body)
    {
        lock (Gate)
        {
            if (_writer is null || !Seen.Add(identity)) return;
            if (group is not null)
            {
                var n = Groups.GetValueOrDefault(group);
                if (n >= SamplesPerGroup) return;
                Groups[group] = n + 1;
            }

            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                body(w);
                w.WriteEndObject();
            }

            _writer.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
            _writer.Flush();
        }
    }

    private static void Open(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false));
        Seen.Clear();
        Groups.Clear();
    }

    private static void Close()
    {
        _writer?.Dispose();
        _writer = null;
    }
}

/// <summary>One recorded call, as <see cref="AwsCallLog"/> wrote it.</summary>
public sealed record RecordedCall(string Caller, string Service, string Operation, string Target, string? Detail);
