using System.Globalization;
using System.Net;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Runtime;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>
/// S3 → EventBridge "Object Created" events for one prefix, as the bucket's EventBridge notifications and a rule on
/// bucket and key prefix deliver them. s3rver runs as its own process, so new objects are found by listing the prefix;
/// each new key (or new ETag of a key) is delivered once, with the key form-encoded as S3 encodes its notifications'
/// keys (the function tries the key as given, then decoded). Failed invocations are retried twice, as Lambda's asynchronous
/// invocation (which EventBridge uses) retries them. The state file (key → ETag) is the one the S3-notification source kept.
/// </summary>
public sealed class S3EventBridgeSource(IAmazonS3 s3, string bucket, string prefix, IFunctionHandler function, string? stateFile, JsonLog? log = null, string region = "us-east-1")
{
    /// <summary>The local stack's account id in ARNs and events.</summary>
    public const string LocalAccount = "000000000000";

    private readonly Dictionary<string, string> _seen = Load(stateFile);
    private readonly JsonLog _log = log ?? new JsonLog("s3-eventbridge", TextWriter.Null);
    // UTC ticks of the start of the last listing that was fully delivered (read by a drain on another thread).
    private long _idleSinceTicks;

    public int Delivered { get; private set; }

    public int Failed { get; private set; }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(300);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // Idle since the listing started, not since it ended: a listing taken before an object arrived does
                // not cover it, however late its deliveries finish (a drain asked meanwhile waits for the next one).
                var started = DateTime.UtcNow.Ticks;
                await PollOnceAsync(cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _idleSinceTicks, started);
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _log.Warn("listing the event prefix failed; retrying", ("bucket", bucket), ("error", ex));
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var page = await s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
            foreach (var o in page.S3Objects ?? [])
            {
                if (_seen.TryGetValue(o.Key, out var etag) && etag == o.ETag) continue;
                await DeliverAsync(o, cancellationToken).ConfigureAwait(false);
                _seen[o.Key] = o.ETag;
                Save();
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    public async Task WaitUntilCaughtUpAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var asked = DateTime.UtcNow;
        var deadline = asked + timeout;
        while (Volatile.Read(ref _idleSinceTicks) <= asked.Ticks)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("S3 Object Created events did not catch up.");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>An Object Created event as S3 sends it to EventBridge (local account, <c>PutObject</c>).</summary>
    public static EventBridgeEvent ObjectCreatedEvent(string bucket, string key, long size = 0, string? etag = null, DateTimeOffset? time = null, string region = "us-east-1")
    {
        var at = time ?? DateTimeOffset.UtcNow;
        var detail = new S3ObjectCreated(
            new S3ObjectCreatedBucket(bucket),
            new S3ObjectCreatedObject(key, size, etag, Sequencer: DateTime.UtcNow.Ticks.ToString("X16", CultureInfo.InvariantCulture)),
            RequestId: Guid.NewGuid().ToString("N")[..16].ToUpperInvariant(),
            Requester: LocalAccount,
            SourceIpAddress: "127.0.0.1",
            Reason: "PutObject");
        return new EventBridgeEvent(
            Guid.NewGuid().ToString(), EventBridgeDetailTypes.ObjectCreated, S3ObjectCreated.Source,
            Account: LocalAccount,
            Time: new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero),
            Region: region,
            Resources: [$"arn:aws:s3:::{bucket}"],
            Detail: JsonSerializer.SerializeToElement(detail, LambdaEventsJsonContext.Default.S3ObjectCreated));
    }

    private async Task DeliverAsync(S3Object o, CancellationToken cancellationToken)
    {
        var key = WebUtility.UrlEncode(o.Key).Replace("%2F", "/", StringComparison.Ordinal);
        var time = o.LastModified is { } lm ? new DateTimeOffset(lm.ToUniversalTime()) : DateTimeOffset.UtcNow;
        var evt = ObjectCreatedEvent(bucket, key, o.Size ?? 0, o.ETag?.Trim('"'), time, region);
        var payload = JsonSerializer.SerializeToUtf8Bytes(evt, LambdaEventsJsonContext.Default.EventBridgeEvent);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                await function.InvokeAsync(payload, LambdaInvocation.Local(TimeSpan.FromMinutes(15)), cancellationToken).ConfigureAwait(false);
                Delivered++;
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _log.Warn("S3 Object Created delivery failed", ("function", function.Name), ("key", o.Key), ("attempt", attempt), ("error", ex));
                if (attempt < 3) await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken).ConfigureAwait(false);
            }
        }

        Failed++;
        _log.Error("S3 Object Created event abandoned after 3 attempts", ("function", function.Name), ("key", o.Key));
    }

    private void Save()
    {
        if (stateFile is null) return;
        File.WriteAllText(stateFile, JsonSerializer.Serialize(_seen, EventSourceJsonContext.Default.DictionaryStringString));
    }

    private static Dictionary<string, string> Load(string? stateFile) =>
        stateFile is not null && File.Exists(stateFile)
            ? JsonSerializer.Deserialize(File.ReadAllText(stateFile), EventSourceJsonContext.Default.DictionaryStringString) ?? new(StringComparer.Ordinal)
            : new(StringComparer.Ordinal);
}
