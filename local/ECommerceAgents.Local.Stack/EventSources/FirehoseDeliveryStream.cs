using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Stack.EventSources;

public sealed record LocalFirehoseOptions
{
    /// <summary>Buffer interval; shorter than AWS's 60 s by default so local runs see their data quickly.</summary>
    public TimeSpan BufferInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Null uses the definition's buffer size.</summary>
    public long? BufferBytes { get; init; }

    /// <summary>Lambda buffering hint for transformation invocations: the CDK app's (AWS allows at most 3 MB).</summary>
    public int TransformBatchBytes { get; init; } = DeliveryStreams.ProcessorBufferMegabytes * 1024 * 1024;

    /// <summary>Retries of a failed transformation invocation before its records go to the error prefix (AWS default 3).</summary>
    public int TransformRetries { get; init; } = 3;

    public TimeSpan S3RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);
}

public sealed class FirehoseStats
{
    private long _in, _delivered, _dropped, _failed, _objects, _invocations, _transformBytes, _transformTicks;

    public long RecordsIn => Interlocked.Read(ref _in);

    public long RecordsDelivered => Interlocked.Read(ref _delivered);

    public long RecordsDropped => Interlocked.Read(ref _dropped);

    public long RecordsFailed => Interlocked.Read(ref _failed);

    public long ObjectsWritten => Interlocked.Read(ref _objects);

    public long TransformInvocations => Interlocked.Read(ref _invocations);

    /// <summary>The record bytes handed to the transformation in invocations that answered.</summary>
    public long TransformBytes => Interlocked.Read(ref _transformBytes);

    /// <summary>The time those invocations took (in process: the function's own time, no network).</summary>
    public TimeSpan TransformTime => TimeSpan.FromTicks(Interlocked.Read(ref _transformTicks));

    internal void In(int n) => Interlocked.Add(ref _in, n);

    internal void Delivered(int n) => Interlocked.Add(ref _delivered, n);

    internal void Dropped(int n) => Interlocked.Add(ref _dropped, n);

    internal void Failed(int n) => Interlocked.Add(ref _failed, n);

    internal void Object() => Interlocked.Increment(ref _objects);

    internal void Invocation() => Interlocked.Increment(ref _invocations);

    internal void Transformed(long bytes, TimeSpan elapsed)
    {
        Interlocked.Add(ref _transformBytes, bytes);
        Interlocked.Add(ref _transformTicks, elapsed.Ticks);
    }
}

