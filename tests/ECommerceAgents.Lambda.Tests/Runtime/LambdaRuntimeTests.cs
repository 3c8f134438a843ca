using System.Text;
using System.Text.Json;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack.Lambda;

namespace ECommerceAgents.Lambda.Tests.Runtime;

public sealed class LambdaRuntimeTests : IAsyncLifetime
{
    private RuntimeApiDouble _api = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _api = await RuntimeApiDouble.StartAsync();
        _http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
    }

    private Task<int> Run(IFunctionHandler handler, int invocations, TimeSpan? margin = null) =>
        LambdaRuntime.RunAsync(
            new LambdaRuntimeClient(_http, _api.Address),
            _ => Task.FromResult(handler),
            new LambdaRuntimeOptions { MaxInvocations = invocations, DeadlineMargin = margin ?? TimeSpan.FromMilliseconds(750) },
            CancellationToken.None);

    [Fact]
    public async Task Next_TwoInvocations_EachAnsweredWithItsOwnResponse()
    {
        var seen = new List<LambdaInvocation>();
        var handler = new DelegateHandler((payload, invocation, _) =>
        {
            seen.Add(invocation);
            return Task.FromResult(Encoding.UTF8.GetBytes("{\"echo\":" + Encoding.UTF8.GetString(payload.Span) + "}"));
        });

        var first = _api.InvokeAsync("1"u8.ToArray());
        var second = _api.InvokeAsync("2"u8.ToArray());
        var exit = await Run(handler, 2);

        Assert.Equal(0, exit);
        Assert.Equal("{\"echo\":1}", Encoding.UTF8.GetString((await first).Body));
        Assert.Equal("{\"echo\":2}", Encoding.UTF8.GetString((await second).Body));
        Assert.False((await first).IsError);
        Assert.Equal([(await first).RequestId, (await second).RequestId], seen.Select(s => s.RequestId));
        Assert.All(seen, s => Assert.Equal("arn:aws:lambda:us-east-1:000000000000:function:double", s.FunctionArn));
        Assert.All(seen, s => Assert.True(s.Deadline > DateTimeOffset.UtcNow.AddSeconds(20)));
        Assert.StartsWith("Root=1-5759e988", seen[0].TraceId);
        Assert.Equal(seen[1].TraceId, Environment.GetEnvironmentVariable("_X_AMZN_TRACE_ID"));
    }

    [Fact]
    public async Task HandlerThrows_InvocationErrorPostedWithTypeAndMessage()
    {
        var handler = new DelegateHandler((_, _, _) => throw new InvalidOperationException("the store is down"));

        var result = _api.InvokeAsync("{}"u8.ToArray());
        await Run(handler, 1);

        var error = await result;
        Assert.True(error.IsError);
        Assert.Equal("Unhandled.InvalidOperationException", error.ErrorType);
        using var body = JsonDocument.Parse(error.Body);
        Assert.Equal("the store is down", body.RootElement.GetProperty("errorMessage").GetString());
        Assert.Equal("InvalidOperationException", body.RootElement.GetProperty("errorType").GetString());
        Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty("stackTrace").ValueKind);
    }

    [Fact]
    public async Task InitThrows_InitErrorPostedAndExitCodeOne()
    {
        var exit = await LambdaRuntime.RunAsync(
            new LambdaRuntimeClient(_http, _api.Address),
            _ => throw new InvalidOperationException("missing setting ECA_TABLE_PROFILES"),
            new LambdaRuntimeOptions { MaxInvocations = 1 },
            CancellationToken.None);

        Assert.Equal(1, exit);
        var init = await _api.InitError.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Contains("missing setting ECA_TABLE_PROFILES", Encoding.UTF8.GetString(init.Body));
        Assert.Equal(0, _api.NextRequests);
    }

    [Fact]
    public async Task ResponseOver6MB_RejectedWith413_ReportedAsInvocationError()
    {
        var handler = new DelegateHandler((_, _, _) => Task.FromResult(new byte[7 * 1024 * 1024]));

        var result = _api.InvokeAsync("{}"u8.ToArray());
        await Run(handler, 1);

        var error = await result;
        Assert.True(error.IsError);
        Assert.Equal("Unhandled.ResponseTooLargeException", error.ErrorType);
    }

    [Fact]
    public async Task Deadline_HandlerTokenCancelledBeforeDeadline_CanStillAnswer()
    {
        var handler = new DelegateHandler(async (_, _, ct) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
            }

            return "{\"partial\":true}"u8.ToArray();
        });

        var started = DateTimeOffset.UtcNow;
        var result = _api.InvokeAsync("{}"u8.ToArray(), TimeSpan.FromSeconds(1.5));
        await Run(handler, 1, margin: TimeSpan.FromMilliseconds(500));

        var answer = await result;
        Assert.False(answer.IsError);
        Assert.Equal("{\"partial\":true}", Encoding.UTF8.GetString(answer.Body));
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(1.5), "the handler must be cancelled before the deadline");
    }

    [Fact]
    public async Task NextAnswers500_RuntimeExitsWithOne()
    {
        _api.ShutDown();
        var handler = new DelegateHandler((_, _, _) => Task.FromResult(Array.Empty<byte>()));

        var exit = await Run(handler, 5);

        Assert.Equal(1, exit);
    }

    private sealed class DelegateHandler(Func<ReadOnlyMemory<byte>, LambdaInvocation, CancellationToken, Task<byte[]>> invoke) : IFunctionHandler
    {
        public string Name => "test";

        public Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken) => invoke(payload, invocation, cancellationToken);
    }
}
