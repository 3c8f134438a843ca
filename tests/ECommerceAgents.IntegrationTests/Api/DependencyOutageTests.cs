using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.IntegrationTests.StreamProcessor;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// DynamoDB unreachable behind the API (a proxy in front of dynalite that closes its port, as a killed server's is, or
/// answers 500s and throttling errors): every route answers 503 with Retry-After naming the dependency, never 500;
/// an ingest request whose idempotency claim could not be written is not applied, and after recovery the same request
/// with the same key is applied once; a request whose completion record could not be written is safe to retry.
/// </summary>
public sealed class DependencyOutageTests
{
    private const string Throttled = """{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"Rate exceeded"}""";

    /// <summary>A harness and a proxy in front of its dynalite; the environment reaches DynamoDB through the proxy.</summary>
    private static async Task<(PlatformHarness Harness, FaultProxy Proxy, FunctionEnvironment Environment)> StartAsync(string owner)
    {
        var harness = await PlatformHarness.StartAsync(owner);
        var proxy = new FaultProxy(harness.Stack.Endpoints.DynamoDb!.Port);
        return (harness, proxy, harness.Environment with { Endpoints = harness.Environment.Endpoints with { DynamoDb = proxy.Endpoint } });
    }

    private static async Task AssertDependency503Async(HttpResponseMessage response, string dependency, int? retryAfter = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"expected 503, got {(int)response.StatusCode}: {body}");
        Assert.NotNull(response.Headers.RetryAfter?.Delta);
        if (retryAfter is { } seconds) Assert.Equal(TimeSpan.FromSeconds(seconds), response.Headers.RetryAfter.Delta);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(dependency, JsonNode.Parse(body)!["dependency"]?.GetValue<string>());
    }

    private static async Task<int> OnStreamAsync(PlatformHarness harness, string userId) =>
        (await ApiInstance.StreamEventsAsync(harness.Stack, harness.Names)).Count(e => e["userId"]?.GetValue<string>() == userId);

    [Fact]
    public async Task DynamoDbRefusing_Ingest_503WithRetryAfter_NotApplied_ThenSameKeyAppliedOnce()
    {
        var (harness, proxy, environment) = await StartAsync("dynout-ingest");
        await using var _ = harness;
        await using var __ = proxy;
        await using var warm = await ApiInstance.StartAsync(environment);
        await using var cold = await ApiInstance.StartAsync(environment);
        var ingest = await warm.CreateKeyAsync("ingest");
        using (var first = await warm.PostJsonAsync("v1/events", ingest, ApiInstance.ProductView("u-dyn-warm", "sku-1")))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode); // the warm instance now holds the key in its cache
        }

        var body = ApiInstance.ProductView("u-dyn", "sku-1");
        var key = "k-" + Guid.NewGuid();
        proxy.Refusing = true;

        // The cold instance cannot look the API key up; the warm one cannot write the idempotency claim.
        using (var lookup = await cold.PostJsonAsync("v1/events", ingest, body, [("Idempotency-Key", key)]))
        {
            await AssertDependency503Async(lookup, "DynamoDB", retryAfter: 2);
            Assert.Contains("ConnectionRefused", (await lookup.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        using (var claim = await warm.PostJsonAsync("v1/events", ingest, body, [("Idempotency-Key", key)]))
        {
            await AssertDependency503Async(claim, "DynamoDB");
        }

        using (var plain = await warm.PostJsonAsync("v1/webhooks/shop", ingest, body, ApiInstance.Sign(body, DateTimeOffset.UtcNow)))
        {
            await AssertDependency503Async(plain, "DynamoDB"); // the webhook replay cache
        }

        Assert.Equal(0, await OnStreamAsync(harness, "u-dyn"));

        // DynamoDB is back: the same request with the same key is applied, once, whichever instance answers.
        proxy.Refusing = false;
        using (var recovered = await cold.PostJsonAsync("v1/events", ingest, body, [("Idempotency-Key", key)]))
        {
            Assert.Equal(HttpStatusCode.Accepted, recovered.StatusCode);
        }

        using (var again = await warm.PostJsonAsync("v1/events", ingest, body, [("Idempotency-Key", key)]))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
            Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
        }

        Assert.Equal(1, await OnStreamAsync(harness, "u-dyn"));
    }

    [Fact]
    public async Task DynamoDbRefusingOrThrottling_AdminQueryAndPrivacyRoutes_503WithRetryAfter_ThenRecover()
    {
        var (harness, proxy, environment) = await StartAsync("dynout-routes");
        await using var _ = harness;
        await using var __ = proxy;
        await using var api = await ApiInstance.StartAsync(environment);
        using (var warm = await api.SendAsync(HttpMethod.Get, "v1/users/u-none/consent", ApiInstance.AdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode); // the admin key is cached from here on
        }

        proxy.Refusing = true;
        using (var create = await api.SendAsync(HttpMethod.Post, "v1/admin/keys", ApiInstance.AdminKey, JsonContent.Create(new { name = "during-outage", role = "query" })))
        {
            await AssertDependency503Async(create, "DynamoDB");
        }

        foreach (var path in new[] { "v1/users/u-none/profile", "v1/users/u-none/consent", "v1/users/u-none/export", "v1/products/sku-1" })
        {
            using var read = await api.SendAsync(HttpMethod.Get, path, ApiInstance.AdminKey);
            await AssertDependency503Async(read, "DynamoDB");
        }

        using (var consent = await api.SendAsync(HttpMethod.Put, "v1/users/u-none/consent", ApiInstance.AdminKey, JsonContent.Create(new { personalisation = false })))
        {
            await AssertDependency503Async(consent, "DynamoDB");
        }

        // Throttled rather than down: 503 too, with the shorter wait.
        proxy.Refusing = false;
        proxy.Decide = (_, target, _) => target.EndsWith(".GetItem", StringComparison.Ordinal) ? ProxyDecision.Respond(400, "application/x-amz-json-1.0", Throttled) : ProxyDecision.Forward;
        using (var throttled = await api.SendAsync(HttpMethod.Get, "v1/users/u-none/consent", ApiInstance.AdminKey))
        {
            await AssertDependency503Async(throttled, "DynamoDB", retryAfter: 1);
            Assert.Equal("Dependency throttling", (await throttled.Content.ReadFromJsonAsync<JsonObject>())!["title"]!.GetValue<string>());
        }

        proxy.Decide = (_, _, _) => ProxyDecision.Forward;
        using (var created = await api.SendAsync(HttpMethod.Post, "v1/admin/keys", ApiInstance.AdminKey, JsonContent.Create(new { name = "after-outage", role = "query" })))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var profile = await api.SendAsync(HttpMethod.Get, "v1/users/u-none/profile", ApiInstance.AdminKey))
        {
            Assert.Equal(HttpStatusCode.NotFound, profile.StatusCode);
        }

        using (var consent = await api.SendAsync(HttpMethod.Get, "v1/users/u-none/consent", ApiInstance.AdminKey))
        {
            Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        }
    }

    [Fact]
    public async Task CompletionRecordFails_AfterTheStreamTookTheEvents_202_RetryWithSameKey_EnrichedOnce()
    {
        var (harness, proxy, environment) = await StartAsync("dynout-complete");
        await using var _ = harness;
        await using var __ = proxy;
        await using var api = await ApiInstance.StartAsync(environment);
        var ingest = await api.CreateKeyAsync("ingest");
        var eventId = Guid.NewGuid();
        var body = ApiInstance.ProductView("u-complete", "sku-1", id: eventId);
        var key = "k-" + Guid.NewGuid();

        // Every write of a completion record fails (after the SDK's own retries): the claim, the stream write and the
        // release go through.
        proxy.Decide = (_, target, request) => target.EndsWith(".PutItem", StringComparison.Ordinal) && request.Contains("\"done\"", StringComparison.Ordinal)
            ? ProxyDecision.Respond(500, "application/x-amz-json-1.0", """{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected"}""")
            : ProxyDecision.Forward;
        using (var first = await api.PostJsonAsync("v1/events", ingest, body, [("Idempotency-Key", key)]))
        {
            Assert.Equal(HttpStatusCode.Accepted, first.StatusCode); // the events are on the stream: the answer stands
        }

        // The client did not get (or did not trust) the answer and retries with the same key: the claim was released,
        // so the request runs again and puts the same event id on the stream a second time.
        proxy.Decide = (_, _, _) => ProxyDecision.Forward;
        using (var retried = await api.PostJsonAsync("v1/events", ingest, body, [("Idempotency-Key", key)]))
        {
            Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
            Assert.False(retried.Headers.Contains("Idempotent-Replayed"));
        }

        using (var replayed = await api.PostJsonAsync("v1/events", ingest, body, [("Idempotency-Key", key)]))
        {
            Assert.Equal("true", replayed.Headers.GetValues("Idempotent-Replayed").Single());
        }

        Assert.Equal(2, await OnStreamAsync(harness, "u-complete"));

        // StreamProcessor drops the repeated event id: the event is enriched, and counted, once.
        var builder = new KinesisEventBuilder();
        foreach (var record in await ApiInstance.ReadStreamAsync(harness.Stack.KinesisClient, harness.Names.Stream(Streams.Events))) builder.Add(record.Data, record.PartitionKey);
        var function = await ECommerceAgents.Functions.StreamProcessor.StreamProcessorFunction.CreateAsync(harness.Environment, CancellationToken.None);
        var response = await Workload.InvokeAsync(function, builder.Event(..));
        await harness.FlushAsync();

        Assert.Empty(response.BatchItemFailures);
        var enriched = await StoreChecksum.EnrichedLinesAsync(harness.Stack, harness.Names.Bucket(Buckets.Enriched), "events/");
        Assert.Single(enriched, l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>() == eventId.ToString());
    }
}
