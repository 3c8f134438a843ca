using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.IntegrationTests.Api;
using ECommerceAgents.IntegrationTests.StreamProcessor;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Corpus;

/// <summary>
/// The bad-input corpus (<c>tests/corpus/</c>: one file per case, the expected outcome of each in
/// <c>tests/corpus/expected.json</c>, plus the generated cases named there) through StreamProcessor and the API. Every
/// case must end as its manifest says: a clear 4xx with the path at fault, or a quarantined record with its reason.
/// Zero crashes (no failed batch item, no 5xx) and zero lost (every record is enriched or quarantined).
/// </summary>
public sealed class BadInputCorpusTests : IAsyncLifetime
{
    private PlatformHarness _harness = null!;

    public async ValueTask InitializeAsync() => _harness = await PlatformHarness.StartAsync("corpus", settings: Workload.Settings);

    public async ValueTask DisposeAsync() => await _harness.DisposeAsync();

    private static string Root => Path.Combine(LocalStackOptions.FindRepositoryRoot(), "tests", "corpus");

    private static JsonObject Manifest => JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "expected.json")))!.AsObject();

    /// <summary>The corpus files, and the cases too large to commit, made here as the manifest names them.</summary>
    private static IEnumerable<(string Name, byte[] Body)> Cases()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "events")).Order(StringComparer.Ordinal))
        {
            yield return ("events/" + Path.GetFileName(file), File.ReadAllBytes(file));
        }

        var valid = File.ReadAllText(Path.Combine(Root, "events", "valid.json"));
        yield return ("generated/string-900kb", Encoding.UTF8.GetBytes(valid.Replace("\"books\"", "\"" + new string('x', 900 * 1024) + "\"", StringComparison.Ordinal).Replace("0b17", "0b90", StringComparison.Ordinal)));
        yield return ("generated/nesting-10000", Encoding.UTF8.GetBytes(valid.Replace("\"books\"", new string('[', 10_000) + new string(']', 10_000), StringComparison.Ordinal).Replace("0b17", "0b91", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Records whose Lambda-event <c>data</c> is not base64 (only a hand-made event has them; the API takes no base64, so
    /// they have no API case). <c>{lone}</c> and <c>{object}</c> are replaced in the event's JSON text.
    /// </summary>
    private static IEnumerable<(string Name, string Wire)> WireCases()
    {
        yield return ("generated/data-not-base64", "!!! not base64 !!!");
        yield return ("generated/data-lone-surrogate", "{lone}");
        yield return ("generated/data-not-a-string", "{object}");
    }

    [Fact]
    public async Task StreamProcessor_EveryCase_QuarantinedWithItsReasonOrEnriched_NoneLost()
    {
        var builder = new KinesisEventBuilder();
        var cases = Cases().ToList();
        foreach (var (_, body) in cases) builder.Add(body, "corpus");
        foreach (var (name, wire) in WireCases())
        {
            builder.AddWire(wire, "corpus");
            cases.Add((name, []));
        }

        var kinesisEvent = Encoding.UTF8.GetString(builder.Event(..))
            .Replace("\"{lone}\"", "\"\\ud800\"", StringComparison.Ordinal)
            .Replace("\"{object}\"", "{\"not\":\"base64\"}", StringComparison.Ordinal);
        var function = await ECommerceAgents.Functions.StreamProcessor.StreamProcessorFunction.CreateAsync(_harness.Environment, CancellationToken.None);
        var response = await Workload.InvokeAsync(function, Encoding.UTF8.GetBytes(kinesisEvent));
        Assert.Empty(response.BatchItemFailures);
        await _harness.FlushAsync();

        // Each record by its sequence number, with the reason its object is filed under (an object holds one reason's records).
        var quarantined = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, _, json) in await StoreChecksum.QuarantineRecordsAsync(_harness.Stack, _harness.Names.Bucket(Buckets.Quarantine)))
        {
            quarantined[JsonNode.Parse(json)!["sequenceNumber"]!.GetValue<string>()] = key.Split('/')[1]["reason=".Length..];
        }

        var enriched = (await StoreChecksum.EnrichedLinesAsync(_harness.Stack, _harness.Names.Bucket(Buckets.Enriched), "events/"))
            .Select(l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);

        var actual = new List<string>();
        for (var i = 0; i < cases.Count; i++)
        {
            var sequence = builder.Records[i].Kinesis.SequenceNumber;
            var outcome = quarantined.TryGetValue(sequence, out var reason) ? "quarantine:" + reason
                : cases[i].Body.Length > 0 && EventIdOf(cases[i].Body) is { } id && enriched.Contains(id) ? "enriched"
                : "LOST";
            actual.Add($"{cases[i].Name} → {outcome}");
        }

        var expected = cases.Select(c => $"{c.Name} → {Manifest[c.Name]?["stream"]?.GetValue<string>() ?? "(missing in expected.json)"}").ToList();
        Assert.True(expected.SequenceEqual(actual), "stream outcomes differ from tests/corpus/expected.json:\n" + string.Join("\n", actual.Zip(expected).Where(p => p.First != p.Second).Select(p => $"  found {p.First}, expected {p.Second}")));
    }

    [Fact]
    public async Task Api_EveryCase_ClearStatusWithThePathAtFault_NoServerError()
    {
        await using var api = await ApiInstance.StartAsync(_harness.Environment);
        var actual = new List<string>();
        var cases = Cases().ToList();
        foreach (var (name, body) in cases)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await api.SendAsync(HttpMethod.Post, "v1/events", ApiInstance.AdminKey, content, [("Expect", "100-continue")]);
            var outcome = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (response.StatusCode == HttpStatusCode.BadRequest)
            {
                var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
                outcome += " " + problem!["errors"]![0]!["path"]!.GetValue<string>();
            }

            actual.Add($"{name} → {outcome}");
        }

        var expected = cases.Select(c => $"{c.Name} → {Manifest[c.Name]?["api"]?.GetValue<string>() ?? "(missing in expected.json)"}").ToList();
        Assert.True(expected.SequenceEqual(actual), "API outcomes differ from tests/corpus/expected.json:\n" + string.Join("\n", actual.Zip(expected).Where(p => p.First != p.Second).Select(p => $"  found {p.First}, expected {p.Second}")));
        Assert.DoesNotContain(actual, a => a.Contains("→ 5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Api_BodyPastOneMegabyteAndPastLambdasSixMegabytes_413()
    {
        await using var api = await ApiInstance.StartAsync(_harness.Environment);
        foreach (var size in new[] { 1024 * 1024 + 1, 6 * 1024 * 1024 + 1 })
        {
            using var content = new ByteArrayContent(new byte[size]);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await api.SendAsync(HttpMethod.Post, "v1/events", ApiInstance.AdminKey, content, [("Expect", "100-continue")]);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        }
    }

    [Fact]
    public async Task Webhook_HeaderInjectionInTheSignature_401_NothingWritten()
    {
        await using var api = await ApiInstance.StartAsync(_harness.Environment);
        var body = File.ReadAllText(Path.Combine(Root, "events", "valid.json"));
        var signed = ApiInstance.Sign(body, DateTimeOffset.UtcNow);
        // A raw request, since HttpClient refuses CR/LF in a header value: the injected line must not become a header
        // that makes the signature pass, and the request must not be split into two.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(api.BaseAddress.Host, api.BaseAddress.Port);
        var stream = tcp.GetStream();
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var head = $"POST /v1/webhooks/shop HTTP/1.1\r\nHost: 127.0.0.1\r\nx-api-key: {ApiInstance.AdminKey}\r\nContent-Type: application/json\r\n" +
                   $"X-Timestamp: {signed[0].Value}\r\nX-Signature: sha256=00\r\n{signed[1].Name}: {signed[1].Value}\r\nContent-Length: {bodyBytes.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(bodyBytes);
        using var reader = new StreamReader(stream);
        var statusLine = await reader.ReadLineAsync();
        Assert.StartsWith("HTTP/1.1 401", statusLine, StringComparison.Ordinal);
        Assert.DoesNotContain(await ApiInstance.StreamEventsAsync(_harness.Stack, _harness.Names), e => e["eventId"]?.GetValue<string>() == EventIdOf(bodyBytes));
    }

    private static string? EventIdOf(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body)?["eventId"]?.GetValue<string>();
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>The log lines of the corpus (<c>tests/corpus/logs/</c>) through LogTransformer, each answered as <c>expected.json</c> says.</summary>
public sealed class LogCorpusTests
{
    [Fact]
    public async Task LogTransformer_EveryCase_AnsweredOnceInOrderAsExpected()
    {
        var root = Path.Combine(LocalStackOptions.FindRepositoryRoot(), "tests", "corpus");
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(root, "expected.json")))!.AsObject();
        var cases = Directory.GetFiles(Path.Combine(root, "logs")).Order(StringComparer.Ordinal)
            .Select(f => ("logs/" + Path.GetFileName(f), Convert.ToBase64String(File.ReadAllBytes(f))))
            .Append(("logs/base64-garbage", "!!!not base64!!!"))
            .Append(("logs/gzip-bomb", Convert.ToBase64String(GeneratedCases.GzipBomb([], 64L << 20))))
            .ToList();
        var records = new JsonArray(cases.Select((c, i) => (JsonNode?)new JsonObject { ["recordId"] = "r" + i, ["approximateArrivalTimestamp"] = 1795428000000, ["data"] = c.Item2 }).ToArray());
        var payload = Encoding.UTF8.GetBytes(new JsonObject { ["invocationId"] = "corpus", ["deliveryStreamArn"] = "arn:aws:firehose:us-east-1:1:deliverystream/logs", ["records"] = records }.ToJsonString());
        await using var harness = await PlatformHarness.StartAsync("logcorpus");
        var handler = await ECommerceAgents.Functions.LogTransformer.LogTransformerFunction.CreateAsync(harness.Environment, CancellationToken.None);

        var response = JsonNode.Parse(await handler.InvokeAsync(payload, Lambda.Runtime.LambdaInvocation.Local(TimeSpan.FromMinutes(1)), CancellationToken.None))!["records"]!.AsArray();

        Assert.Equal(cases.Select((_, i) => "r" + i), response.Select(r => r!["recordId"]!.GetValue<string>()));
        var actual = cases.Select((c, i) => $"{c.Item1} → {response[i]!["result"]!.GetValue<string>()}").ToList();
        var expected = cases.Select(c => $"{c.Item1} → {manifest[c.Item1]?["logs"]?.GetValue<string>() ?? "(missing in expected.json)"}").ToList();
        Assert.True(expected.SequenceEqual(actual), "log outcomes differ from tests/corpus/expected.json:\n" + string.Join("\n", actual.Zip(expected).Where(p => p.First != p.Second).Select(p => $"  found {p.First}, expected {p.Second}")));
    }
}
