using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// Ingest through the real Kestrel server: the batch rule, problem bodies with JSON paths, trace context into each
/// event, idempotency keys across two instances sharing the store, and 503 (never 202) while the stream is down.
/// </summary>
public sealed class ApiIngestTests : IAsyncLifetime
{
    private PlatformHarness _harness = null!;
    private ApiInstance _api = null!;
    private string _ingest = "";

    public async ValueTask InitializeAsync()
    {
        _harness = await PlatformHarness.StartAsync("apiingest");
        _api = await ApiInstance.StartAsync(_harness.Environment);
        _ingest = await _api.CreateKeyAsync("ingest");
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _harness.DisposeAsync();
    }

    private Task<List<JsonObject>> StreamAsync() => ApiInstance.StreamEventsAsync(_harness.Stack, _harness.Names);

    [Fact]
    public async Task Batch_SomeInvalid_ValidOnesAccepted_RestReportedByIndexAndPath_TraceparentCarried()
    {
        var good1 = Guid.NewGuid();
        var good2 = Guid.NewGuid();
        var bad = Guid.NewGuid();
        var missingSku = ApiInstance.ProductView("u-b", "sku-1", id: bad).Replace("\"sku\":\"sku-1\",", "", StringComparison.Ordinal);
        var body = $"[{ApiInstance.ProductView("u-b", "sku-1", id: good1)},{missingSku},{ApiInstance.ProductView("u-b", "sku-2", id: good2)}]";
        const string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        using var response = await _api.PostJsonAsync("v1/events", _ingest, body, [("traceparent", traceparent)]);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(2, answer["accepted"]!.GetValue<int>());
        Assert.Equal([good1.ToString(), good2.ToString()], answer["eventIds"]!.AsArray().Select(n => n!.GetValue<string>()));
        var rejected = Assert.Single(answer["rejected"]!.AsArray())!;
        Assert.Equal(1, rejected["index"]!.GetValue<int>());
        Assert.Equal(bad.ToString(), rejected["eventId"]!.GetValue<string>());
        Assert.Contains("$[1].data", rejected["path"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("sku", rejected["message"]!.GetValue<string>() + rejected["path"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(traceparent, answer["traceparent"]!.GetValue<string>());

        var onStream = (await StreamAsync()).Where(e => e["userId"]?.GetValue<string>() == "u-b").ToList();
        Assert.Equal(new[] { good1.ToString(), good2.ToString() }.Order(), onStream.Select(e => e["eventId"]!.GetValue<string>()).Order());
        Assert.All(onStream, e =>
        {
            Assert.Equal(traceparent, e["lineage"]!["traceparent"]!.GetValue<string>());
            Assert.Equal("api", e["lineage"]!["source"]!.GetValue<string>());
            Assert.Equal(answer["requestId"]!.GetValue<string>(), e["lineage"]!["requestId"]!.GetValue<string>());
        });
    }

    [Fact]
    public async Task NoOrInvalidTraceparent_EachRequestGetsFreshRandomIds_InTheAnswerHeadersAndLineage()
    {
        var answers = new List<(string RequestId, string Traceparent, HttpResponseMessage Response)>();
        foreach (var incoming in new[] { null, "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", null })
        {
            var body = ApiInstance.ProductView("u-ids", "sku-1");
            var response = await _api.PostJsonAsync("v1/events", _ingest, body, incoming is null ? null : [("traceparent", incoming)]);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var answer = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            answers.Add((answer["requestId"]!.GetValue<string>(), answer["traceparent"]!.GetValue<string>(), response));
        }

        foreach (var (requestId, traceparent, response) in answers)
        {
            // A version-4 GUID in the "N" format, as before; a version-00 sampled trace context with non-repeating ids.
            Assert.Matches("^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$", requestId);
            Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", traceparent);
            Assert.Equal(requestId, response.Headers.GetValues("x-request-id").Single());
            Assert.Equal(traceparent, response.Headers.GetValues("traceparent").Single());
            response.Dispose();
        }

        Assert.Equal(answers.Count, answers.Select(a => a.RequestId).Distinct().Count());
        Assert.Equal(answers.Count, answers.Select(a => a.Traceparent[3..35]).Distinct().Count());
        Assert.Equal(answers.Count, answers.Select(a => a.Traceparent[36..52]).Distinct().Count());
        var onStream = (await StreamAsync()).Where(e => e["userId"]?.GetValue<string>() == "u-ids").ToList();
        Assert.Equal(answers.Select(a => a.Traceparent).Order(), onStream.Select(e => e["lineage"]!["traceparent"]!.GetValue<string>()).Order());
    }

    [Fact]
    public async Task NoValidEvent_400ProblemWithEveryPath_MalformedJson_400AtRoot_NothingWritten()
    {
        var wrongType = ApiInstance.ProductView("u-400", "sku-1").Replace("\"price\":12.5", "\"price\":\"cheap\"", StringComparison.Ordinal);
        var unknown = ApiInstance.ProductView("u-400", "sku-1").Replace("product_view/1-0-0", "teleport/1-0-0", StringComparison.Ordinal);
        using var none = await _api.PostJsonAsync("v1/events", _ingest, $"[{wrongType},{unknown}]");
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        var problem = (await none.Content.ReadFromJsonAsync<JsonObject>())!;
        var errors = problem["errors"]!.AsArray();
        Assert.Contains(errors, e => e!["index"]!.GetValue<int>() == 0 && e["path"]!.GetValue<string>() == "$[0].data.price");
        Assert.Contains(errors, e => e!["index"]!.GetValue<int>() == 1 && e["path"]!.GetValue<string>().StartsWith("$[1].schema", StringComparison.Ordinal));

        foreach (var malformed in new[] { "{\"schema\":", "", "42", "[]", "{} {}" })
        {
            using var response = await _api.PostJsonAsync("v1/events", _ingest, malformed);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("$", (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!["path"]!.GetValue<string>());
        }

        var tooMany = "[" + string.Join(",", Enumerable.Range(0, 501).Select(_ => ApiInstance.ProductView("u-400", "sku-1"))) + "]";
        using var over = await _api.PostJsonAsync("v1/events", _ingest, tooMany);
        Assert.Equal(HttpStatusCode.BadRequest, over.StatusCode);
        Assert.Contains("at most 500", (await over.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // A producer may not forge lineage, and a route takes only its own event types.
        var forged = ApiInstance.ProductView("u-400", "sku-1")[..^1] + ",\"lineage\":{\"source\":\"batch\"}}";
        using var lineage = await _api.PostJsonAsync("v1/events", _ingest, forged);
        Assert.Equal(HttpStatusCode.BadRequest, lineage.StatusCode);
        using var wrongRoute = await _api.PostJsonAsync("v1/orders", _ingest, ApiInstance.ProductView("u-400", "sku-1"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongRoute.StatusCode);
        Assert.Equal("$.schema", (await wrongRoute.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![0]!["path"]!.GetValue<string>());

        Assert.DoesNotContain(await StreamAsync(), e => e["userId"]?.GetValue<string>() == "u-400");
    }

    [Fact]
    public async Task IdempotencyKey_AcrossTwoInstances_FirstAnswerReplayed_WrittenOnce_ReuseWithOtherBody422()
    {
        await using var second = await ApiInstance.StartAsync(_harness.Environment);
        var body = $"[{ApiInstance.ProductView("u-idem", "sku-1")},{ApiInstance.ProductView("u-idem", "sku-2")}]";
        var key = "order-attempt-" + Guid.NewGuid();

        using var first = await _api.PostJsonAsync("v1/events", _ingest, body, [("Idempotency-Key", key)]);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var firstBody = await first.Content.ReadAsStringAsync();
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));

        using var retried = await second.PostJsonAsync("v1/events", _ingest, body, [("Idempotency-Key", key)]);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal(firstBody, await retried.Content.ReadAsStringAsync());
        Assert.Equal("true", retried.Headers.GetValues("Idempotent-Replayed").Single());

        using var reused = await second.PostJsonAsync("v1/events", _ingest, ApiInstance.ProductView("u-idem", "sku-3"), [("Idempotency-Key", key)]);
        Assert.Equal((HttpStatusCode)422, reused.StatusCode);

        // Keys are scoped to the API key: another client's identical key is its own request.
        var otherClient = await _api.CreateKeyAsync("ingest", "other-client");
        using var other = await second.PostJsonAsync("v1/events", otherClient, body, [("Idempotency-Key", key)]);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        Assert.False(other.Headers.Contains("Idempotent-Replayed"));

        using var badKey = await _api.PostJsonAsync("v1/events", _ingest, body, [("Idempotency-Key", new string('k', 256))]);
        Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);

        // Written by the first request and by the other client's: the replay wrote nothing.
        Assert.Equal(4, (await StreamAsync()).Count(e => e["userId"]?.GetValue<string>() == "u-idem"));
    }

    [Fact]
    public async Task StreamDown_503WithRetryAfter_Never202_ThenRecovers_IdempotencyKeyReleased()
    {
        FaultProxy.SkipUnlessProxyable(_harness.Stack.Endpoints.Kinesis, "Kinesis");
        await using var proxy = new FaultProxy(_harness.Stack.Endpoints.Kinesis!.Port);
        var environment = _harness.Environment with { Endpoints = _harness.Environment.Endpoints with { Kinesis = proxy.Endpoint } };
        await using var api = await ApiInstance.StartAsync(environment);
        var body = ApiInstance.ProductView("u-503", "sku-1");
        var key = "k-" + Guid.NewGuid();

        // The stand-in is unreachable: connections are cut.
        proxy.Decide = (_, _, _) => ProxyDecision.Drop;
        using (var down = await api.PostJsonAsync("v1/events", _ingest, body, [("Idempotency-Key", key)]))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.NotNull(down.Headers.RetryAfter);
            Assert.Equal("application/problem+json", down.Content.Headers.ContentType?.MediaType);
        }

        // The stream keeps throttling every record.
        proxy.Decide = (_, target, _) => target.EndsWith("PutRecords", StringComparison.Ordinal)
            ? ProxyDecision.Respond(400, "application/x-amz-json-1.1", """{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded for shard"}""")
            : ProxyDecision.Forward;
        using (var throttled = await api.PostJsonAsync("v1/events", _ingest, body, [("Idempotency-Key", key)]))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, throttled.StatusCode);
            Assert.Contains("ProvisionedThroughputExceeded", (await throttled.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(await StreamAsync(), e => e["userId"]?.GetValue<string>() == "u-503");

        // The stream is back: the same request with the same key goes through (the 503 did not hold the key).
        proxy.Decide = (_, _, _) => ProxyDecision.Forward;
        using var recovered = await api.PostJsonAsync("v1/events", _ingest, body, [("Idempotency-Key", key)]);
        Assert.Equal(HttpStatusCode.Accepted, recovered.StatusCode);
        Assert.Single(await StreamAsync(), e => e["userId"]?.GetValue<string>() == "u-503");
    }
}
