using System.Net;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Runtime;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>
/// S3 ObjectCreated notifications for one prefix. s3rver runs as its own process, so new objects are found by
/// listing the prefix; each new key (or new ETag of a key) is delivered once as an S3 event, with the key
/// form-encoded as S3 sends it. Failed invocations are retried twice, as for Lambda's asynchronous invocations.
/// </summary>
public sealed class S3NotificationSource(IAmazonS3 s3, string bucket, string prefix, IFunctionHandler function, string? stateFile, JsonLog? log = null, string region = "us-east-1")
{
    private readonly Dictionary<string, string> _seen = Load(stateFile);
    private readonly JsonLog _log = log ?? new JsonLog("s3-notifications", TextWriter.Null);
    private DateTime _idleSince = DateTime.MinValue;

    public int Delivered { get; private set; }

    public int Failed { get; private set; }

    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(300);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(cancellationToken).ConfigureAwait(false);
                _idleSince = DateTime.UtcNow;
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _log.Warn("listing the notification prefix failed; retrying", ("bucket", bucket), ("error", ex));
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
        while (_idleSince <= asked)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("S3 notifications did not catch up.");
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task DeliverAsync(S3Object o, CancellationToken cancellationToken)
    {
        var evt = new S3Event
        {
            Records =
            [
                new S3EventRecord
                {
                    AwsRegion = region,
                    EventTime = o.LastModified is { } lm ? new DateTimeOffset(lm.ToUniversalTime()) : DateTimeOffset.UtcNow,
                    EventName = "ObjectCreated:Put",
                    S3 = new S3Entity
                    {
                        ConfigurationId = "local-notification",
                        Bucket = new S3BucketEntity { Name = bucket, Arn = $"arn:aws:s3:::{bucket}" },
                        Item = new S3ObjectEntity { Key = WebUtility.UrlEncode(o.Key).Replace("%2F", "/", StringComparison.Ordinal), Size = o.Size ?? 0, ETag = o.ETag?.Trim('"'), Sequencer = DateTime.UtcNow.Ticks.ToString("X16", System.Globalization.CultureInfo.InvariantCulture) },
                    },
                },
            ],
        };
        var payload = JsonSerializer.SerializeToUtf8Bytes(evt, LambdaEventsJsonContext.Default.S3Event);
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
                _log.Warn("S3 notification delivery failed", ("function", function.Name), ("key", o.Key), ("attempt", attempt), ("error", ex));
                if (attempt < 3) await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken).ConfigureAwait(false);
            }
        }

        Failed++;
        _log.Error("S3 notification abandoned after 3 attempts", ("function", function.Name), ("key", o.Key));
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
