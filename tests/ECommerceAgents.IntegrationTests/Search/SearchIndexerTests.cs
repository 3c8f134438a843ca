using System.Text;
using System.Text.Json;
using ECommerceAgents.Adapters.Search;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Search;
using ECommerceAgents.Functions.SearchIndexer;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Search;

/// <summary>The OpenSearch client against the protocol double: index creation, _bulk with per-item and whole-request failures, _search, auth.</summary>
public sealed class OpenSearchClientTests : IAsyncLifetime
{
    private OpenSearchDouble _double = null!;
    private OpenSearchClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        _double = await OpenSearchDouble.StartAsync();
        _client = new OpenSearchClient(new HttpClient(), _double.Endpoint, new OpenSearchAuth.None(), new RetryPolicy(5, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20)));
    }

    public async ValueTask DisposeAsync() => await _double.DisposeAsync();

    private static BulkAction Product(string sku, string title, string extra = "") =>
        BulkAction.IndexDoc(SearchIndexes.Products, sku, Encoding.UTF8.GetBytes($"{{\"sku\":\"{sku}\",\"title\":\"{title}\",\"category\":\"electronics\",\"price\":19.99{extra}}}"), "search-outbox/products/dt=2026-01-01/t.ndjson");

    [Fact]
    public async Task EnsureIndexes_CreatesMappingsWithTheProductAnalyzer_AndIsIdempotent()
    {
        await _client.EnsureIndexesAsync(default);
        await new OpenSearchClient(new HttpClient(), _double.Endpoint, new OpenSearchAuth.None()).EnsureIndexesAsync(default);

        var products = _double.Mappings(SearchIndexes.Products)!;
        Assert.Equal("product_text", products["mappings"]!["properties"]!["title"]!["analyzer"]!.GetValue<string>());
        Assert.Equal("strict", products["mappings"]!["dynamic"]!.GetValue<string>());
        Assert.NotNull(_double.Mappings(SearchIndexes.DailyMetrics));
        Assert.Equal(2, _double.Requests.Count(r => r.Method == "PUT"));
    }

    [Fact]
    public async Task Bulk_ItemAnswered429Twice_RetriedUntilIndexed()
    {
        await _client.EnsureIndexesAsync(default);
        _double.RejectItem("SKU-2", 429, times: 2);

        var outcome = await _client.BulkAsync([Product("SKU-1", "Lamp"), Product("SKU-2", "Desk"), Product("SKU-3", "Chair")], default);

        Assert.Equal(3, outcome.Succeeded);
        Assert.Equal(2, outcome.Retried);
        Assert.Empty(outcome.Rejected);
        Assert.Equal(3, _double.Documents(SearchIndexes.Products).Count);
        Assert.Equal(3, _double.BulkRequests);
    }

    [Fact]
    public async Task Bulk_WholeRequestThrottled_RetriedWithBackoff()
    {
        await _client.EnsureIndexesAsync(default);
        _double.ThrottleRequests(2);

        var outcome = await _client.BulkAsync([Product("SKU-9", "Kettle")], default);

        Assert.Equal(1, outcome.Succeeded);
        Assert.Equal(3, _double.BulkRequests);
    }

    [Fact]
    public async Task Bulk_PermanentItemErrors_ReturnedWithTypeAndReason_OthersIndexed()
    {
        await _client.EnsureIndexesAsync(default);
        _double.RejectItem("SKU-5", 400, times: 1);

        var outcome = await _client.BulkAsync([Product("SKU-4", "Mug", ",\"colour\":\"red\""), Product("SKU-5", "Pen"), Product("SKU-6", "Ink")], default);

        Assert.Equal(1, outcome.Succeeded);
        Assert.Equal(2, outcome.Rejected.Count);
        Assert.Contains(outcome.Rejected, r => r.Action.Id == "SKU-4" && r.ErrorType == "strict_dynamic_mapping_exception" && r.Status == 400);
        Assert.Contains(outcome.Rejected, r => r.Action.Id == "SKU-5" && r.Status == 400);
    }

    [Fact]
    public async Task Bulk_429ThatNeverClears_Throws()
    {
        await _client.EnsureIndexesAsync(default);
        _double.RejectItem("SKU-7", 429, times: 100);

        await Assert.ThrowsAsync<OpenSearchException>(() => _client.BulkAsync([Product("SKU-7", "Vase")], default));
    }

    [Fact]
    public async Task Search_MatchOnTitle_FindsStemmedWords()
    {
        await _client.EnsureIndexesAsync(default);
        await _client.BulkAsync([Product("SKU-10", "Wireless Headphones"), Product("SKU-11", "Garden Hose")], default);

        using var result = await _client.SearchAsync(SearchIndexes.Products, """{"query":{"match":{"title":"headphone"}}}""", default);

        var hits = result.RootElement.GetProperty("hits");
        Assert.Equal(1, hits.GetProperty("total").GetProperty("value").GetInt32());
        Assert.Equal("SKU-10", hits.GetProperty("hits")[0].GetProperty("_id").GetString());
    }

    [Fact]
    public async Task Auth_SigV4ForAmazonOpenSearch_BasicOtherwise()
    {
        var sig = new OpenSearchClient(new HttpClient(), _double.Endpoint, new OpenSearchAuth.SigV4("eu-west-1", new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "secret")));
        await sig.EnsureIndexesAsync(default);
        var basic = new OpenSearchClient(new HttpClient(), _double.Endpoint, new OpenSearchAuth.Basic("indexer", "pw"));
        await basic.RefreshAsync(SearchIndexes.Products, default);

        Assert.Contains(_double.Requests, r => r.Authorization?.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", StringComparison.Ordinal) == true && r.Authorization.Contains("/eu-west-1/es/aws4_request", StringComparison.Ordinal));
        Assert.Contains(_double.Requests, r => r.Authorization == "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("indexer:pw")));
        Assert.IsType<OpenSearchAuth.SigV4>(OpenSearchAuth.For(new Uri("https://search-eca.eu-west-1.es.amazonaws.com"), _ => null, () => new Amazon.Runtime.AnonymousAWSCredentials(), "eu-west-1"));
        Assert.IsType<OpenSearchAuth.None>(OpenSearchAuth.For(new Uri("http://127.0.0.1:9200"), _ => null, () => new Amazon.Runtime.AnonymousAWSCredentials(), "eu-west-1"));
    }
}

