using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Kms;
using ECommerceAgents.Adapters.S3;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Adapters.Warehouse;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.IntegrationTests.Api;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.Privacy;

/// <summary>
/// Crypto-shredding through the real pipeline (API → Kinesis → StreamProcessor → enriched zone and quarantine), with
/// the local master key: personal fields are sealed at the door, so the stream (what the raw archive copies byte for
/// byte) and the quarantine hold ciphertext and the enriched zone pseudonyms; they open while the key exists (what
/// replay and redrive do), and once erasure deletes the user's keys, nothing yields their e-mail or IP, searched by
/// value in the stored bytes, while another user's records still open.
/// </summary>
public sealed class CryptoShreddingPipelineTests : IAsyncLifetime
{
    private const string ErasedEmail = "erin.erased@example.com", ErasedIp = "198.51.100.23";
    private const string KeptEmail = "kim.kept@example.com", KeptIp = "198.51.100.99";
    private ApiPipeline _p = null!;
    private string _ingest = "";

    public async ValueTask InitializeAsync()
    {
        _p = await ApiPipeline.StartAsync("cryptoshred", new Dictionary<string, string> { [SettingNames.MasterKey] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) });
        _ingest = await _p.Api.CreateKeyAsync("ingest");
    }

    public async ValueTask DisposeAsync() => await _p.DisposeAsync();

    private static string Event(string user, string email, string ip, string sku)
    {
        var node = JsonNode.Parse(ApiInstance.ProductView(user, sku))!.AsObject();
        node["context"] = new JsonObject { ["ip"] = ip, ["email"] = email, ["locale"] = "en-GB" };
        return node.ToJsonString();
    }

    private SubjectKeyring ColdKeyring()
    {
        var env = _p.Harness.Environment;
        return SubjectKeyringFactory.Create(env.Endpoints, env.Names, _p.Harness.Stack.DynamoDbClient, env.Setting, TimeProvider.System)!;
    }

    /// <summary>Each payload opened by a reader with no key cached: what replay and redrive give StreamProcessor.</summary>
    private static async Task<string> OpenAllAsync(SubjectKeyring keyring, IReadOnlyList<byte[]> payloads)
    {
        var decryption = new RecordDecryption(keyring);
        var inputs = payloads.Select((p, i) => new StreamInput(new StreamPosition("s", i.ToString("D20", System.Globalization.CultureInfo.InvariantCulture)), "k", p, DateTimeOffset.UtcNow)).ToArray();
        await decryption.PrepareAsync(inputs, CancellationToken.None);
        return string.Join("\n", inputs.Select(i => Encoding.UTF8.GetString(decryption.Open(i.Data.Span, out _))));
    }

    private async Task<List<byte[]>> QuarantinedPayloadsAsync()
    {
        var records = await StoreChecksum.QuarantineRecordsAsync(_p.Harness.Stack, _p.Harness.Names.Bucket(Buckets.Quarantine));
        return [.. records.Select(r => Convert.FromBase64String(JsonNode.Parse(r.Json)!["payloadBase64"]!.GetValue<string>()))];
    }

    private async Task<string> EnrichedZoneAsync()
    {
        var bucket = _p.Harness.Names.Bucket(Buckets.Enriched);
        var listed = await _p.Harness.Stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        var text = new StringBuilder();
        foreach (var o in listed.S3Objects ?? [])
        {
            using var body = await _p.Harness.Stack.S3Client.GetObjectAsync(bucket, o.Key);
            using var copy = new MemoryStream();
            await body.ResponseStream.CopyToAsync(copy);
            text.Append(Encoding.UTF8.GetString(Gzip.Decompress(copy.ToArray())));
        }

        return text.ToString();
    }

    [Fact]
    public async Task Erasure_ShredsTheUsersKeys_TheirStreamAndQuarantineRecordsNoLongerYieldEmailOrIp_AnotherUsersStillOpen()
    {
        var body = "[" + string.Join(",", Event("u-erased", ErasedEmail, ErasedIp, "b-1"), Event("u-erased", ErasedEmail, ErasedIp, "b-2"), Event("u-kept", KeptEmail, KeptIp, "b-3")) + "]";
        using (var response = await _p.Api.PostJsonAsync("v1/events", _ingest, body)) Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var kinesis = _p.Harness.Stack.KinesisClient;
        var stream = _p.Harness.Names.Stream(Streams.Events);
        var sealedRecords = await ApiInstance.ReadStreamAsync(kinesis, stream);
        Assert.Equal(3, sealedRecords.Count);

        // A sealed record StreamProcessor must refuse (its time out of range): the quarantine keeps it as it came, sealed.
        var refused = JsonNode.Parse(sealedRecords[0].Data)!;
        refused["eventTime"] = "2001-01-01T00:00:00Z";
        refused["eventId"] = Guid.NewGuid().ToString();
        await kinesis.PutRecordsAsync(stream, [new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(refused.ToJsonString()), sealedRecords[0].PartitionKey)], CancellationToken.None);
        await _p.DrainAsync();

        var onStream = (await ApiInstance.ReadStreamAsync(kinesis, stream)).Select(r => r.Data).ToList();
        var quarantined = await QuarantinedPayloadsAsync();
        Assert.Single(quarantined);
        var stored = string.Join("\n", onStream.Concat(quarantined).Select(b => Encoding.UTF8.GetString(b)))
            + string.Join("\n", sealedRecords.Select(r => r.PartitionKey));
        foreach (var clear in new[] { ErasedEmail, ErasedIp, KeptEmail, KeptIp, "\"u-erased\"", "\"u-kept\"", "user:u-" })
        {
            Assert.DoesNotContain(clear, stored, StringComparison.Ordinal);
        }

        // The enriched zone holds pseudonyms (per-subject e-mail hash, IP prefix); it keeps the user id, and erasure rewrites it.
        var enriched = await EnrichedZoneAsync();
        Assert.Contains("emailHash", enriched, StringComparison.Ordinal);
        foreach (var clear in new[] { ErasedEmail, ErasedIp, KeptEmail, KeptIp }) Assert.DoesNotContain(clear, enriched, StringComparison.Ordinal);

        var before = await OpenAllAsync(ColdKeyring(), [.. onStream, .. quarantined]);
        Assert.Contains(ErasedEmail, before, StringComparison.Ordinal);
        Assert.Contains(ErasedIp, before, StringComparison.Ordinal);

        // The API's erasure request, then the batch layer's erasure run (which deletes the keys).
        using (var erase = await _p.Api.SendAsync(HttpMethod.Delete, "v1/users/u-erased", ApiInstance.AdminKey)) Assert.Equal(HttpStatusCode.Accepted, erase.StatusCode);
        await RunErasureAsync();

        var after = await OpenAllAsync(ColdKeyring(), [.. onStream, .. quarantined]);
        foreach (var gone in new[] { ErasedEmail, ErasedIp, "u-erased" }) Assert.DoesNotContain(gone, after, StringComparison.Ordinal);
        Assert.Contains(KeptEmail, after, StringComparison.Ordinal);
        Assert.Contains(KeptIp, after, StringComparison.Ordinal);
        Assert.DoesNotContain("\"u-erased\"", await EnrichedZoneAsync(), StringComparison.Ordinal);
    }

    private async Task RunErasureAsync()
    {
        var harness = _p.Harness;
        var s3 = harness.Stack.S3Client;
        S3ObjectStore Zone(BucketDefinition bucket) => new(s3, harness.Names.Bucket(bucket));
        var ports = new BatchPorts(Zone(Buckets.Raw), Zone(Buckets.Quarantine), Zone(Buckets.Enriched), Zone(Buckets.Processed),
            new DynamoWatermarkStore(harness.Stack.DynamoDbClient, harness.Names, TimeProvider.System), new DynamoTombstoneStore(harness.Stack.DynamoDbClient, harness.Names),
            new EventParquet(), new NoWarehouse())
        {
            Keys = ColdKeyring(),
        };
        var outcome = await new ErasureService(ports, TimeProvider.System).ApplyPendingAsync(CancellationToken.None);
        Assert.NotNull(outcome);
    }

    /// <summary>No warehouse in this slice: erasure's warehouse step removes nothing.</summary>
    private sealed class NoWarehouse : IWarehouse
    {
        public Task MigrateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<int> LoadPartitionAsync(ProcessedFiles files, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SaveQualityAsync(PartitionQuality quality, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> EraseAsync(ErasureTargets targets, CancellationToken cancellationToken) => Task.FromResult(0);

        public Task<Domain.Search.DailyMetrics?> DailyMetricsAsync(string dt, CancellationToken cancellationToken) => Task.FromResult<Domain.Search.DailyMetrics?>(null);

        public Task<IReadOnlyDictionary<string, IReadOnlyList<JsonObject>>> ExportAsync(ErasureTargets targets, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyDictionary<string, IReadOnlyList<JsonObject>>>(new Dictionary<string, IReadOnlyList<JsonObject>>());
    }
}
