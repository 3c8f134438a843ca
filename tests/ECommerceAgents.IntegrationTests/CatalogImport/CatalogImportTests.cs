using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Functions.CatalogImport;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.IntegrationTests.CatalogImport;

/// <summary>CatalogImport through its real handler factory against the real local servers; each test has its own resources.</summary>
public sealed class CatalogImportTests
{
    private const string SampleKey = "catalog/incoming/products-sample.csv";

    /// <summary>Also used by <c>CatalogCorpusTests</c>.</summary>
    internal sealed class Fixture : IAsyncDisposable
    {
        private Fixture(PlatformHarness harness, IFunctionHandler handler)
        {
            Harness = harness;
            Handler = handler;
        }

        public PlatformHarness Harness { get; }

        public IFunctionHandler Handler { get; }

        public string Landing => Harness.Names.Bucket(Buckets.Landing);

        public string Processed => Harness.Names.Bucket(Buckets.Processed);

        public CatalogStore Store => new(Harness.Stack.DynamoDbClient, Harness.Names);

        public static async Task<Fixture> StartAsync(string owner)
        {
            var harness = await PlatformHarness.StartAsync(owner);
            var handler = await CatalogImportFunction.CreateAsync(harness.Environment, CancellationToken.None);
            return new Fixture(harness, handler);
        }

