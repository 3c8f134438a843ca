using System.Net;
using System.Text.Json;
using ECommerceAgents.Adapters.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>
/// The Firehose API on 127.0.0.1 (PutRecord, PutRecordBatch over the JSON protocol), routing records to the local
/// delivery streams. Tests can make chosen records fail, as Firehose does under load, to exercise partial retries.
/// </summary>
public sealed class FirehoseEndpoint : IAsyncDisposable
{
    private readonly Dictionary<string, FirehoseDeliveryStream> _streams;
    private WebApplication? _app;
    private long _calls;

    public FirehoseEndpoint(int port, IEnumerable<FirehoseDeliveryStream> streams)
    {
        Port = port;
        _streams = streams.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public int Port { get; }

    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Decides, per record of a PutRecordBatch call, whether it fails with ServiceUnavailableException.</summary>
    public Func<int, bool>? FailRecord { get; set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = LocalWebHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, Port);
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
        });
        _app = builder.Build();
        _app.MapPost("/", HandleAsync);
        // Local only, for the drain of a demo or a test: deliver everything buffered now, and a liveness probe.
        _app.MapPost("/_local/flush", async (HttpContext context) =>
        {
            foreach (var s in _streams.Values) await s.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = 204;
        });
        _app.MapGet("/_local/health", () => Results.Text("ok"));
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _calls);
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        var operation = target[(target.IndexOf('.') + 1)..];
        try
        {
            switch (operation)
            {
                case "PutRecordBatch":
                {
                    var request = await JsonSerializer.DeserializeAsync(context.Request.Body, FirehoseJsonContext.Default.PutRecordBatchRequest, context.RequestAborted).ConfigureAwait(false)
                        ?? throw new InvalidRequestException("empty body");
                    var stream = Stream(request.DeliveryStreamName);
                    if (request.Records.Count is 0 or > 500) throw new InvalidRequestException("Records must hold 1 to 500 records.");
                    var now = DateTimeOffset.UtcNow;
                    var responses = new List<PutRecordBatchResponseEntry>(request.Records.Count);
                    var failed = 0;
                    var accepted = new List<byte[]>(request.Records.Count);
                    for (var i = 0; i < request.Records.Count; i++)
                    {
                        if (FailRecord?.Invoke(i) == true)
                        {
                            failed++;
                            responses.Add(new PutRecordBatchResponseEntry { ErrorCode = "ServiceUnavailableException", ErrorMessage = "Slow down." });
                            continue;
                        }

                        accepted.Add(request.Records[i].Data.ToArray());
                        responses.Add(new PutRecordBatchResponseEntry { RecordId = Guid.NewGuid().ToString("N") });
                    }

                    // One durable append for the call (a spooled stream fsyncs here), before the answer.
                    if (accepted.Count > 0) stream.AddRange(accepted, now);

                    await WriteAsync(context, 200, new PutRecordBatchResponse { FailedPutCount = failed, Encrypted = false, RequestResponses = responses }, FirehoseJsonContext.Default.PutRecordBatchResponse).ConfigureAwait(false);
                    break;
                }

                case "PutRecord":
                {
                    var request = await JsonSerializer.DeserializeAsync(context.Request.Body, FirehoseJsonContext.Default.PutRecordRequest, context.RequestAborted).ConfigureAwait(false)
                        ?? throw new InvalidRequestException("empty body");
                    Stream(request.DeliveryStreamName).Add(request.Record.Data.ToArray(), DateTimeOffset.UtcNow);
                    await WriteAsync(context, 200, new PutRecordResponse(Guid.NewGuid().ToString("N"), false), FirehoseJsonContext.Default.PutRecordResponse).ConfigureAwait(false);
                    break;
                }

                default:
                    throw new InvalidRequestException($"Operation '{operation}' is not supported by the local Firehose.");
            }
        }
        catch (ResourceNotFoundException ex)
        {
            await WriteAsync(context, 400, new FirehoseErrorBody("ResourceNotFoundException", ex.Message), FirehoseJsonContext.Default.FirehoseErrorBody).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidRequestException or JsonException)
        {
            await WriteAsync(context, 400, new FirehoseErrorBody("InvalidArgumentException", ex.Message), FirehoseJsonContext.Default.FirehoseErrorBody).ConfigureAwait(false);
        }
    }

    private FirehoseDeliveryStream Stream(string name) =>
        _streams.TryGetValue(name, out var s) ? s : throw new ResourceNotFoundException($"Delivery stream {name} not found.");

    private static Task WriteAsync<T>(HttpContext context, int status, T body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/x-amz-json-1.1";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, type);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class InvalidRequestException(string message) : Exception(message);

    private sealed class ResourceNotFoundException(string message) : Exception(message);
}
