using System.IO.Compression;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Domain.Logs;

namespace ECommerceAgents.Domain.Tests.Logs;

/// <summary>Builders for Firehose records and a recording re-ingestion port.</summary>
internal static class LogFixtures
{
    public static readonly long Arrival = new DateTimeOffset(2026, 11, 23, 10, 0, 5, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "ECommerceAgents.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    /// <summary>The records of a Firehose transformation sample in events/.</summary>
    public static LogInputRecord[] SampleRecords(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(RepositoryRoot, "events", file)));
        return doc.RootElement.GetProperty("records").EnumerateArray()
            .Select(r => new LogInputRecord(r.GetProperty("recordId").GetString()!, r.GetProperty("data").GetString()!, r.GetProperty("approximateArrivalTimestamp").GetInt64()))
            .ToArray();
    }

    public static LogInputRecord Text(string id, string text) => new(id, Convert.ToBase64String(Encoding.UTF8.GetBytes(text)), Arrival);

    public static LogInputRecord Bytes(string id, byte[] data) => new(id, Convert.ToBase64String(data), Arrival);

    public static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(data);
        return buffer.ToArray();
    }

    public static byte[] CloudWatch(string logGroup, params string[] messages) => CloudWatch(logGroup, messages.Select((m, i) => (Arrival - 1000 + i, m)).ToArray());

    public static byte[] CloudWatch(string logGroup, (long Timestamp, string Message)[] events)
    {
        var payload = new CloudWatchLogsMessage
        {
            MessageType = "DATA_MESSAGE",
            Owner = "123456789012",
            LogGroup = logGroup,
            LogStream = "2026/11/23/[$LATEST]abc",
            SubscriptionFilters = ["eca-logs"],
            LogEvents = events.Select((e, i) => new CloudWatchLogsMessageEvent { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Timestamp = e.Timestamp, Message = e.Message }).ToArray(),
        };
        return Gzip(JsonSerializer.SerializeToUtf8Bytes(payload, LogsJsonContext.Default.CloudWatchLogsMessage));
    }

    public static string[] Lines(LogOutputRecord record) => Encoding.UTF8.GetString(Convert.FromBase64String(record.Data)).Split('\n');

    public static JsonElement Line(LogOutputRecord record, int index) => JsonDocument.Parse(Lines(record)[index]).RootElement.Clone();
}

internal sealed class RecordingReingestion : ILogReingestion
{
    public List<byte[]> Records { get; } = [];

    public int Calls { get; private set; }

    public Task ReingestAsync(IReadOnlyList<byte[]> records, CancellationToken cancellationToken)
    {
        Calls++;
        Records.AddRange(records);
        return Task.CompletedTask;
    }
}
