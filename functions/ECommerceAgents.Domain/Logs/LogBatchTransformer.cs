using System.Buffers;

namespace ECommerceAgents.Domain.Logs;

/// <summary>
/// LogTransformer's domain service. For each record of a Firehose transformation batch, in order, exactly one answer:
/// <list type="bullet">
/// <item>a CloudWatch Logs <c>CONTROL_MESSAGE</c>, or lines that are all health-check noise: <c>Dropped</c>;</item>
/// <item>a <c>DATA_MESSAGE</c> or a service's own JSON / text line(s): <c>Ok</c>, the normalised, masked lines joined
/// by <c>'\n'</c> (no trailing newline: the delivery stream appends one), partitioned by service, dt and hr;</item>
/// <item>base64 garbage, corrupt gzip, a gzip bomb, invalid UTF-8 or a malformed JSON record: <c>ProcessingFailed</c>
/// with the original data untouched.</item>
/// </list>
/// The response stays under the budget: <c>Ok</c> records that would cross it are re-ingested (their original bytes)
/// into the delivery stream and answered <c>Dropped</c>, as AWS's CloudWatch Logs processor blueprint does. A record
/// that could never fit on its own is split by log events (CloudWatch Logs) or failed (a single direct line).
/// </summary>
public sealed class LogBatchTransformer(LogTransformOptions options, ILogReingestion reingestion)
{
    public const string Ok = "Ok";
    public const string Dropped = "Dropped";
    public const string ProcessingFailed = "ProcessingFailed";

    // {"recordId":"…","result":"ProcessingFailed","data":"…","metadata":{"partitionKeys":{"service":"…","dt":"yyyy-MM-dd","hr":"HH"}}},
    private const int RecordOverhead = 140;

    private readonly LogRecordReader _reader = new(options);

    public async Task<LogBatchResult> TransformAsync(IReadOnlyList<LogInputRecord> records, CancellationToken cancellationToken)
    {
        var stats = new LogBatchStats { Records = records.Count };
        var normaliser = new LogNormaliser();
        var answers = new LogOutputRecord[records.Count];
        var reingest = new List<byte[]>();
        long used = 32;
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);

        // Room kept for answering every later record Dropped, so accepting an Ok record can never push the total over.
        var reserve = new long[records.Count + 1];
        for (var i = records.Count - 1; i >= 0; i--) reserve[i] = reserve[i + 1] + RecordOverhead + records[i].RecordId.Length;

        for (var i = 0; i < records.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = records[i];
            var outcome = _reader.Transform(record, normaliser, buffer, stats, out var original, out var keys, out var payload);
            answers[i] = outcome switch
            {
                RecordOutcome.Dropped => DroppedAnswer(record),
                RecordOutcome.Failed => FailedAnswer(record),
                _ => Place(record, new Transformed(buffer, keys!, original!, payload), used, reserve[i + 1], reingest, stats),
            };
            used += AnswerSize(answers[i]);
        }

        if (reingest.Count > 0)
        {
            // Before answering: if the put fails the invocation fails, and Firehose retries the whole batch.
            await reingestion.ReingestAsync(reingest, cancellationToken).ConfigureAwait(false);
            stats.Reingested = reingest.Count;
        }

        foreach (var a in answers)
        {
            switch (a.Result)
            {
                case Ok: stats.Ok++; break;
                case Dropped: stats.Dropped++; break;
            }
        }

        stats.ResponseBytes = used;
        stats.Masked.Add(normaliser.Masked);
        return new LogBatchResult(answers, stats);
    }

    /// <summary>The service name as an S3 prefix segment: lower case a–z, 0–9, '-', '_' and '.', at most 64 characters.</summary>
    public static string SanitiseService(string service) => LogRecordReader.SanitiseService(service);

    /// <summary><c>/aws/lambda/eca-checkout</c> → <c>checkout</c>; <c>/ecs/orders-api</c> → <c>orders-api</c>.</summary>
    public string ServiceFromLogGroup(string? logGroup) => _reader.ServiceFromLogGroup(logGroup);

    /// <summary>A record that normalised to lines: what it wrote, and what to re-ingest should it not fit.</summary>
    private readonly record struct Transformed(ArrayBufferWriter<byte> Buffer, Dictionary<string, string> Keys, byte[] Original, CloudWatchLogsMessage? Payload);

    /// <summary>
    /// Answers an <c>Ok</c> record within the budget: as it is when it fits; else re-ingested whole; else (it could never
    /// fit one response, and re-ingesting it as it is would loop forever) split by log events, or failed.
    /// </summary>
    private LogOutputRecord Place(LogInputRecord record, in Transformed lines, long used, long reserveAfter, List<byte[]> reingest, LogBatchStats stats)
    {
        var size = RecordOverhead + record.RecordId.Length + Base64Length(lines.Buffer.WrittenCount) + KeysLength(lines.Keys);
        if (used + size + reserveAfter <= options.ResponseBudgetBytes)
        {
            stats.LinesOut += LineCount(lines.Buffer.WrittenSpan);
            return new LogOutputRecord(record.RecordId, Ok, Convert.ToBase64String(lines.Buffer.WrittenSpan), lines.Keys);
        }

        if (size + 32 + reserveAfter <= options.ResponseBudgetBytes)
        {
            reingest.Add(lines.Original);
            stats.ReingestedRecords++;
            return DroppedAnswer(record);
        }

        if (lines.Payload is null)
        {
            stats.Fail("too_large");
            return FailedAnswer(record);
        }

        reingest.AddRange(CloudWatchLogsSplitter.Split(lines.Payload, options.SplitChunkBytes));
        stats.Split++;
        stats.ReingestedRecords++;
        return DroppedAnswer(record);
    }

    private static LogOutputRecord DroppedAnswer(LogInputRecord record) => new(record.RecordId, Dropped, string.Empty, null);

    private static LogOutputRecord FailedAnswer(LogInputRecord record) => new(record.RecordId, ProcessingFailed, record.Data, null);

    /// <summary>What an answer adds to the response: the envelope, its id, its data and its partition keys.</summary>
    private static long AnswerSize(LogOutputRecord answer) =>
        RecordOverhead + answer.RecordId.Length + answer.Data.Length + (answer.PartitionKeys is Dictionary<string, string> keys ? KeysLength(keys) : 0);

    private static int Base64Length(int bytes) => (bytes + 2) / 3 * 4;

    private static int KeysLength(Dictionary<string, string> keys)
    {
        var n = 48;
        foreach (var (k, v) in keys) n += k.Length + v.Length + 6;
        return n;
    }

    private static int LineCount(ReadOnlySpan<byte> output) => output.IsEmpty ? 0 : output.Count((byte)'\n') + 1;
}
