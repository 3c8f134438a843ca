using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ECommerceAgents.Local.Stack.Lambda;

/// <summary>What the runtime answered for one invocation.</summary>
public sealed record RuntimeApiResult(string RequestId, bool IsError, byte[] Body, string? ErrorType);

/// <summary>
/// A local HTTP double of the four documented Lambda Runtime API endpoints (2018-06-01): <c>invocation/next</c>
/// (a long poll carrying the request-id, deadline, function ARN and trace headers), <c>invocation/{id}/response</c>
/// (413 above 6 MB), <c>invocation/{id}/error</c> and <c>init/error</c>. Used to test the runtime loop and to time cold starts.
/// </summary>
public sealed class RuntimeApiDouble : IAsyncDisposable
{
    private const int MaxResponseBytes = 6 * 1024 * 1024;
    private readonly Channel<(string Id, byte[] Payload, DateTimeOffset Deadline)> _queue = Channel.CreateUnbounded<(string, byte[], DateTimeOffset)>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<RuntimeApiResult>> _pending = new();
    private readonly TaskCompletionSource<RuntimeApiResult> _initError = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<long> _firstNext = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;
    private volatile bool _shuttingDown;

    public int Port { get; private set; }

    /// <summary>The value for <c>AWS_LAMBDA_RUNTIME_API</c>.</summary>
    public string Address => $"127.0.0.1:{Port}";

    /// <summary>Completes with <see cref="Stopwatch.GetTimestamp"/> at the first <c>next</c> request.</summary>
    public Task<long> FirstNext => _firstNext.Task;

    public Task<RuntimeApiResult> InitError => _initError.Task;

    private int _nextRequests;

    public int NextRequests => Volatile.Read(ref _nextRequests);

    public static async Task<RuntimeApiDouble> StartAsync(CancellationToken cancellationToken = default)
    {
        var api = new RuntimeApiDouble();
        var builder = LocalWebHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        var app = builder.Build();
        app.MapGet("/2018-06-01/runtime/invocation/next", api.NextAsync);
        app.MapPost("/2018-06-01/runtime/invocation/{id}/response", api.ResponseAsync);
        app.MapPost("/2018-06-01/runtime/invocation/{id}/error", api.ErrorAsync);
        app.MapPost("/2018-06-01/runtime/init/error", api.InitErrorAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        api._app = app;
        api.Port = new Uri(app.Urls.First()).Port;
        return api;
    }

    /// <summary>Queues an invocation; the task completes with the runtime's response or error.</summary>
    public Task<RuntimeApiResult> InvokeAsync(byte[] payload, TimeSpan? timeout = null)
    {
        var id = Guid.NewGuid().ToString();
        var done = new TaskCompletionSource<RuntimeApiResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = done;
        _queue.Writer.TryWrite((id, payload, DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(30))));
        return done.Task;
    }

    /// <summary>From now on an idle <c>next</c> answers 500, which tells the runtime to exit.</summary>
    public void ShutDown()
    {
        _shuttingDown = true;
        _queue.Writer.TryComplete();
    }

    private async Task NextAsync(HttpContext context)
    {
        Interlocked.Increment(ref _nextRequests);
        _firstNext.TrySetResult(Stopwatch.GetTimestamp());
        (string Id, byte[] Payload, DateTimeOffset Deadline) item;
        try
        {
            item = await _queue.Reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync("{\"errorMessage\":\"shutting down\",\"errorType\":\"Runtime.ExitError\"}").ConfigureAwait(false);
            return;
        }

        var headers = context.Response.Headers;
        headers["Lambda-Runtime-Aws-Request-Id"] = item.Id;
        headers["Lambda-Runtime-Deadline-Ms"] = item.Deadline.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        headers["Lambda-Runtime-Invoked-Function-Arn"] = "arn:aws:lambda:us-east-1:000000000000:function:double";
        headers["Lambda-Runtime-Trace-Id"] = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(item.Payload).ConfigureAwait(false);
    }

    private async Task ResponseAsync(HttpContext context, string id)
    {
        var body = await ReadAsync(context).ConfigureAwait(false);
        if (!_pending.TryGetValue(id, out var done))
        {
            context.Response.StatusCode = 400;
            return;
        }

        if (body.Length > MaxResponseBytes)
        {
            context.Response.StatusCode = 413;
            await context.Response.WriteAsync("{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\",\"errorType\":\"RequestEntityTooLarge\"}").ConfigureAwait(false);
            return;
        }

        _pending.TryRemove(id, out _);
        done.TrySetResult(new RuntimeApiResult(id, false, body, null));
        context.Response.StatusCode = 202;
        await context.Response.WriteAsync("{\"status\":\"OK\"}").ConfigureAwait(false);
    }

    private async Task ErrorAsync(HttpContext context, string id)
    {
        var body = await ReadAsync(context).ConfigureAwait(false);
        if (!_pending.TryRemove(id, out var done))
        {
            context.Response.StatusCode = 400;
            return;
        }

        done.TrySetResult(new RuntimeApiResult(id, true, body, context.Request.Headers["Lambda-Runtime-Function-Error-Type"].ToString()));
        context.Response.StatusCode = 202;
        await context.Response.WriteAsync("{\"status\":\"OK\"}").ConfigureAwait(false);
    }

    private async Task InitErrorAsync(HttpContext context)
    {
        var body = await ReadAsync(context).ConfigureAwait(false);
        _initError.TrySetResult(new RuntimeApiResult("init", true, body, context.Request.Headers["Lambda-Runtime-Function-Error-Type"].ToString()));
        context.Response.StatusCode = 202;
        await context.Response.WriteAsync("{\"status\":\"OK\"}").ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        return buffer.ToArray();
    }

    public bool IsShuttingDown => _shuttingDown;

    public async ValueTask DisposeAsync()
    {
        ShutDown();
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
