using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// The traffic generator's API client (what <c>demo</c> sends with) retries 503, 429, 409 and connection failures with
/// the same Idempotency-Key, honouring Retry-After, and counts its retries; against the real API with DynamoDB down for
/// a while, its request ends applied exactly once.
/// </summary>
public sealed class ApiIngestClientTests
{
    /// <summary>Answers from a script, recording each request's Idempotency-Key.</summary>
    private sealed class ScriptedHandler(params Func<HttpResponseMessage>[] script) : HttpMessageHandler
    {
        private int _next;

        public ConcurrentQueue<string> Keys { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Keys.Enqueue(request.Headers.GetValues("Idempotency-Key").Single());
            return Task.FromResult(script[Math.Min(_next++, script.Length - 1)]());
        }
    }

    private static HttpResponseMessage Status(int status, int? retryAfter = null)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent("{}") };
        if (retryAfter is { } seconds) response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        return response;
    }

    [Fact]
    public async Task PostAsync_503ThenConnectionRefusedThen429_RetriedWithTheSameKey_RetryAfterHonoured_Counted()
    {
        var handler = new ScriptedHandler(
            () => Status(503, retryAfter: 1),
            () => throw new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)),
            () => Status(429),
            () => Status(202));
        using var http = new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:9/") };
        var truth = new GroundTruth();
        var retries = new List<ApiRetry>();
        var client = new ApiIngestClient(http, "test-key", new ApiRetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(10) }, truth) { Retrying = retries.Add };

        var result = await client.PostAsync("v1/events", "[]", events: 10, idempotencyKey: "batch-1");

        Assert.Equal(HttpStatusCode.Accepted, result.Status);
        Assert.Equal(4, result.Attempts);
        Assert.Equal(["batch-1", "batch-1", "batch-1", "batch-1"], handler.Keys);
        Assert.Equal(["503", nameof(HttpRequestException), "429"], retries.Select(r => r.Reason));
        Assert.Equal(TimeSpan.FromSeconds(1), retries[0].Delay); // the server's Retry-After
        Assert.All(retries.Skip(1), r => Assert.True(r.Delay <= TimeSpan.FromMilliseconds(40), $"backoff {r.Delay} above its cap"));
        Assert.Equal(3, client.Retries);
        Assert.Equal(3, truth.ApiRetries);
        Assert.Equal(30, truth.ApiRetriedEvents);
    }

    [Fact]
    public async Task PostAsync_400OrAttemptsExhausted_NotRetriedFurther_LastAnswerReturned()
    {
        var refused = new ScriptedHandler(() => Status(400));
        using var http = new HttpClient(refused) { BaseAddress = new Uri("http://127.0.0.1:9/") };
        var client = new ApiIngestClient(http, "test-key");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("v1/events", "[]", 1)).Status);
        Assert.Equal(0, client.Retries);

        var down = new ScriptedHandler(() => Status(503));
        using var http2 = new HttpClient(down) { BaseAddress = new Uri("http://127.0.0.1:9/") };
        var patient = new ApiIngestClient(http2, "test-key", new ApiRetryPolicy { MaxAttempts = 3, BaseDelay = TimeSpan.FromMilliseconds(1) });
        var last = await patient.PostAsync("v1/events", "[]", 1);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, last.Status);
        Assert.Equal(3, last.Attempts);
        Assert.Single(down.Keys.Distinct());
    }

    [Fact]
    public async Task PostAsync_DynamoDbDownThenBack_RetriedUntilAccepted_AppliedOnce()
    {
        await using var harness = await PlatformHarness.StartAsync("client-retry");
        await using var proxy = new FaultProxy(harness.Stack.Endpoints.DynamoDb!.Port);
        await using var api = await ApiInstance.StartAsync(harness.Environment with { Endpoints = harness.Environment.Endpoints with { DynamoDb = proxy.Endpoint } });
        using var http = new HttpClient { BaseAddress = api.BaseAddress };
        var truth = new GroundTruth();
        var client = new ApiIngestClient(http, ApiInstance.AdminKey, new ApiRetryPolicy { MaxAttempts = 20 }, truth);
        var body = ApiInstance.ProductView("u-client", "sku-1");

        // Down for the first attempts (the key lookup itself cannot be made: 503), back after a few seconds.
        proxy.Refusing = true;
        var back = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            proxy.Refusing = false;
        });
        var result = await client.PostAsync("v1/events", body, events: 1);
        await back;

        Assert.Equal(HttpStatusCode.Accepted, result.Status);
        Assert.True(client.Retries >= 1, "the first attempt met the outage");
        Assert.Equal(client.Retries, truth.ApiRetries);
        Assert.Single(await ApiInstance.StreamEventsAsync(harness.Stack, harness.Names), e => e["userId"]?.GetValue<string>() == "u-client");
    }
}