/// <summary>
/// One Firehose delivery stream, locally: buffers by size and time, optionally transforms through a function with
/// Firehose's contract (Ok / Dropped / ProcessingFailed, one answer per recordId, 6 MB response limit), partitions
/// dynamically, and writes GZIP objects under the evaluated prefix; failures go to the error prefix in Firehose's format.
/// </summary>
public sealed class FirehoseDeliveryStream(
    DeliveryStreamDefinition definition,
    string name,
    string bucket,
    IAmazonS3 s3,
    IFunctionHandler? transform,
    LocalFirehoseOptions options,
    JsonLog? log = null,
    string region = "us-east-1",
    FirehoseSpool? spool = null) : IDisposable
{
    private const int MaxLambdaPayload = 6 * 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly JsonLog _log = log ?? new JsonLog("firehose", TextWriter.Null);
    private List<Buffered> _buffer = [];
    private long _bufferedBytes;
    private DateTime _oldest = DateTime.MaxValue;
    private long _nextId = spool?.Recovery.LastSequence ?? 0;
    private long? _pendingBatchLast = spool?.Recovery.PendingBatchLast;
    private bool _recovered;

    public DeliveryStreamDefinition Definition => definition;

    public string Name => name;

    public FirehoseStats Stats { get; } = new();

    private long BufferLimit => options.BufferBytes ?? definition.BufferMegabytes * 1024L * 1024L;

    private string LambdaArn => $"arn:aws:lambda:{region}:000000000000:function:{transform?.Name ?? "none"}";

    public void Add(byte[] data, DateTimeOffset arrival) => AddRange([data], arrival);

    /// <summary>
    /// Takes records in. With a spool they are on disk when this returns (Firehose's promise once PutRecordBatch
    /// answers); the first call also takes back what the spool held from before a crash.
    /// </summary>
    public void AddRange(IReadOnlyList<byte[]> records, DateTimeOffset arrival)
    {
        lock (_gate)
        {
            RecoverOnce();
            if (spool is not null)
            {
                foreach (var r in spool.Append(records, arrival)) Buffer(r.Sequence, r.Data, r.Arrival);
            }
            else
            {
                foreach (var data in records) Buffer(Interlocked.Increment(ref _nextId), data, arrival);
            }
        }

        Stats.In(records.Count);
    }

    /// <summary>Records a crash left in the spool go back into the buffer, in order, ahead of anything new.</summary>
    private void RecoverOnce()
    {
        if (_recovered || spool is null) return;
        _recovered = true;
        foreach (var r in spool.Recovery.Undelivered) Buffer(r.Sequence, r.Data, r.Arrival);
        if (spool.Recovery.Undelivered.Count > 0) _oldest = DateTime.UtcNow - options.BufferInterval;
    }

    private void Buffer(long sequence, byte[] data, DateTimeOffset arrival)
    {
        _buffer.Add(new Buffered(sequence.ToString("D20", System.Globalization.CultureInfo.InvariantCulture), data, arrival));
        _bufferedBytes += data.Length;
        if (_oldest == DateTime.MaxValue) _oldest = DateTime.UtcNow;
    }

    /// <summary>True when the buffer has reached its size or its age.</summary>
    public bool Due
    {
        get
        {
            lock (_gate)
            {
                RecoverOnce();
                return _buffer.Count > 0 && (_bufferedBytes >= BufferLimit || DateTime.UtcNow - _oldest >= options.BufferInterval);
            }
        }
    }

    public int Pending
    {
        get
        {
            lock (_gate) return _buffer.Count;
        }
    }

    /// <summary>Flushes on time and size until cancelled, then flushes what is left.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                if (Due) await FlushAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(100, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Delivers everything buffered now. Returns once it is in S3.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<Buffered> batch;
            lock (_gate)
            {
                RecoverOnce();
                // A delivery a crash cut short is redone with exactly its records, so its object keys come out the same.
                var take = _pendingBatchLast is { } cut ? _buffer.Count(b => Sequence(b) <= cut) : _buffer.Count;
                batch = _buffer.GetRange(0, take);
                _buffer.RemoveRange(0, take);
                _bufferedBytes = _buffer.Sum(b => (long)b.Data.Length);
                _oldest = _buffer.Count == 0 ? DateTime.MaxValue : _oldest;
                _pendingBatchLast = null;
            }

            if (batch.Count == 0) return;
            var last = Sequence(batch[^1]);
            spool?.BeginBatch(last);
            var range = $"{Sequence(batch[0])}-{last}";
            // Firehose's order: deaggregation, then the Lambda processor on each sub-record, then partitioning.
            var records = batch.SelectMany(Deaggregate).ToList();
            var (ok, failed) = transform is null
                ? (records.Select(b => new Output(b, b.Data, null)).ToList(), new List<Failure>())
                : await TransformAsync(records, cancellationToken).ConfigureAwait(false);

            var groups = new Dictionary<string, List<Output>>(StringComparer.Ordinal);
            var timestamp = batch.Min(b => b.Arrival);
            foreach (var o in ok)
            {
                string prefix;
                try
                {
                    prefix = FirehosePrefix.Evaluate(definition.Prefix, timestamp, o.PartitionKeys);
                }
                catch (Exception ex) when (ex is PartitionKeyMissingException or JsonException or FormatException)
                {
                    failed.Add(new Failure(o.Source, "partitioning-failed", "DynamicPartitioning.MetadataExtractionFailed", ex.Message));
                    continue;
                }

                if (!groups.TryGetValue(prefix, out var list)) groups[prefix] = list = [];
                list.Add(o);
            }

            foreach (var (prefix, outputs) in groups)
            {
                await PutAsync(prefix + ObjectName(timestamp, range), Gzip(outputs.Select(o => o.Data)), cancellationToken).ConfigureAwait(false);
                Stats.Delivered(outputs.Count);
            }

            foreach (var byType in failed.GroupBy(f => f.OutputType))
            {
                var prefix = FirehosePrefix.Evaluate(definition.ErrorPrefix, timestamp, errorOutputType: byType.Key);
                await PutAsync(prefix + ObjectName(timestamp, range), Gzip(byType.Select(ErrorLine)), cancellationToken).ConfigureAwait(false);
                Stats.Failed(byType.Count());
            }

            spool?.Delivered(last);
        }
        finally
        {
            _flushing.Release();
        }
    }

    private async Task<(List<Output> Ok, List<Failure> Failed)> TransformAsync(List<Buffered> batch, CancellationToken cancellationToken)
    {
        var ok = new List<Output>();
        var failed = new List<Failure>();
        foreach (var chunk in Chunk(batch))
        {
            var request = new FirehoseTransformationEvent
            {
                InvocationId = Guid.NewGuid().ToString(),
                DeliveryStreamArn = $"arn:aws:firehose:{region}:000000000000:deliverystream/{name}",
                Region = region,
                Records = chunk.Select(b => new FirehoseInputRecord { RecordId = b.Id, ApproximateArrivalTimestamp = b.Arrival.ToUnixTimeMilliseconds(), Data = b.Data }).ToArray(),
            };
            var payload = JsonSerializer.SerializeToUtf8Bytes(request, LambdaEventsJsonContext.Default.FirehoseTransformationEvent);
            FirehoseTransformationResponse? response = null;
            string? error = null;
            for (var attempt = 0; attempt <= options.TransformRetries && response is null; attempt++)
            {
                Stats.Invocation();
                try
                {
                    var started = System.Diagnostics.Stopwatch.GetTimestamp();
                    var bytes = await transform!.InvokeAsync(payload, LambdaInvocation.Local(TimeSpan.FromMinutes(5)), cancellationToken).ConfigureAwait(false);
                    var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                    if (bytes.Length > MaxLambdaPayload)
                    {
                        error = $"The response of {bytes.Length} bytes exceeds the 6 MB Lambda payload limit.";
                        continue;
                    }

                    response = JsonSerializer.Deserialize(bytes, LambdaEventsJsonContext.Default.FirehoseTransformationResponse);
                    if (response is null) error = "The function returned null.";
                    else Stats.Transformed(chunk.Sum(b => (long)b.Data.Length), elapsed); // only the attempt that answered
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    error = ex.GetType().Name + ": " + ex.Message;
                    response = null;
                }
            }

            if (response is null)
            {
                failed.AddRange(chunk.Select(b => new Failure(b, "processing-failed", "Lambda.FunctionError", error ?? "invocation failed")));
                continue;
            }

            var byId = chunk.ToDictionary(b => b.Id, StringComparer.Ordinal);
            var answered = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in response.Records)
            {
                if (!byId.TryGetValue(r.RecordId, out var source) || !answered.Add(r.RecordId))
                {
                    _log.Warn("transformation returned an unknown or repeated recordId", ("stream", name), ("recordId", r.RecordId));
                    continue;
                }

                switch (r.Result)
                {
                    case FirehoseResult.Ok:
                        ok.Add(new Output(source, r.Data, r.Metadata?.PartitionKeys));
                        break;
                    case FirehoseResult.Dropped:
                        Stats.Dropped(1);
                        break;
                    case FirehoseResult.ProcessingFailed:
                        failed.Add(new Failure(source, "processing-failed", "Lambda.ProcessingFailedStatus", "The function returned ProcessingFailed."));
                        break;
                    default:
                        failed.Add(new Failure(source, "processing-failed", "Lambda.InvalidResult", $"Unknown result '{r.Result}'."));
                        break;
                }
            }

            foreach (var missing in chunk.Where(b => !answered.Contains(b.Id)))
            {
                failed.Add(new Failure(missing, "processing-failed", "Lambda.MissingRecordId", "The function did not return this recordId."));
            }
        }

        return (ok, failed);
    }

    private IEnumerable<List<Buffered>> Chunk(List<Buffered> batch)
    {
        var chunk = new List<Buffered>();
        long bytes = 0;
        foreach (var b in batch)
        {
            if (chunk.Count > 0 && bytes + b.Data.Length > options.TransformBatchBytes)
            {
                yield return chunk;
                chunk = [];
                bytes = 0;
            }

            chunk.Add(b);
            bytes += b.Data.Length;
        }

        if (chunk.Count > 0) yield return chunk;
    }

    private byte[] Gzip(IEnumerable<byte[]> records)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            foreach (var r in records)
            {
                gzip.Write(r);
                if (definition.AppendNewline) gzip.WriteByte((byte)'\n');
            }
        }

        return buffer.ToArray();
    }

    private byte[] ErrorLine(Failure f)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var line = new FirehoseErrorRecord(
            // Only a failed invocation is retried; a record the function answered ProcessingFailed had one attempt.
            AttemptsMade: f.Code == "Lambda.FunctionError" ? options.TransformRetries + 1 : 1,
            ArrivalTimestamp: f.Source.Arrival.ToUnixTimeMilliseconds(),
            ErrorCode: f.Code,
            ErrorMessage: f.Message,
            AttemptEndingTimestamp: now,
            RawData: Convert.ToBase64String(f.Source.Data),
            LambdaArn: transform is null ? null : LambdaArn);
        return Encoding.UTF8.GetBytes(JsonSerializer.Serialize(line, FirehoseJsonContext.Default.FirehoseErrorRecord));
    }

    /// <summary>
    /// Firehose's object name (stream, version, time, a unique part). With a spool the unique part is the batch's
    /// sequence range and the time its first arrival, so a delivery redone after a crash overwrites the same objects.
    /// </summary>
    private string ObjectName(DateTimeOffset first, string range) => spool is null
        ? $"{name}-1-{DateTime.UtcNow:yyyy-MM-dd-HH-mm-ss}-{Guid.NewGuid()}.gz"
        : $"{name}-1-{first.UtcDateTime:yyyy-MM-dd-HH-mm-ss}-{range}.gz";

    /// <summary>
    /// Multi-record deaggregation (DELIMITED): a record's sub-records, each its own record from here on (its id the
    /// record's with the sub-record's index), or the record itself on a stream without a delimiter.
    /// </summary>
    private IEnumerable<Buffered> Deaggregate(Buffered record)
    {
        if (definition.SubRecordDelimiter is not { } delimiter)
        {
            yield return record;
            yield break;
        }

        var separator = System.Text.Encoding.UTF8.GetBytes(delimiter);
        var rest = record.Data.AsMemory();
        for (var index = 0; ; index++)
        {
            var at = rest.Span.IndexOf(separator);
            var sub = at < 0 ? rest : rest[..at];
            yield return record with { Id = $"{record.Id}.{index}", Data = sub.ToArray() };
            if (at < 0) yield break;
            rest = rest[(at + separator.Length)..];
        }
    }

    private static long Sequence(Buffered b) => long.Parse(b.Id, System.Globalization.CultureInfo.InvariantCulture);

    private async Task PutAsync(string key, byte[] body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var stream = new MemoryStream(body);
                await s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = stream, ContentType = "application/gzip", AutoCloseStream = false }, cancellationToken).ConfigureAwait(false);
                Stats.Object();
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Firehose keeps retrying S3 delivery for up to 24 hours; locally, until the stand-in stops.
                _log.Warn("S3 delivery failed; retrying", ("stream", name), ("attempt", attempt), ("error", ex));
                await Task.Delay(options.S3RetryDelay * Math.Min(attempt, 25), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose()
    {
        _flushing.Dispose();
        spool?.Dispose();
    }

    private sealed record Buffered(string Id, byte[] Data, DateTimeOffset Arrival);

    private sealed record Output(Buffered Source, byte[] Data, IReadOnlyDictionary<string, string>? PartitionKeys);

    private sealed record Failure(Buffered Source, string OutputType, string Code, string Message);
}
