using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Kms;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Adapters.Warehouse;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Functions.BatchLoader;
using ECommerceAgents.IntegrationTests.Api;
using ECommerceAgents.IntegrationTests.Batch;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Privacy;

/// <summary>
/// Issue 21's done-when, through the real pipeline with sealing on: a user with events in every store and zone (the
/// stream, the raw archive, the quarantine, the enriched and processed zones, the warehouse, DynamoDB, Redis) is
/// exported, then erased, each as a privacy request that moves accepted → in progress → done. The export held every
/// personal value the README's stores × fields table lists; afterwards no store yields any of their values (searched by
/// value, not by field), the raw archive replays to pseudonyms only, another user is untouched, and the audit chain
/// verifies with every move in it.
/// </summary>
public sealed class ErasureEverywhereTests : IAsyncLifetime
{
    private const string Email = "erin.everywhere@example.com", Ip = "198.51.100.77", User = "u-erin-everywhere", Anonymous = "anon-u-erin-everywhere";
    private const string Query = "erin private birthday gift", DeviceId = "dev-erin-0042", OrderId = "o-erin-1";
    private const string OtherEmail = "olly.other@example.com", OtherUser = "u-olly-other";
    private ApiPipeline _p = null!;
    private string _warehouse = "";
    private string _ingest = "";
    private IFunctionHandler _loader = null!;

    public async ValueTask InitializeAsync()
    {
        var stack = await TestStack.GetAsync();
        _warehouse = await TestWarehouse.CreateAsync(stack, "erase-all");
        _p = await ApiPipeline.StartAsync("erase-all", new Dictionary<string, string>
        {
            [SettingNames.MasterKey] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            [ServiceEndpoints.WarehouseVariable] = _warehouse,
        }, endpoints: stack.Endpoints with { Warehouse = _warehouse }, rawArchive: true);
        _ingest = await _p.Api.CreateKeyAsync("ingest");
        _loader = await BatchLoaderFunction.CreateAsync(_p.Harness.Environment, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_loader is IAsyncDisposable d) await d.DisposeAsync();
        await _p.DisposeAsync();
    }

    private static string Envelope(string type, string user, string anonymous, string email, string data, string ip = Ip, string device = DeviceId) =>
        $$"""{"schema":"com.ecommerceagents/{{type}}/1-0-0","eventId":"{{Guid.NewGuid()}}","eventTime":"{{DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O")}}","userId":"{{user}}","anonymousId":"{{anonymous}}","context":{"ip":"{{ip}}","email":"{{email}}","deviceId":"{{device}}","locale":"en-GB","userAgent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"},"data":{{data}}}""";

