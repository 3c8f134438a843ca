using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using ECommerceAgents.Domain.Ingest;
using ECommerceAgents.IntegrationTests.Batch;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// Segment's own Node SDK (<c>@segment/analytics-node</c> from npm) pointed at the local API with a write key made
/// through the admin API: every mapped call, posted by the SDK to /v1/batch, lands in the enriched zone once with its
/// type and identity, although the SDK sent the batch twice (its first answer was lost); a bad write key comes back
/// to the caller as the SDK's delivery error.
/// </summary>
public sealed class SegmentSdkTests : IAsyncLifetime
{
    private ApiPipeline _pipeline = null!;
    private string _writeKey = "";
    private string _keyId = "";

    public async ValueTask InitializeAsync()
    {
        _pipeline = await ApiPipeline.StartAsync("segmentsdk");
        using var response = await _pipeline.Api.SendAsync(HttpMethod.Post, "v1/admin/keys", ApiInstance.AdminKey, JsonContent.Create(new { name = "segment-node", role = "ingest" }));
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        (_writeKey, _keyId) = (created["key"]!.GetValue<string>(), created["keyId"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync() => await _pipeline.DisposeAsync();

    /// <summary>Every call the mapping knows: (SDK method, its arguments, the type it must become).</summary>
    private static List<(string Method, JsonObject Args, string Type)> EveryMappedCall()
    {
        const string products = """[{"product_id":"P-1","sku":"SKU-1","category":"books","price":10,"quantity":2},{"product_id":"P-2","category":"games","price":5.5}]""";
        var calls = SegmentMapping.TrackTypes.Select(t => ("track", new JsonObject
        {
            ["event"] = t.Key,
            ["properties"] = JsonNode.Parse($$"""
                {"query":"lamp","list_id":"deals","product_id":"P-9","category":"home","price":12.5,"quantity":1,"order_id":"o-{{t.Key.Length}}","total":30,"currency":"EUR","products":{{products}}}
                """),
        }, t.Value)).ToList();
        calls.Add(("track", new JsonObject { ["event"] = "Wishlist Shared", ["properties"] = new JsonObject { ["channel"] = "email" } }, "custom_event"));
        calls.Add(("page", new JsonObject { ["name"] = "Home", ["properties"] = new JsonObject { ["url"] = "https://shop.example/" } }, "page_view"));
        calls.Add(("screen", new JsonObject { ["name"] = "Basket" }, "screen_view"));
        calls.Add(("group", new JsonObject { ["groupId"] = "acme", ["traits"] = new JsonObject { ["plan"] = "pro" } }, "group"));
        calls.Add(("identify", new JsonObject { ["traits"] = new JsonObject { ["email"] = "pat@example.com" } }, "identify"));
        calls.Add(("alias", new JsonObject(), "identify"));

        // Each call its own shopper, so each event is found by its identity.
        for (var i = 0; i < calls.Count; i++)
        {
            var (method, args, _) = calls[i];
            args["userId"] = $"sdk-u-{i}";
            args["messageId"] = $"sdk-{i}-{Guid.NewGuid():N}";
            args[method == "alias" ? "previousId" : "anonymousId"] = $"sdk-a-{i}";
        }

        return calls;
    }

    [Fact]
    public async Task Sdk_EveryMappedCallThroughBatch_EnrichedOnceWithTypeAndIdentity_AcrossItsRetry()
    {
        var calls = EveryMappedCall();

        var run = await RunSdkAsync(_writeKey, calls, dropFirst: 1);

        Assert.All(run["results"]!.AsArray(), r => Assert.Null(r));
        Assert.True(run["requests"]!.GetValue<int>() >= 2, $"the SDK did not retry the batch whose answer was lost: {run}");
        var onStream = await ApiInstance.StreamEventsAsync(_pipeline.Harness.Stack, _pipeline.Harness.Names);
        Assert.True(onStream.Count >= 2 * calls.Count, $"the retried batch did not reach the stream twice ({onStream.Count} records for {calls.Count} calls)");

        await _pipeline.DrainAsync();
        var bucket = _pipeline.Harness.Names.Bucket(Buckets.Enriched);
        var enriched = (await StoreChecksum.EnrichedLinesAsync(_pipeline.Harness.Stack, bucket, "events/"))
            .Concat(await StoreChecksum.EnrichedLinesAsync(_pipeline.Harness.Stack, bucket, "bots/"))
            .Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(calls.Count, enriched.Count);
        for (var i = 0; i < calls.Count; i++)
        {
            var (method, args, type) = calls[i];
            var eventId = SegmentMapping.EventId(_keyId, args["messageId"]!.GetValue<string>());
            var e = Assert.Single(enriched, x => x["eventId"]!.GetValue<string>() == eventId);
            Assert.True(type == e["type"]!.GetValue<string>(), $"{method} {args["event"]}: {e["type"]} instead of {type}");
            Assert.Equal(args["anonymousId"]?.GetValue<string>() ?? args["previousId"]!.GetValue<string>(), e["anonymousId"]!.GetValue<string>());
            Assert.Equal(args["userId"]!.GetValue<string>(), e["userId"]!.GetValue<string>());
            Assert.Equal("segment", e["lineage"]!["source"]!.GetValue<string>());
        }

        // The alias linked its previousId to the user: a later visit by the previousId alone is attributed to the user.
        var alias = calls.Single(c => c.Method == "alias").Args;
        var after = $$$"""{"anonymousId":"{{{alias["previousId"]}}}","messageId":"after-alias","properties":{"url":"https://shop.example/after"}}""";
        using (var response = await _pipeline.Api.SendAsync(HttpMethod.Post, "v1/page", _writeKey, new StringContent(after, System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        await _pipeline.DrainAsync();
        var afterId = SegmentMapping.EventId(_keyId, "after-alias");
        var visit = (await StoreChecksum.EnrichedLinesAsync(_pipeline.Harness.Stack, bucket, "events/")).Select(l => JsonNode.Parse(l)!).Single(x => x["eventId"]!.GetValue<string>() == afterId);
        Assert.Equal(alias["userId"]!.GetValue<string>(), visit["resolvedUserId"]?.GetValue<string>());

        // And on into the warehouse: the batch loader over those enriched objects, custom events included.
        await using var slice = await BatchSlice.CreateAsync("segmentwh", DateTimeOffset.UtcNow);
        foreach (var key in await EnrichedKeysAsync(bucket))
        {
            using var source = await _pipeline.Harness.Stack.S3Client.GetObjectAsync(bucket, key);
            using var bytes = new MemoryStream();
            await source.ResponseStream.CopyToAsync(bytes);
            bytes.Position = 0;
            await slice.S3.PutObjectAsync(new PutObjectRequest { BucketName = slice.Bucket(Buckets.Enriched), Key = key, InputStream = bytes, UseChunkEncoding = false });
        }

        var loader = await slice.LoaderAsync();
        foreach (var day in enriched.Select(e => e["partition"]!["dt"]!.GetValue<string>()).Distinct()) await EnrichedDay.BackfillAsync(loader, day);
        var rows = await TestWarehouse.QueryAsync(slice.Warehouse, "select event_id, event_type from eca.fct_events");
        Assert.Equal(calls.Count + 1, rows.Count);
        foreach (var (method, args, type) in calls)
        {
            var eventId = SegmentMapping.EventId(_keyId, args["messageId"]!.GetValue<string>());
            Assert.True(rows.Any(r => (string?)r["event_id"] == eventId && (string?)r["event_type"] == type), $"{method} {args["event"]} ({type}) is not in fct_events");
        }
    }

    private async Task<List<string>> EnrichedKeysAsync(string bucket)
    {
        var keys = new List<string>();
        foreach (var prefix in (string[])["events/", "bots/"])
        {
            var page = await _pipeline.Harness.Stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
        }

        return keys;
    }

    [Fact]
    public async Task Sdk_BadWriteKey_CallbackGetsTheSdks401Error_NothingStored()
    {
        var calls = EveryMappedCall().Take(2).ToList();

        var run = await RunSdkAsync("not-a-write-key-0123456789", calls, dropFirst: 0);

        Assert.All(run["results"]!.AsArray(), r => Assert.StartsWith("[401]", r!.GetValue<string>(), StringComparison.Ordinal));
        Assert.All(run["statuses"]!.AsArray(), s => Assert.Equal(401, s!.GetValue<int>()));
        Assert.Empty(await ApiInstance.StreamEventsAsync(_pipeline.Harness.Stack, _pipeline.Harness.Names));
    }

    private async Task<JsonNode> RunSdkAsync(string writeKey, List<(string Method, JsonObject Args, string Type)> calls, int dropFirst)
    {
        var root = LocalStackOptions.FindRepositoryRoot();
        var modules = Path.Combine(root, "local", "node_modules");
        if (!File.Exists(Path.Combine(modules, "@segment", "analytics-node", "package.json")))
        {
            Assert.Skip("@segment/analytics-node is not installed in local/node_modules: cd local && npm ci");
        }

        var callsFile = Path.Combine(Path.GetTempPath(), $"eca-segment-calls-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(callsFile, new JsonArray([.. calls.Select(c => (JsonNode)new JsonObject { ["method"] = c.Method, ["args"] = c.Args.DeepClone() })]).ToJsonString());
        try
        {
            var psi = new ProcessStartInfo("node", [Path.Combine(root, "tests", "ECommerceAgents.IntegrationTests", "Api", "segment-client.js")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment =
                {
                    ["ECA_NODE_MODULES"] = modules,
                    ["ECA_API"] = _pipeline.Api.BaseAddress.ToString(),
                    ["ECA_WRITE_KEY"] = writeKey,
                    ["ECA_CALLS"] = callsFile,
                    ["ECA_DROP_FIRST"] = dropFirst.ToString(System.Globalization.CultureInfo.InvariantCulture),
                },
            };
            using var node = Process.Start(psi)!;
            var stdout = node.StandardOutput.ReadToEndAsync();
            var stderr = node.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await node.WaitForExitAsync(timeout.Token);
            Assert.True(node.ExitCode == 0, $"segment-client.js exited {node.ExitCode}: {await stderr}");
            return JsonNode.Parse((await stdout).Trim())!;
        }
        finally
        {
            File.Delete(callsFile);
        }
    }
}
