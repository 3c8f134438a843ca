using ECommerceAgents.Lambda.Logging;

namespace ECommerceAgents.Lambda.Runtime;

public sealed record LambdaRuntimeOptions
{
    /// <summary>How long before the deadline the handler's token is cancelled, so it can answer in time (e.g. with a partial batch response).</summary>
    public TimeSpan DeadlineMargin { get; init; } = TimeSpan.FromMilliseconds(750);

    /// <summary>Stop after this many invocations (tests and benchmarks); null runs until the process is stopped.</summary>
    public int? MaxInvocations { get; init; }
}

/// <summary>
/// The <c>provided.al2023</c> custom-runtime loop: init once, then next → invoke → response or error, for ever.
/// </summary>
public static class LambdaRuntime
{
    private static readonly JsonLog Log = new("runtime");

    /// <summary>Entry point for a function's <c>Main</c>. Returns the process exit code.</summary>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<IFunctionHandler>> initialize, LambdaRuntimeOptions? options = null, CancellationToken cancellationToken = default)
    {
        var runtimeApi = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
        if (string.IsNullOrEmpty(runtimeApi))
        {
            await Console.Error.WriteLineAsync("AWS_LAMBDA_RUNTIME_API is not set: this binary runs inside Lambda (or against a Runtime API double). Use the CLI's `invoke` to run a handler locally.").ConfigureAwait(false);
            return 2;
        }

        // The Runtime API's `next` is a long poll: no client timeout.
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };
        var client = new LambdaRuntimeClient(http, runtimeApi);
        return await RunAsync(client, initialize, options ?? new LambdaRuntimeOptions(), cancellationToken).ConfigureAwait(false);
    }

    public static async Task<int> RunAsync(LambdaRuntimeClient client, Func<CancellationToken, Task<IFunctionHandler>> initialize, LambdaRuntimeOptions options, CancellationToken cancellationToken)
    {
        IFunctionHandler handler;
        try
        {
            handler = await initialize(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.Error("init failed", ("error", ex));
            await client.ReportInitErrorAsync(ex, cancellationToken).ConfigureAwait(false);
            return 1;
        }

        var served = 0;
        while (!cancellationToken.IsCancellationRequested && (options.MaxInvocations is null || served < options.MaxInvocations))
        {
            LambdaInvocation invocation;
            byte[] payload;
            try
            {
                (invocation, payload) = await client.NextAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (RuntimeApiException ex)
            {
                // 500 on next means the execution environment is going away: the runtime should exit promptly.
                Log.Error("the Runtime API refused the next invocation; exiting", ("status", (int)ex.Status));
                return 1;
            }

            served++;
            if (invocation.TraceId is not null)
            {
                Environment.SetEnvironmentVariable("_X_AMZN_TRACE_ID", invocation.TraceId);
            }

            await InvokeOnceAsync(client, handler, invocation, payload, options, cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task InvokeOnceAsync(LambdaRuntimeClient client, IFunctionHandler handler, LambdaInvocation invocation, byte[] payload, LambdaRuntimeOptions options, CancellationToken cancellationToken)
    {
        var remaining = invocation.Deadline - DateTimeOffset.UtcNow - options.DeadlineMargin;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);

        byte[] response;
        try
        {
            response = await handler.InvokeAsync(payload, invocation, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.Error("invocation failed", ("requestId", invocation.RequestId), ("function", handler.Name), ("error", ex));
            await client.ReportInvocationErrorAsync(invocation.RequestId, ex, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await client.RespondAsync(invocation.RequestId, response, cancellationToken).ConfigureAwait(false);
        }
        catch (ResponseTooLargeException ex)
        {
            await client.ReportInvocationErrorAsync(invocation.RequestId, ex, cancellationToken).ConfigureAwait(false);
        }
    }
}