    private async Task SendAsync(params string[] events)
    {
        using var response = await _p.Api.PostJsonAsync("v1/events", _ingest, "[" + string.Join(",", events) + "]");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task RunBatchAsync() => await EnrichedDay.BackfillAsync(_loader, DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd"));

    private async Task<JsonObject> RequestAsync(string location)
    {
        using var response = await _p.Api.SendAsync(HttpMethod.Get, location.TrimStart('/'), ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static string[] Statuses(JsonObject request) => [.. request["history"]!.AsArray().Select(h => h!["status"]!.GetValue<string>())];

    [Fact]
    public async Task ExportThenErase_ExportHoldsEveryPersonalField_AfterwardsNoStoreYieldsTheUser_AuditChainVerifies()
    {
        var product = """{"sku":"b-erin","category":"books","brand":"Acme","price":12.5,"currency":"EUR"}""";
        await SendAsync(
            Envelope("product_view", User, Anonymous, Email, product),
            Envelope("search", User, Anonymous, Email, $$"""{"query":"{{Query}}","resultsCount":3}"""),
            Envelope("identify", User, Anonymous, Email, """{"method":"login"}"""),
            Envelope("order_placed", User, Anonymous, Email, $$"""{"orderId":"{{OrderId}}","total":12.5,"currency":"EUR","items":[{"sku":"b-erin","quantity":1,"price":12.5}]}"""),
            Envelope("product_view", OtherUser, "anon-" + OtherUser, OtherEmail, product, "192.0.2.55", "dev-olly-7"));
        // A sealed record StreamProcessor refuses (its time out of range): the quarantine keeps it sealed, with the reason.
        var stream = _p.Harness.Names.Stream(Streams.Events);
        var records = await ApiInstance.ReadStreamAsync(_p.Harness.Stack.KinesisClient, stream);
        var opened = await OpenAsync(records.Select(r => r.Data).ToList());
        var first = records[opened.FindIndex(t => t.Contains(Email, StringComparison.Ordinal))];
        var refused = JsonNode.Parse(first.Data)!;
        refused["eventTime"] = "2001-01-01T00:00:00Z";
        refused["eventId"] = Guid.NewGuid().ToString();
        await _p.Harness.Stack.KinesisClient.PutRecordsAsync(stream, [new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(refused.ToJsonString()), first.PartitionKey)], CancellationToken.None);
        // The visitor's own consent choice, before they signed in: erasure takes it with the anonymous id.
        using (var consent = await _p.Api.SendAsync(HttpMethod.Put, $"v1/anonymous/{Anonymous}/consent", ApiInstance.AdminKey,
            new StringContent("""{"purposes":{"marketing":false}}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        }

        await _p.DrainAsync();
        await RunBatchAsync();
        var pseudonyms = await PseudonymsAsync();
        Assert.NotEmpty(pseudonyms);

        // Export: accepted at once, then built by the batch run; the link downloads it.
        using var exportResponse = await _p.Api.SendAsync(HttpMethod.Post, $"v1/users/{User}/export", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.Accepted, exportResponse.StatusCode);
        var exportLocation = exportResponse.Headers.Location!.ToString();
        Assert.Equal("accepted", (await RequestAsync(exportLocation))["status"]!.GetValue<string>());
        await RunBatchAsync();
        var exportRequest = await RequestAsync(exportLocation);
        Assert.Equal(["accepted", "in_progress", "done"], Statuses(exportRequest));
        using var http = new HttpClient();
        var export = (await http.GetFromJsonAsync<JsonObject>(exportRequest["download"]!.GetValue<string>()))!;
        AssertExportHoldsEveryStore(export, pseudonyms);

        // Erasure: DynamoDB and Redis at once (in progress), the rest by the batch run (done).
        using var eraseResponse = await _p.Api.SendAsync(HttpMethod.Delete, $"v1/users/{User}", ApiInstance.AdminKey);
        Assert.Equal(HttpStatusCode.Accepted, eraseResponse.StatusCode);
        var eraseLocation = eraseResponse.Headers.Location!.ToString();
        Assert.Equal("in_progress", (await RequestAsync(eraseLocation))["status"]!.GetValue<string>());
        await RunBatchAsync();
        var erasure = await RequestAsync(eraseLocation);
        Assert.Equal(["accepted", "in_progress", "done"], Statuses(erasure));
        Assert.True(erasure["counts"]?["keysShredded"]?.GetValue<int>() >= 1, erasure.ToJsonString());

        // Every store, searched by value.
        var everything = await EverythingStoredAsync();
        foreach (var value in new[] { Email, Ip, Query, DeviceId, Anonymous }.Concat(pseudonyms))
        {
            // The audit chain names subjects by id (user#…, anon#…) and is append-only: ids are the one thing it may keep.
            var hit = everything.FirstOrDefault(s => s.Text.Contains(value, StringComparison.Ordinal) && !(value == Anonymous && s.Store == "dynamodb:audit"));
            if (hit.Store is not null) Assert.Fail($"'{value}' is still in {hit.Store}: {hit.Text[..Math.Min(hit.Text.Length, 300)]}");
        }

        // The user id stays only where the law keeps it: the consent record, the erasure record and request, the audit chain.
        var kept = new[] { "dynamodb:consent", "dynamodb:tombstones", "dynamodb:privacy-requests", "dynamodb:audit" };
        var withId = everything.Where(s => s.Text.Contains(User, StringComparison.Ordinal)).Select(s => s.Store).Distinct().ToArray();
        Assert.All(withId, store => Assert.Contains(store, kept));
        Assert.Contains(everything, s => s.Text.Contains(OtherEmail, StringComparison.Ordinal));   // opened with the other user's key
        Assert.Contains(everything, s => s.Store == "warehouse" && s.Text.Contains(OtherUser, StringComparison.Ordinal));

        // The audit chain holds every move of both requests and verifies.
        var audit = new AuditChainStore(_p.Harness.Stack.DynamoDbClient, _p.Harness.Names, TimeProvider.System);
        var actions = (await audit.AuditAsync("user#" + User, CancellationToken.None)).Select(e => e["action"]!.GetValue<string>()).ToArray();
        foreach (var action in new[] { "privacy.export.accepted", "privacy.export.in_progress", "privacy.export.done", "export.download", "privacy.erasure.accepted", "privacy.erasure.in_progress", "privacy.erasure.done" })
        {
            Assert.Contains(action, actions);
        }

        var verification = await audit.VerifyAsync(AuditChain.Retention, CancellationToken.None);
        Assert.True(verification.Intact, verification.Problem?.Detail);
    }

    /// <summary>The user's pseudonyms as the enriched zone holds them (per-subject e-mail and device hashes).</summary>
    private async Task<List<string>> PseudonymsAsync()
    {
        var lines = await StoreChecksum.EnrichedLinesAsync(_p.Harness.Stack, _p.Harness.Names.Bucket(Buckets.Enriched), "events/");
        var mine = lines.Select(l => JsonNode.Parse(l)!).Where(n => n["userId"]?.GetValue<string>() == User).ToList();
        Assert.NotEmpty(mine);
        var values = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in mine)
        {
            foreach (var field in new[] { "emailHash", "deviceIdHash" })
            {
                if (n["context"]?[field]?.GetValue<string>() is { Length: > 0 } v) values.Add(v);
                if (n[field]?.GetValue<string>() is { Length: > 0 } top) values.Add(top);
            }
        }

        // The stream's partition keys are pseudonyms too, derived from the subject's key: they stay on the stream (it cannot
        // be rewritten) and in the quarantine's records, and stop linking once the key is gone (nothing can derive them
        // from the user id any more), so they are not searched for.
        return [.. values];
    }

    private static void AssertExportHoldsEveryStore(JsonObject export, IReadOnlyList<string> pseudonyms)
    {
        string Part(string path) => path.Split('.').Aggregate((JsonNode?)export, (n, p) => n?[p])?.ToJsonString() ?? "";
        // The README's stores × fields table, store by store.
        var expected = new (string Part, string[] Values)[]
        {
            ("dynamodb.profiles", [User]),
            ("dynamodb.sessions", [User]),
            ("dynamodb.identities", [User, Anonymous]),
            ("dynamodb.orders", [User, OrderId]),
            ("atAcceptance.recentlyViewed", ["b-erin"]),
            ("warehouse.fct_events", [User, Anonymous, Query]),
            ("warehouse.fct_orders", [User, OrderId]),
            ("warehouse.dim_users", [User]),
            ("zones.raw", [User, Anonymous, Email, Ip, DeviceId, Query]),
            ("zones.quarantine", [User, Email, Ip]),
            ("zones.enriched", [User, Anonymous, Query, .. pseudonyms]),
        };
        foreach (var (part, values) in expected)
        {
            var text = Part(part);
            foreach (var value in values) Assert.True(text.Contains(value, StringComparison.Ordinal), $"export {part} lacks '{value}': {text[..Math.Min(text.Length, 300)]}");
        }
    }

    private async Task<List<string>> OpenAsync(IReadOnlyList<byte[]> payloads)
    {
        var env = _p.Harness.Environment;
        var keyring = SubjectKeyringFactory.Create(env.Endpoints, env.Names, _p.Harness.Stack.DynamoDbClient, env.Setting, TimeProvider.System)!;
        var decryption = new RecordDecryption(keyring);
        var inputs = payloads.Select((p, i) => new StreamInput(new StreamPosition("s", i.ToString("D20", System.Globalization.CultureInfo.InvariantCulture)), "k", p, DateTimeOffset.UtcNow)).ToArray();
        await decryption.PrepareAsync(inputs, CancellationToken.None);
        return [.. inputs.Select(i => Encoding.UTF8.GetString(decryption.Open(i.Data.Span, out _)))];
    }

    /// <summary>
    /// Every stored value as text, by store: DynamoDB and Redis (every table and key), the stream and the raw archive
    /// opened with a cold keyring (what replay and redrive see), the quarantine's payloads opened likewise, the
    /// enriched zone, the processed zone's Parquet decoded, the exports bucket and every warehouse table and model.
    /// </summary>
    private async Task<List<(string Store, string Text)>> EverythingStoredAsync()
    {
        var h = _p.Harness;
        var result = new List<(string, string)>();
        var checksum = await h.ChecksumAsync();
        foreach (var (part, rows) in checksum.Rows) result.AddRange(rows.Select(r => (part, r)));

        var stream = await ApiInstance.ReadStreamAsync(h.Stack.KinesisClient, h.Names.Stream(Streams.Events));
        result.AddRange((await OpenAsync(stream.Select(r => r.Data).ToList())).Select(t => ("kinesis", t)));

        foreach (var (bucket, prefix) in new[] { (Buckets.Raw, ZoneLayout.RawArchive), (Buckets.Quarantine, ""), (Buckets.Exports, "") })
        {
            var name = h.Names.Bucket(bucket);
            foreach (var key in await StoreChecksum.KeysAsync(h.Stack, name, prefix))
            {
                using var o = await h.Stack.S3Client.GetObjectAsync(name, key);
                using var buffer = new MemoryStream();
                await o.ResponseStream.CopyToAsync(buffer);
                var body = Gzip.Decompress(buffer.ToArray());
                var lines = Gzip.Lines(body).Select(l => l.ToArray()).ToList();
                var payloads = bucket == Buckets.Quarantine
                    ? lines.Select(l => JsonNode.Parse(l)?["payloadBase64"]?.GetValue<string>() is { } b ? Convert.FromBase64String(b) : l).ToList()
                    : lines;
                result.Add(("s3:" + bucket.Id, Encoding.UTF8.GetString(body)));
                result.AddRange((await OpenAsync(payloads)).Select(t => ("s3:" + bucket.Id + ":opened", t)));
            }
        }

        var codec = new EventParquet();
        var processed = h.Names.Bucket(Buckets.Processed);
        foreach (var key in (await StoreChecksum.KeysAsync(h.Stack, processed, ZoneLayout.ProcessedEvents)).Where(k => k.EndsWith(".parquet", StringComparison.Ordinal)))
        {
            using var o = await h.Stack.S3Client.GetObjectAsync(processed, key);
            using var buffer = new MemoryStream();
            await o.ResponseStream.CopyToAsync(buffer);
            result.AddRange((await codec.DecodeEventsAsync(buffer.ToArray(), default)).Select(r => ("s3:processed", System.Text.Json.JsonSerializer.Serialize(r))));
        }

        foreach (var table in WarehouseCatalog.Tables.Concat(WarehouseCatalog.Models))
        {
            var rows = await TestWarehouse.QueryAsync(_warehouse, $"select * from eca.{table}");
            result.AddRange(rows.Select(r => ("warehouse", string.Join("|", r.Select(kv => kv.Value?.ToString())))));
        }

        return result;
    }
}