        public async Task PutAsync(string key, string content)
        {
            await Harness.Stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = Landing, Key = key, ContentBody = content });
        }

        public async Task PutAsync(string key, byte[] body)
        {
            await Harness.Stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = Landing, Key = key, InputStream = new MemoryStream(body) });
        }

        /// <summary>
        /// Runs the handler with a sample Object Created event whose bucket and key point at this test's landing bucket;
        /// the key form-encoded as S3 encodes its notifications' keys, unless <paramref name="encode"/> is false.
        /// </summary>
        public async Task<JsonObject> InvokeAsync(string key, string eventFile = "eventbridge-s3-object-created-local.json", bool encode = true)
        {
            var evt = JsonNode.Parse(EventFiles.Read(eventFile))!.AsObject();
            var detail = evt["detail"]!;
            detail["bucket"]!["name"] = Landing;
            detail["object"]!["key"] = encode ? FormEncoded(key) : key;
            return Assert.Single(await InvokeAsync(evt))!.AsObject();
        }

        public async Task<JsonArray> InvokeAsync(JsonObject evt)
        {
            var response = await Handler.InvokeAsync(Encoding.UTF8.GetBytes(evt.ToJsonString()), LambdaInvocation.Local(TimeSpan.FromMinutes(5)), CancellationToken.None);
            return JsonNode.Parse(response)!["imports"]!.AsArray();
        }

        public static string FormEncoded(string key) => Uri.EscapeDataString(key).Replace("%2F", "/", StringComparison.Ordinal).Replace("%20", "+", StringComparison.Ordinal);

        public async Task<JsonObject> ReportAsync(JsonObject result)
        {
            var key = result["report"]!.GetValue<string>().Split('/', 4)[3];
            using var response = await Harness.Stack.S3Client.GetObjectAsync(Landing, key);
            return JsonNode.Parse(response.ResponseStream)!.AsObject();
        }

        public Task<List<string>> KeysAsync(string bucket, string prefix) => StoreChecksum.KeysAsync(Harness.Stack, bucket, prefix);

        public async Task<List<string>> TextLinesAsync(string bucket, string key, bool gzip = false)
        {
            using var response = await Harness.Stack.S3Client.GetObjectAsync(bucket, key);
            Stream stream = gzip ? new GZipStream(response.ResponseStream, CompressionMode.Decompress) : response.ResponseStream;
            using var reader = new StreamReader(stream);
            var lines = new List<string>();
            while (await reader.ReadLineAsync() is { } line) lines.Add(line);
            return lines;
        }

        /// <summary>Every record on the test's events stream, from the start.</summary>
        public async Task<List<(string PartitionKey, JsonObject Event)>> StreamEventsAsync()
        {
            var kinesis = Harness.Stack.KinesisClient;
            var stream = Harness.Names.Stream(Streams.Events);
            var events = new List<(string, JsonObject)>();
            foreach (var shard in await kinesis.ListShardsAsync(stream, CancellationToken.None))
            {
                var iterator = await kinesis.GetShardIteratorAsync(new GetShardIteratorRequest(stream, shard.ShardId, "TRIM_HORIZON"), CancellationToken.None);
                for (var i = 0; i < 20 && iterator is not null; i++)
                {
                    var page = await kinesis.GetRecordsAsync(iterator, 10000, CancellationToken.None);
                    events.AddRange(page.Records.Select(r => (r.PartitionKey, JsonNode.Parse(r.Data)!.AsObject())));
                    if (page.Records.Count == 0) break;
                    iterator = page.NextShardIterator;
                }
            }

            return events;
        }

        public async Task<int> ItemCountAsync()
        {
            var scan = await Harness.Stack.DynamoDbClient.ScanAsync(new ScanRequest { TableName = Harness.Names.Table(Tables.Catalog) });
            return scan.Count ?? 0;
        }

        public async ValueTask DisposeAsync()
        {
            if (Handler is IAsyncDisposable d) await d.DisposeAsync();
            await Harness.DisposeAsync();
        }
    }

    [Fact]
    public async Task Import_SampleFile_ProductsReportOutboxCopyAndEvents()
    {
        await using var f = await Fixture.StartAsync("catalogsample");
        await f.PutAsync(SampleKey, await File.ReadAllTextAsync(EventFiles.PathOf("catalog/products-sample.csv")));

        var result = await f.InvokeAsync(SampleKey);

        Assert.Equal("completed", result["status"]!.GetValue<string>());
        var report = await f.ReportAsync(result);
        Assert.Equal(14, report["rows"]!.GetValue<long>());
        Assert.Equal(10, report["ok"]!.GetValue<long>());
        Assert.Equal(3, report["rejected"]!.GetValue<long>());
        Assert.Equal(1, report["duplicates"]!.GetValue<long>());
        Assert.Equal(10, report["new"]!.GetValue<long>());
        var rejections = report["rejectedRows"]!.AsArray().ToDictionary(r => r!["line"]!.GetValue<long>(), r => r!["reasons"]![0]!.GetValue<string>());
        Assert.StartsWith("malformed_csv: unbalanced quote", rejections[8], StringComparison.Ordinal); // the row with the unclosed quote
        Assert.StartsWith("sku_invalid", rejections[14], StringComparison.Ordinal);
        Assert.Equal("price_negative", rejections[15]);
        Assert.Equal(13, report["duplicateRows"]![0]!["line"]!.GetValue<long>());
        Assert.Equal(2, report["duplicateRows"]![0]!["keptLine"]!.GetValue<long>());
        Assert.Equal(2, report["classifier"]!["classified"]!.GetValue<long>());
        Assert.Equal(1, report["classifier"]!["mapped"]!.GetValue<long>());
        Assert.Equal(10, report["eventsEmitted"]!.GetValue<long>());

        // DynamoDB: top-level attributes the API reads, cleansed and with features.
        var espresso = await f.Store.GetAsync("HOME-3001", CancellationToken.None);
        Assert.NotNull(espresso);
        Assert.Equal(("Stainless Steel Espresso Machine", "home", 1299m, "out_of_stock", "luxury"), (espresso.Title, espresso.Category, espresso.Price, espresso.StockStatus, espresso.PriceBand));
        var charger = await f.Store.GetAsync("ELEC-1002", CancellationToken.None);
        Assert.Equal(("USB-C Charger 65W \"GaN\" Compact", "electronics", "classified", "low_stock"), (charger!.Title, charger.Category, charger.CategorySource, charger.StockStatus));
        var headphones = await f.Store.GetAsync("ELEC-1001", CancellationToken.None);
        Assert.Equal((279m, 349m, 20.1m), (headphones!.Price, headphones.ListPrice, headphones.DiscountPct)); // first row wins over the duplicate
        var raw = await f.Harness.Stack.DynamoDbClient.GetItemAsync(f.Harness.Names.Table(Tables.Catalog), new() { ["sku"] = new AttributeValue { S = "GARD-4001" } });
        Assert.Equal("49.9", raw.Item["price"].N);
        Assert.Equal("EUR", raw.Item["currency"].S);
        Assert.Contains(raw.Item["keywords"].L, k => k.S == "hose");
        foreach (var attribute in new[] { "sku", "category", "title", "brand", "price", "currency", "listPrice", "discountPct", "stock", "stockStatus", "priceBand", "keywords", "contentHash", "importedAt", "sourceFile" })
        {
            Assert.True(raw.Item.ContainsKey(attribute), attribute);
        }

        // Search outbox, in the SearchIndexer contract.
        var outboxKey = Assert.Single(await f.KeysAsync(f.Processed, "search-outbox/products/dt="));
        Assert.EndsWith(result["importId"]!.GetValue<string>() + ".ndjson", outboxKey, StringComparison.Ordinal);
        var docs = (await f.TextLinesAsync(f.Processed, outboxKey)).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.Equal(10, docs.Length);
        Assert.All(docs, d => Assert.Equal("index", d["action"]!.GetValue<string>()));
        Assert.Equal(["action", "sku", "title", "category", "brand", "price", "currency", "keywords", "priceBand", "stockStatus", "discountPct", "stock", "updatedAt"], docs[0].Select(p => p.Key));

        // Processed copy and stock events.
        var copy = Assert.Single(await f.KeysAsync(f.Processed, "catalog/dt="));
        Assert.Equal(10, (await f.TextLinesAsync(f.Processed, copy, gzip: true)).Count);
        var events = await f.StreamEventsAsync();
        Assert.Equal(10, events.Count);
        var headphoneEvent = events.Single(e => e.PartitionKey == "sku:ELEC-1001").Event;
        Assert.Equal("com.ecommerceagents/product_upserted/1-0-0", headphoneEvent["schema"]!.GetValue<string>());
        Assert.Equal(42, headphoneEvent["data"]!["stockDelta"]!.GetValue<long>());

        // Reports and copies are outside the notification prefix: the upload is the only object there.
        Assert.Equal([SampleKey], await f.KeysAsync(f.Landing, ZoneLayout.CatalogIncoming));
    }

    [Fact]
    public async Task Import_SameFileTwice_SecondChangesNothingAndSaysSo()
    {
        await using var f = await Fixture.StartAsync("catalogtwice");
        await f.PutAsync(SampleKey, await File.ReadAllTextAsync(EventFiles.PathOf("catalog/products-sample.csv")));
        await f.InvokeAsync(SampleKey);
        var before = await f.Harness.ChecksumAsync();
        var eventsBefore = (await f.StreamEventsAsync()).Count;

        var second = await f.InvokeAsync(SampleKey);

        Assert.Equal("unchanged_same_content", second["status"]!.GetValue<string>());
        var report = await f.ReportAsync(second);
        Assert.Equal(10, report["unchanged"]!.GetValue<long>());
        Assert.Equal(report["ok"]!.GetValue<long>(), report["unchanged"]!.GetValue<long>());
        Assert.Equal(0, report["new"]!.GetValue<long>() + report["changed"]!.GetValue<long>());
        Assert.NotNull(report["sameContentAs"]);
        var after = await f.Harness.ChecksumAsync();
        Assert.Equal(before.Parts["dynamodb:catalog"], after.Parts["dynamodb:catalog"]);
        Assert.Single(await f.KeysAsync(f.Processed, "search-outbox/"));
        Assert.Equal(eventsBefore, (await f.StreamEventsAsync()).Count);
    }

    [Fact]
    public async Task Import_SameRowsInAnotherFile_ComparedRowByRowAllUnchanged()
    {
        await using var f = await Fixture.StartAsync("catalogrows");
        const string header = "sku,title,category,price,currency,stock\n";
        await f.PutAsync("catalog/incoming/a.csv", header + "S-1,Garden Hose 20m,garden,20,EUR,5\nS-2,Oak Desk Lamp,home,40,EUR,9\n");
        await f.InvokeAsync("catalog/incoming/a.csv");
        var items = await f.Harness.ChecksumAsync();
        // Same products in another order, with different spelling of the same values: another ETag, the same content.
        await f.PutAsync("catalog/incoming/b.csv", header + "S-2,  Oak Desk   Lamp ,home,40.00,eur,9\nS-1,Garden Hose 20m,Garden,\"20,0\",EUR,5\n");

        var second = await f.InvokeAsync("catalog/incoming/b.csv");

        Assert.Equal("completed", second["status"]!.GetValue<string>());
        Assert.Equal((2L, 0L, 0L), (second["unchanged"]!.GetValue<long>(), second["new"]!.GetValue<long>(), second["changed"]!.GetValue<long>()));
        Assert.Null(second["searchOutbox"]);
        Assert.Equal(items.Parts["dynamodb:catalog"], (await f.Harness.ChecksumAsync()).Parts["dynamodb:catalog"]);
        Assert.Equal(2, (await f.StreamEventsAsync()).Count);
    }

    [Fact]
    public async Task Import_CategoryAndStockChange_ProductMovesInTheIndexNoOrphanAndDeltaEmitted()
    {
        await using var f = await Fixture.StartAsync("catalogmove");
        const string header = "sku,title,category,price,currency,stock\n";
        await f.PutAsync("catalog/incoming/v1.csv", header + "MOVE-1,Solar Lights 10 Pack,home,25,EUR,10\nSTAY-1,Bed Sheets,home,30,EUR,3\n");
        await f.InvokeAsync("catalog/incoming/v1.csv");
        await f.PutAsync("catalog/incoming/v2.csv", header + "MOVE-1,Solar Lights 10 Pack,garden,25,EUR,4\nSTAY-1,Bed Sheets,home,30,EUR,3\n");

        var second = await f.InvokeAsync("catalog/incoming/v2.csv");

        Assert.Equal((1L, 1L), (second["changed"]!.GetValue<long>(), second["unchanged"]!.GetValue<long>()));
        var home = await f.Store.QueryCategoryAsync("home", 100, null, CancellationToken.None);
        var garden = await f.Store.QueryCategoryAsync("garden", 100, null, CancellationToken.None);
        Assert.Equal(["STAY-1"], home.Items.Select(p => p.Sku));
        Assert.Equal(["MOVE-1"], garden.Items.Select(p => p.Sku));
        Assert.Equal(2, await f.ItemCountAsync());
        var report = await f.ReportAsync(second);
        Assert.Equal(1, report["categoryChanged"]!.GetValue<long>());
        var moveEvents = (await f.StreamEventsAsync()).Where(e => e.PartitionKey == "sku:MOVE-1").Select(e => e.Event["data"]!).ToArray();
        Assert.Equal([10L, -6L], moveEvents.Select(d => d["stockDelta"]!.GetValue<long>()));
        Assert.Equal("garden", moveEvents[1]["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task Import_ReimportAfterAnotherFile_RestoresTheFirstVersion()
    {
        await using var f = await Fixture.StartAsync("catalogaba");
        const string header = "sku,title,category,price,currency,stock\n";
        const string a = header + "P-1,Green Tea 100 Bags,grocery,4.50,EUR,30\n";
        await f.PutAsync("catalog/incoming/feed.csv", a);
        await f.InvokeAsync("catalog/incoming/feed.csv");
        await f.PutAsync("catalog/incoming/feed.csv", header + "P-1,Green Tea 100 Bags,grocery,5.00,EUR,30\n");
        await f.InvokeAsync("catalog/incoming/feed.csv");
        await f.PutAsync("catalog/incoming/feed.csv", a);

        var third = await f.InvokeAsync("catalog/incoming/feed.csv");

        Assert.Equal(("completed", 1L), (third["status"]!.GetValue<string>(), third["changed"]!.GetValue<long>()));
        Assert.Equal(4.5m, (await f.Store.GetAsync("P-1", CancellationToken.None))!.Price);
    }

    [Fact]
    public async Task Import_JsonLinesWithEncodedKeyAndDeleteRow_DeletedFromStoreAndOutbox()
    {
        await using var f = await Fixture.StartAsync("catalogjsonl");
        const string key = "catalog/incoming/summer sale 2026.jsonl";
        await f.PutAsync(key, "{\"sku\":\"J-1\",\"name\":\"Beach Towel\",\"category\":\"home\",\"price\":12.5,\"currency\":\"EUR\",\"stock\":8}\n{\"sku\":\"J-2\",\"name\":\"Sun Hat\",\"category\":\"fashion\",\"price\":\"19.99\",\"currency\":\"EUR\",\"stock\":2}\n{broken\n");
        var first = await f.InvokeAsync(key, "eventbridge-s3-object-created.json");
        Assert.Equal((2L, 1L), (first["new"]!.GetValue<long>(), first["rejected"]!.GetValue<long>()));
        await f.PutAsync("catalog/incoming/delist.jsonl", "{\"sku\":\"J-2\",\"status\":\"discontinued\"}\n{\"sku\":\"J-9\",\"status\":\"deleted\"}\n");

        var second = await f.InvokeAsync("catalog/incoming/delist.jsonl");

        Assert.Equal((1L, 1L), (second["deleted"]!.GetValue<long>(), second["unchanged"]!.GetValue<long>()));
        Assert.Null(await f.Store.GetAsync("J-2", CancellationToken.None));
        Assert.NotNull(await f.Store.GetAsync("J-1", CancellationToken.None));
        var outbox = second["searchOutbox"]!.GetValue<string>();
        var doc = JsonNode.Parse(Assert.Single(await f.TextLinesAsync(f.Processed, outbox)))!;
        Assert.Equal(("delete", "J-2"), (doc["action"]!.GetValue<string>(), doc["sku"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Import_KeyWithSpaceAndPlus_ImportsWhetherTheEventEncodesTheKeyOrNot()
    {
        await using var f = await Fixture.StartAsync("catalogkeys");
        const string key = "catalog/incoming/c++ picks 2026.csv";
        await f.PutAsync(key, "sku,title,category,price,currency,stock\nK-1,Book Light,books,9.99,EUR,4\n");

        var raw = await f.InvokeAsync(key, encode: false);
        var encoded = await f.InvokeAsync(key, encode: true);

        Assert.Equal(("completed", key, 1L), (raw["status"]!.GetValue<string>(), raw["key"]!.GetValue<string>(), raw["new"]!.GetValue<long>()));
        Assert.Equal("catalog/incoming/c%2B%2B+picks+2026.csv", Fixture.FormEncoded(key));
        Assert.Equal(("unchanged_same_content", key), (encoded["status"]!.GetValue<string>(), encoded["key"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Import_LiteralPlusInTheKey_TheKeyAsGivenWinsOverItsDecoding()
    {
        await using var f = await Fixture.StartAsync("catalogplus");
        await f.PutAsync("catalog/incoming/a+b.csv", "sku,title,category,price,currency,stock\nP-1,Pen,office,1.50,EUR,9\n");
        await f.PutAsync("catalog/incoming/a b.csv", "sku,title,category,price,currency,stock\nS-1,Stapler,office,7.00,EUR,2\n");

        var result = await f.InvokeAsync("catalog/incoming/a+b.csv", encode: false);

        Assert.Equal(("completed", "catalog/incoming/a+b.csv"), (result["status"]!.GetValue<string>(), result["key"]!.GetValue<string>()));
        Assert.NotNull(await f.Store.GetAsync("P-1", CancellationToken.None));
        Assert.Null(await f.Store.GetAsync("S-1", CancellationToken.None));
    }

    [Fact]
    public async Task Import_AwsSampleEventWhoseBucketIsNotTheLandingBucket_IgnoredWithoutReadingIt()
    {
        await using var f = await Fixture.StartAsync("catalogmissing");

        var response = await f.Handler.InvokeAsync(EventFiles.Read("eventbridge-s3-object-created.json"), LambdaInvocation.Local(TimeSpan.FromMinutes(1)), CancellationToken.None);

        var import = Assert.Single(JsonNode.Parse(response)!["imports"]!.AsArray())!;
        Assert.Equal("ignored", import["status"]!.GetValue<string>());
        Assert.StartsWith("not the landing bucket", import["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("eca-landing-123456789012", import["bucket"]!.GetValue<string>());
    }

    [Fact]
    public async Task Import_ScheduleOrObjectOutsideIncoming_IgnoredWithAReason_NothingImported()
    {
        await using var f = await Fixture.StartAsync("catalogignored");
        await f.PutAsync("catalog/archive/old.csv", "sku,title,category,price,currency,stock\nR-1,Ruler,office,2.00,EUR,9\n");
        var outside = JsonNode.Parse(EventFiles.Read("eventbridge-s3-object-created-local.json"))!.AsObject();
        outside["detail"]!["bucket"]!["name"] = f.Landing;
        outside["detail"]!["object"]!["key"] = "catalog/archive/old.csv";
        var deleted = outside.DeepClone().AsObject();
        deleted["detail-type"] = "Object Deleted";
        deleted["detail"]!["object"]!["key"] = SampleKey;

        var results = new[]
        {
            Assert.Single(await f.InvokeAsync(JsonNode.Parse(EventFiles.Read("eventbridge-scheduled.json"))!.AsObject()))!,
            Assert.Single(await f.InvokeAsync(outside))!,
            Assert.Single(await f.InvokeAsync(deleted))!,
        };

        Assert.All(results, r => Assert.Equal("ignored", r["status"]!.GetValue<string>()));
        Assert.Contains("Scheduled Event", results[0]["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(ZoneLayout.CatalogIncoming, results[1]["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Object Deleted", results[2]["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await f.ItemCountAsync());
        Assert.Empty(await f.KeysAsync(f.Landing, ZoneLayout.CatalogReports));
    }

    [Fact]
    public async Task EventBridgeSource_AfterAnImport_OnlyTheUploadTriggersAndNothingTheImportWrote()
    {
        await using var f = await Fixture.StartAsync("catalognotify");
        var source = new S3EventBridgeSource(f.Harness.Stack.S3Client, f.Landing, ZoneLayout.CatalogIncoming, f.Handler, stateFile: null);
        await f.PutAsync(SampleKey, await File.ReadAllTextAsync(EventFiles.PathOf("catalog/products-sample.csv")));

        await source.PollOnceAsync(CancellationToken.None);
        await source.PollOnceAsync(CancellationToken.None);

        Assert.Equal(1, source.Delivered);
        Assert.NotEmpty(await f.KeysAsync(f.Landing, ZoneLayout.CatalogReports));
        Assert.Equal(10, await f.ItemCountAsync());
    }
}
