using System.Text;
using System.Text.Json;

namespace ECommerceAgents.Local.Cost.Measure;

/// <summary>
/// Counts the records put to Kinesis (PutRecords, PutRecord) or Firehose (PutRecordBatch, PutRecord), per stream, from
/// the request's records and the answer's per-record outcome: only records the service accepted are billed. Kinesis
/// sizes a record as its data blob plus its partition key; Firehose as its data blob.
/// </summary>
public sealed class RecordMeter(string service, UsageTally tally) : ServiceMeter(service, tally)
{
    /// <summary>The Kinesis Producer Library's aggregated-record magic number.</summary>
    private static readonly byte[] KplMagic = [0xF3, 0x89, 0x9A, 0xC2];

    private bool Kinesis => Service == "kinesis";

    public override ValueTask AfterAsync(ProxiedRequest request, object? before, ProxiedResponse response, CancellationToken cancellationToken)
    {
        var operation = request.Target is { } t ? t[(t.IndexOf('.', StringComparison.Ordinal) + 1)..] : "";
        if (response.Status != 200 || operation is not ("PutRecords" or "PutRecord" or "PutRecordBatch")) return ValueTask.CompletedTask;
        using var document = JsonDocument.Parse(request.Body);
        using var answer = JsonDocument.Parse(response.Body);
        var root = document.RootElement;
        var stream = (root.TryGetProperty("StreamName", out var s) ? s : root.TryGetProperty("DeliveryStreamName", out var d) ? d : root.GetProperty("StreamARN")).GetString()!;
        JsonElement[] records = operation == "PutRecord" ? [Kinesis ? root : root.GetProperty("Record")] : [.. root.GetProperty("Records").EnumerateArray()];
        var outcomes = answer.RootElement.TryGetProperty(Kinesis ? "Records" : "RequestResponses", out var o) ? o.EnumerateArray().ToArray() : [];
        var usage = new RecordUsage { Calls = 1 };
        for (var i = 0; i < records.Length; i++)
        {
            if (i < outcomes.Length && outcomes[i].TryGetProperty("ErrorCode", out var error) && error.ValueKind == JsonValueKind.String)
            {
                usage.FailedRecords++;
                continue;
            }

            var data = Convert.FromBase64String(records[i].GetProperty("Data").GetString() ?? "");
            var bytes = data.LongLength + (Kinesis ? Encoding.UTF8.GetByteCount(records[i].GetProperty("PartitionKey").GetString() ?? "") : 0);
            usage.Records++;
            usage.Bytes += bytes;
            usage.BilledKb += Kinesis ? BillingRules.KinesisBilledKb(bytes) : BillingRules.FirehoseBilledKb(bytes);
            usage.PayloadUnits += Kinesis ? BillingRules.KinesisPayloadUnits(bytes) : 0;
            usage.ArchiveBilledKb += Kinesis ? BillingRules.FirehoseBilledKb(data.LongLength) : 0;
            var events = EventsIn(data);
            if (events < 0) usage.AggregatedRecords++;
            else usage.Events += events;
        }

        Tally.Add(u => (Kinesis ? u.KinesisStream(stream) : u.DeliveryStream(stream)).Add(usage));
        return ValueTask.CompletedTask;
    }

    /// <summary>Events in one record: its non-empty lines (newline-delimited JSON, one event each); -1 for a KPL aggregate.</summary>
    public static long EventsIn(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith(KplMagic)) return -1;
        long lines = 0;
        foreach (var line in data.Split((byte)'\n'))
        {
            if (!data[line].Trim(" \r\t"u8).IsEmpty) lines++;
        }

        return lines;
    }
}

/// <summary>
/// Counts S3 requests by price tier: PUT, COPY, POST and LIST (a GET on a bucket) in the higher; GET, HEAD and the
/// rest in the lower; DELETE is free.
/// </summary>
public sealed class S3Meter(UsageTally tally) : ServiceMeter("s3", tally)
{
    public override ValueTask AfterAsync(ProxiedRequest request, object? before, ProxiedResponse response, CancellationToken cancellationToken)
    {
        var path = request.PathAndQuery.Split('?')[0].Trim('/');
        var list = request.Method == "GET" && !path.Contains('/', StringComparison.Ordinal);
        Tally.Add(u =>
        {
            if (request.Method is "PUT" or "POST" || list) u.S3Puts++;
            else if (request.Method == "DELETE") u.S3Deletes++;
            else u.S3Gets++;
        });
        return ValueTask.CompletedTask;
    }
}