/// <summary>The SearchIndexer function over S3: outbox objects in, OpenSearch (the double) or the export prefix out.</summary>
public sealed class SearchIndexerFunctionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private OpenSearchDouble _double = null!;
    private ResourceBindings _names = null!;
    private Local.Stack.LocalStack _stack = null!;

    public async ValueTask InitializeAsync()
    {
        _double = await OpenSearchDouble.StartAsync();
        _stack = await TestStack.GetAsync();
        _names = await TestStack.ResourcesForAsync("searchidx");
    }

    public async ValueTask DisposeAsync() => await _double.DisposeAsync();

    private FunctionEnvironment Environment(Uri? openSearch)
    {
        var endpoints = _stack.Endpoints with { OpenSearch = openSearch };
        return new FunctionEnvironment(endpoints, _names, new Dictionary<string, string>()) { Output = TextWriter.Null };
    }

    private const string Outbox = """
        {"action":"index","sku":"SKU-00001","title":"Wireless Headphones","category":"electronics","brand":"Acme","price":59.9,"currency":"EUR","keywords":["audio","bluetooth"],"priceBand":"mid","stockStatus":"in_stock","discountPct":10,"updatedAt":"2026-01-01T10:00:00Z"}
        {"action":"index","sku":"SKU-00002","title":"Garden Hose","category":"garden","brand":"Hoser","price":19.5,"currency":"EUR","keywords":[],"priceBand":"budget","stockStatus":"low_stock","discountPct":0,"updatedAt":"2026-01-01T10:00:00Z"}
        {"action":"index","sku":"SKU-00003","title":"Desk","category":"home","price":"free","currency":"EUR"}
        {"action":"delete","sku":"SKU-00099"}
        """;

    private async Task<string> PutOutboxAsync(string name)
    {
        var key = $"search-outbox/products/dt=2026-01-01/{name}.ndjson";
        await _stack.S3Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = _names.Bucket(Buckets.Processed), Key = key, ContentBody = Outbox.Replace("\r", "", StringComparison.Ordinal) + "\n" });
        return key;
    }

    private byte[] ObjectCreated(string key, string? bucket = null) =>
        JsonSerializer.SerializeToUtf8Bytes(S3EventBridgeSource.ObjectCreatedEvent(bucket ?? _names.Bucket(Buckets.Processed), key), LambdaEventsJsonContext.Default.EventBridgeEvent);

    private static async Task<SearchIndexingResult> InvokeAsync(IFunctionHandler f, byte[] evt) =>
        JsonSerializer.Deserialize(await f.InvokeAsync(evt, LambdaInvocation.Local(TimeSpan.FromMinutes(1)), default), SearchIndexerJsonContext.Default.SearchIndexingResult)!;

    [Fact]
    public async Task ObjectCreated_IndexesProducts_QuarantinesTheBadLineAndRejections()
    {
        var key = await PutOutboxAsync("import-1");
        _double.RejectItem("SKU-00002", 429, times: 1);
        var function = SearchIndexerFunction.Create(Environment(_double.Endpoint), _stack.S3Client,
            new OpenSearchClient(new HttpClient(), _double.Endpoint, new OpenSearchAuth.None(), new RetryPolicy(4, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(20))));

        var result = await InvokeAsync(function, ObjectCreated(key));

        Assert.Equal("opensearch", result.Mode);
        Assert.Equal(3, result.Actions);
        Assert.Equal(1, result.InvalidLines);
        Assert.Equal(1, result.Retried);
        var docs = _double.Documents(SearchIndexes.Products);
        Assert.Equal(["SKU-00001", "SKU-00002"], docs.Keys.Order());
        Assert.Equal("mid", docs["SKU-00001"]["priceBand"]!.GetValue<string>());
        var quarantined = await StoreChecksum.KeysAsync(_stack, _names.Bucket(Buckets.Quarantine), "quarantine/reason=search_invalid/");
        Assert.Single(quarantined);
    }

    [Fact]
    public async Task PermanentRejection_GoesToQuarantineWithTheReason()
    {
        var key = await PutOutboxAsync("import-2");
        _double.RejectItem("SKU-00001", 400, times: 1);
        var function = SearchIndexerFunction.Create(Environment(_double.Endpoint), _stack.S3Client, new OpenSearchClient(new HttpClient(), _double.Endpoint, new OpenSearchAuth.None()));

        var result = await InvokeAsync(function, ObjectCreated(key));

        Assert.Equal(1, result.Rejected);
        var keys = await StoreChecksum.KeysAsync(_stack, _names.Bucket(Buckets.Quarantine), "quarantine/reason=search_rejected/");
        var body = await (await _stack.S3Client.GetObjectAsync(_names.Bucket(Buckets.Quarantine), Assert.Single(keys))).ResponseStream.ReadAllTextAsync();
        Assert.Contains("illegal_argument_exception", body);
        Assert.Contains("SKU-00001", body);
    }

    [Fact]
    public async Task NoEndpoint_WritesBulkNdjsonToTheExportPrefix_AndSaysSo()
    {
        var key = await PutOutboxAsync("import-3");
        var function = SearchIndexerFunction.Create(Environment(null), _stack.S3Client, null);

        var result = await InvokeAsync(function, ObjectCreated(key));

        Assert.Equal("export", result.Mode);
        Assert.Contains("OPENSEARCH_ENDPOINT", result.Note);
        var export = Assert.Single(result.Exported);
        Assert.Equal("search-export/products/dt=2026-01-01/import-3.ndjson.bulk.ndjson", export);
        var body = await (await _stack.S3Client.GetObjectAsync(_names.Bucket(Buckets.Processed), export)).ResponseStream.ReadAllTextAsync();
        var lines = body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("""{"index":{"_index":"products","_id":"SKU-00001"}}""", lines[0]);
        Assert.Equal("""{"delete":{"_index":"products","_id":"SKU-00099"}}""", lines[^1]);
        Assert.EndsWith("\n", body, StringComparison.Ordinal);
        output.WriteLine(body);
    }

    [Fact]
    public async Task ObjectCreated_KeyEncodedAsS3NotificationsEncodeIt_TheDecodedKeyIsIndexed()
    {
        await PutOutboxAsync("import 4");
        var function = SearchIndexerFunction.Create(Environment(null), _stack.S3Client, null);

        var result = await InvokeAsync(function, ObjectCreated("search-outbox/products/dt%3D2026-01-01/import+4.ndjson"));

        Assert.Equal((1, 3), (result.Objects, result.Actions));
        Assert.Equal("search-export/products/dt=2026-01-01/import 4.ndjson.bulk.ndjson", Assert.Single(result.Exported));
    }

    [Fact]
    public async Task ObjectCreated_UnderTheOutboxPrefixOfAnotherBucket_Ignored()
    {
        var key = await PutOutboxAsync("import-5");
        var function = SearchIndexerFunction.Create(Environment(_double.Endpoint), _stack.S3Client, new OpenSearchClient(new HttpClient(), _double.Endpoint, new OpenSearchAuth.None()));

        var result = await InvokeAsync(function, ObjectCreated(key, bucket: "someone-elses-bucket"));

        Assert.Equal(("ignored", 0, 0), (result.Mode, result.Objects, result.Actions));
        Assert.Contains(_names.Bucket(Buckets.Processed), result.Note, StringComparison.Ordinal);
        Assert.Empty(_double.Documents(SearchIndexes.Products));
    }

    [Fact]
    public async Task ScheduledEvent_RedrivesTodaysOutbox()
    {
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var key = $"search-outbox/products/dt={today}/scheduled.ndjson";
        await _stack.S3Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = _names.Bucket(Buckets.Processed), Key = key, ContentBody = Outbox.Replace("\r", "", StringComparison.Ordinal) + "\n" });
        var function = SearchIndexerFunction.Create(Environment(null), _stack.S3Client, null);

        var result = await InvokeAsync(function, EventFiles.Read("eventbridge-scheduled.json"));

        Assert.Equal("export", result.Mode);
        Assert.Contains($"search-export/products/dt={today}/scheduled.ndjson.bulk.ndjson", result.Exported);
    }

    [Fact]
    public async Task RealOpenSearch_WhenConfigured()
    {
        var url = System.Environment.GetEnvironmentVariable("OPENSEARCH_ENDPOINT");
        if (string.IsNullOrEmpty(url))
        {
            Assert.Skip("OPENSEARCH_ENDPOINT is not set, and no OpenSearch server can be installed on this machine: the protocol double stands in (the other OpenSearchClient and SearchIndexer tests)");
        }

        var endpoint = new Uri(url);
        var auth = OpenSearchAuth.For(endpoint, System.Environment.GetEnvironmentVariable, () => AwsHttp.Credentials(ServiceEndpoints.FromEnvironment()), ServiceEndpoints.FromEnvironment().Region);
        var client = new OpenSearchClient(new HttpClient(), endpoint, auth);
        await client.EnsureIndexesAsync(default);
        var sku = "SKU-IT-" + Guid.NewGuid().ToString("N")[..8];
        var outcome = await client.BulkAsync([BulkAction.IndexDoc(SearchIndexes.Products, sku, Encoding.UTF8.GetBytes($"{{\"sku\":\"{sku}\",\"title\":\"Integration Headphones\",\"category\":\"electronics\",\"price\":9.99}}"), "test")], default);
        await client.RefreshAsync(SearchIndexes.Products, default);
        using var found = await client.SearchAsync(SearchIndexes.Products, "{\"query\":{\"term\":{\"sku\":\"" + sku + "\"}}}", default);

        Assert.Equal(1, outcome.Succeeded);
        Assert.Equal(1, found.RootElement.GetProperty("hits").GetProperty("total").GetProperty("value").GetInt32());
        await client.BulkAsync([BulkAction.Delete(SearchIndexes.Products, sku, "test")], default);
        output.WriteLine($"ran against {endpoint.Host}");
    }
}

internal static class StreamText
{
    public static async Task<string> ReadAllTextAsync(this Stream stream)
    {
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }
}
