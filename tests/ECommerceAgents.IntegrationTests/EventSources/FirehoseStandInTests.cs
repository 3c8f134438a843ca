using System.IO.Compression;
using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Lambda.Events;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.EventSources;

public sealed class FirehoseStandInTests : IAsyncLifetime
{
    private LocalStack _stack = null!;
    private ResourceBindings _names = null!;

    public async ValueTask InitializeAsync()
    {
        _stack = await TestStack.GetAsync();
        _names = await TestStack.ResourcesForAsync(nameof(FirehoseStandInTests));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>A stream of its own; the enriched one with LogTransformer as its processor, as in AWS, unless given another.</summary>
    private FirehoseDeliveryStream Stream(DeliveryStreamDefinition definition, IFunctionHandler? transform = null, int retries = 3, string? bucket = null)
    {
        var name = _names.DeliveryStream(definition) + "-" + Guid.NewGuid().ToString("N")[..6];
        if (definition == DeliveryStreams.Enriched) transform ??= FirehoseProcessor.ForEnriched(_stack.Endpoints, name);
        return new(definition, name, bucket ?? _names.Bucket(definition.Destination), _stack.S3Client, transform, new LocalFirehoseOptions { TransformRetries = retries });
    }

    private static byte[] Enriched(string type, string dt, string hr, string zone = "events", string id = "x") =>
        Encoding.UTF8.GetBytes($"{{\"eventId\":\"{id}\",\"partition\":{{\"zone\":\"{zone}\",\"type\":\"{type}\",\"dt\":\"{dt}\",\"hr\":\"{hr}\"}}}}");

    [Fact]
    public async Task PutRecordBatch_InjectedFailures_ClientResendsOnlyThoseUntilAllAreIn()
    {
        using var stream = Stream(DeliveryStreams.Enriched);
        var port = LocalPorts.Free().Firehose;
        await using var endpoint = new FirehoseEndpoint(port, [stream]);
        endpoint.FailRecord = i => endpoint.Calls <= 2 && i % 3 == 0;
        await endpoint.StartAsync(CancellationToken.None);
        var client = StreamClients.Firehose(_stack.Endpoints with { Firehose = new Uri($"http://127.0.0.1:{port}") }, new RetryPolicy(5, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5)));
        var records = Enumerable.Range(0, 700).Select(i => Enriched("product_view", "2026-11-23", "10", id: "e" + i)).ToArray();

        var result = await client.PutRecordBatchAsync(stream.Name, records, CancellationToken.None);

        Assert.True(result.AllSucceeded);
        Assert.Equal(167 + 67, result.RetriedRecords); // every third record of the two first calls (500 and 200 records)
        Assert.Equal(700, stream.Stats.RecordsIn);
        Assert.True(result.Calls >= 3, "700 records need two calls, and the failures at least one more");
    }

    [Fact]
    public async Task Flush_DynamicPartitioning_OneGzipObjectPerPartitionAndFailuresUnderTheErrorPrefix()
    {
        using var stream = Stream(DeliveryStreams.Enriched);
        stream.Add(Enriched("product_view", "2026-11-23", "10", id: "a"), DateTimeOffset.UtcNow);
        stream.Add(Enriched("product_view", "2026-11-23", "10", id: "b"), DateTimeOffset.UtcNow);
        stream.Add(Enriched("purchase", "2026-11-23", "11", id: "c"), DateTimeOffset.UtcNow);
        stream.Add(Enriched("search", "2026-11-23", "11", zone: "bots", id: "d"), DateTimeOffset.UtcNow);
        stream.Add("{\"eventId\":\"no-partition\"}"u8.ToArray(), DateTimeOffset.UtcNow);

        await stream.FlushAsync(CancellationToken.None);

        var bucket = _names.Bucket(Buckets.Enriched);
        var views = await ReadLinesAsync(bucket, "events/type=product_view/dt=2026-11-23/hr=10/" + stream.Name);
        Assert.Equal(2, views.Count);
        Assert.Single(await ReadLinesAsync(bucket, "events/type=purchase/dt=2026-11-23/hr=11/" + stream.Name));
        Assert.Single(await ReadLinesAsync(bucket, "bots/type=search/dt=2026-11-23/hr=11/" + stream.Name));
        // LogTransformer answers a record without partition keys ProcessingFailed: Firehose files it as processing-failed.
        var errors = await ReadLinesAsync(bucket, "errors/processing-failed/");
        var error = JsonDocument.Parse(errors.Single(e => e.Contains(Convert.ToBase64String("{\"eventId\":\"no-partition\"}"u8.ToArray()), StringComparison.Ordinal))).RootElement;
        Assert.Equal("{\"eventId\":\"no-partition\"}", Encoding.UTF8.GetString(Convert.FromBase64String(error.GetProperty("rawData").GetString()!)));
        Assert.Equal(4, stream.Stats.RecordsDelivered);
        Assert.Equal(1, stream.Stats.RecordsFailed);
    }

    /// <summary>
    /// The enriched sink packs a micro-batch into few Firehose records; the stream deaggregates them on the delimiter
    /// and partitions each sub-record, so the zone holds exactly the records that one Firehose record each would give.
    /// </summary>
    [Fact]
    public async Task PackedRecords_DeaggregatedBeforePartitioning_ZoneHoldsEachRecordOnce()
    {
        using var stream = Stream(DeliveryStreams.Enriched);
        var port = LocalPorts.Free().Firehose;
        await using var endpoint = new FirehoseEndpoint(port, [stream]);
        await endpoint.StartAsync(CancellationToken.None);
        var client = StreamClients.Firehose(_stack.Endpoints with { Firehose = new Uri($"http://127.0.0.1:{port}") });
        var records = Enumerable.Range(0, 1_203)
            .Select(i => (ReadOnlyMemory<byte>)Enriched(i % 3 == 0 ? "purchase" : "product_view", "2026-11-23", "10", zone: i % 7 == 0 ? "bots" : "events", id: "p" + i))
            .ToArray();

        await new FirehoseEnrichedSink(client, stream.Name).SendAsync(records, CancellationToken.None);
        await stream.FlushAsync(CancellationToken.None);

        Assert.Equal((records.Length + FirehoseEnrichedSink.MaxSubRecords - 1) / FirehoseEnrichedSink.MaxSubRecords, stream.Stats.RecordsIn);
        Assert.Equal(records.Length, stream.Stats.RecordsDelivered);
        var bucket = _names.Bucket(Buckets.Enriched);
        var delivered = new List<string>();
        foreach (var prefix in new[] { "events/type=purchase/", "events/type=product_view/", "bots/type=purchase/", "bots/type=product_view/" })
        {
            var lines = await ReadLinesAsync(bucket, prefix + "dt=2026-11-23/hr=10/" + stream.Name);
            Assert.All(lines, l => Assert.Contains($"\"zone\":\"{prefix.Split('/')[0]}\",\"type\":\"{prefix.Split('/')[1][5..]}\"", l, StringComparison.Ordinal));
            delivered.AddRange(lines);
        }

        Assert.Equal(records.Select(r => Encoding.UTF8.GetString(r.Span)).Order(StringComparer.Ordinal), delivered.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Pack_RespectsTheSubRecordAndByteLimits_AndKeepsOrder()
    {
        var records = Enumerable.Range(0, 1_100).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(new string('a', 10 + i % 5) + i)).ToArray();

        var byCount = FirehoseEnrichedSink.Pack(records, long.MaxValue);
        var bySize = FirehoseEnrichedSink.Pack(records, 200);

        Assert.Equal([500, 500, 100], byCount.Select(p => p.Count(b => b == (byte)'\n') + 1));
        Assert.All(bySize, p => Assert.True(p.Length <= 200, $"{p.Length} bytes"));
        foreach (var packed in new[] { byCount, bySize })
        {
            var split = packed.SelectMany(p => Encoding.UTF8.GetString(p).Split('\n')).ToArray();
            Assert.Equal(records.Select(r => Encoding.UTF8.GetString(r.Span)), split);
        }
    }

    [Fact]
    public async Task Transform_OkDroppedFailedAndMissing_EachHandledAsFirehoseDoes()
    {
        var transform = new TransformFunction(records => records.Select(r =>
        {
            var text = Encoding.UTF8.GetString(r.Data);
            return text switch
            {
                "drop" => new FirehoseOutputRecord { RecordId = r.RecordId, Result = FirehoseResult.Dropped, Data = [] },
                "fail" => new FirehoseOutputRecord { RecordId = r.RecordId, Result = FirehoseResult.ProcessingFailed, Data = r.Data },
                "forget" => null,
                _ => new FirehoseOutputRecord
                {
                    RecordId = r.RecordId,
                    Result = FirehoseResult.Ok,
                    Data = Encoding.UTF8.GetBytes(text.ToUpperInvariant()),
                    Metadata = new FirehoseRecordMetadata { PartitionKeys = new Dictionary<string, string> { ["service"] = "svc", ["dt"] = "2026-11-23", ["hr"] = "09" } },
                },
            };
        }).OfType<FirehoseOutputRecord>().ToArray());
        using var stream = Stream(DeliveryStreams.Logs, transform);
        foreach (var line in new[] { "keep one", "drop", "fail", "forget", "keep two" }) stream.Add(Encoding.UTF8.GetBytes(line), DateTimeOffset.UtcNow);

        await stream.FlushAsync(CancellationToken.None);

        var bucket = _names.Bucket(Buckets.Logs);
        Assert.Equal(["KEEP ONE", "KEEP TWO"], await ReadLinesAsync(bucket, "logs/service=svc/dt=2026-11-23/hr=09/" + stream.Name));
        var errors = (await ReadLinesAsync(bucket, "logs-errors/processing-failed/"))
            .Select(e => JsonDocument.Parse(e).RootElement)
            .Where(e => e.GetProperty("lambdaArn").GetString()!.EndsWith(":transform", StringComparison.Ordinal))
            .ToDictionary(e => Encoding.UTF8.GetString(Convert.FromBase64String(e.GetProperty("rawData").GetString()!)), e => (Code: e.GetProperty("errorCode").GetString(), Attempts: e.GetProperty("attemptsMade").GetInt32()));
        Assert.Equal(("Lambda.ProcessingFailedStatus", 1), errors["fail"]); // answered, not retried
        Assert.Equal(("Lambda.MissingRecordId", 1), errors["forget"]);
        Assert.Equal(1, stream.Stats.RecordsDropped);
        Assert.Equal(2, stream.Stats.RecordsDelivered);
    }

    [Fact]
    public async Task Transform_ResponseOver6MB_RetriedThenEveryRecordProcessingFailed()
    {
        var transform = new TransformFunction(records => records.Select(r => new FirehoseOutputRecord { RecordId = r.RecordId, Result = FirehoseResult.Ok, Data = new byte[4 * 1024 * 1024] }).ToArray());
        var bucket = _names.Bucket(Buckets.Logs);
        using var stream = Stream(DeliveryStreams.Logs, transform, retries: 1);
        stream.Add("a"u8.ToArray(), DateTimeOffset.UtcNow);
        stream.Add("b"u8.ToArray(), DateTimeOffset.UtcNow);

        await stream.FlushAsync(CancellationToken.None);

        Assert.Equal(2, transform.Invocations);
        Assert.Equal(2, stream.Stats.RecordsFailed);
        Assert.Equal(0, stream.Stats.RecordsDelivered);
        var errors = await ReadLinesAsync(bucket, "logs-errors/processing-failed/");
        Assert.Contains(errors, e => e.Contains("6 MB", StringComparison.Ordinal) && e.Contains("Lambda.FunctionError", StringComparison.Ordinal));
        Assert.All(errors, e => Assert.Equal(2, JsonDocument.Parse(e).RootElement.GetProperty("attemptsMade").GetInt32())); // the invocation and its one retry
    }

    [Fact]
    public async Task KinesisSource_RawArchive_ExactBytesNewlineDelimited()
    {
        var streamName = "raw-" + Guid.NewGuid().ToString("N")[..8];
        await _stack.KinesisClient.CreateStreamAsync(streamName, 2, CancellationToken.None);
        while ((await _stack.KinesisClient.DescribeStreamSummaryAsync(streamName, CancellationToken.None)).StreamStatus != "ACTIVE") await Task.Delay(20);
        var payloads = Enumerable.Range(0, 50).Select(i => $"{{\"eventId\":\"r{i}\",\"text\":\"ünïcødé \\\"{i}\\\"\"}}").ToArray();
        await _stack.KinesisClient.PutRecordsAsync(streamName, payloads.Select((p, i) => new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(p), "k" + (i % 7))).ToArray(), CancellationToken.None);
        using var raw = Stream(DeliveryStreams.RawArchive);
        var source = new FirehoseKinesisSource(_stack.KinesisClient, streamName, raw, checkpointFile: null);
        using var cts = new CancellationTokenSource();
        var run = source.RunAsync(cts.Token);

        await source.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        await cts.CancelAsync();
        await run;

        var archived = await ReadLinesAsync(_names.Bucket(Buckets.Raw), $"raw/dt={DateTime.UtcNow:yyyy-MM-dd}/");
        Assert.Equal(payloads.Order(), archived.Where(a => a.Contains("ünïcødé", StringComparison.Ordinal)).Order());
    }

    /// <summary>The raw archive's reader finds the shards a split and a merge make while it runs, and archives every record once.</summary>
    [Fact]
    public async Task KinesisSource_SplitAndMerge_EveryRecordArchivedOnce()
    {
        var streamName = "rawreshard-" + Guid.NewGuid().ToString("N")[..8];
        await _stack.KinesisClient.CreateStreamAsync(streamName, 2, CancellationToken.None);
        async Task ActiveAsync()
        {
            while ((await _stack.KinesisClient.DescribeStreamSummaryAsync(streamName, CancellationToken.None)).StreamStatus != "ACTIVE") await Task.Delay(20);
        }

        await ActiveAsync();
        using var raw = Stream(DeliveryStreams.RawArchive);
        var source = new FirehoseKinesisSource(_stack.KinesisClient, streamName, raw, checkpointFile: null);
        using var cts = new CancellationTokenSource();
        var run = source.RunAsync(cts.Token);
        var payloads = Enumerable.Range(0, 90).Select(i => $"{{\"eventId\":\"reshard{i}\"}}").ToArray();
        for (var part = 0; part < 3; part++)
        {
            if (part == 1)
            {
                await _stack.KinesisClient.Transport.CallAsync("SplitShard", new SplitShardRequest(streamName, "shardId-000000000000", "85070591730234615865843651857942052864"), ReshardJson.Default.SplitShardRequest, StreamsJsonContext.Default.EmptyResponse, CancellationToken.None);
                await ActiveAsync();
            }
            else if (part == 2)
            {
                await _stack.KinesisClient.Transport.CallAsync("MergeShards", new MergeShardsRequest(streamName, "shardId-000000000003", "shardId-000000000001"), ReshardJson.Default.MergeShardsRequest, StreamsJsonContext.Default.EmptyResponse, CancellationToken.None);
                await ActiveAsync();
            }

            var put = await _stack.KinesisClient.PutRecordsAsync(streamName, payloads[(30 * part)..(30 * part + 30)].Select((p, i) => new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(p), "k" + i)).ToArray(), CancellationToken.None);
            Assert.True(put.AllSucceeded);
        }

        await source.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        await cts.CancelAsync();
        await run;

        var archived = await ReadLinesAsync(_names.Bucket(Buckets.Raw), $"raw/dt={DateTime.UtcNow:yyyy-MM-dd}/");
        Assert.Equal(payloads.Order(), archived.Where(a => a.Contains("\"reshard", StringComparison.Ordinal)).Order());
    }

    [Fact]
    public async Task KinesisSource_StreamUnreachableAfterOneShardWasRead_ResumesAfterTheBufferedRecords_EachArchivedOnce()
    {
        FaultProxy.SkipUnlessProxyable(_stack.Endpoints.Kinesis, "Kinesis");
        var streamName = "rawdown-" + Guid.NewGuid().ToString("N")[..8];
        await _stack.KinesisClient.CreateStreamAsync(streamName, 2, CancellationToken.None);
        while ((await _stack.KinesisClient.DescribeStreamSummaryAsync(streamName, CancellationToken.None)).StreamStatus != "ACTIVE") await Task.Delay(20);
        var payloads = Enumerable.Range(0, 60).Select(i => $"{{\"eventId\":\"down{i}\"}}").ToArray();
        await _stack.KinesisClient.PutRecordsAsync(streamName, payloads.Select((p, i) => new PutRecordsRequestEntry(Encoding.UTF8.GetBytes(p), "k" + (i % 7))).ToArray(), CancellationToken.None);

        // The first shard's records are read into the buffer, then the stream stops answering before the second shard's
        // read (as when kinesalite is killed): the reader fails with records buffered and not yet delivered.
        await using var proxy = new FaultProxy(_stack.Options.Ports.Kinesis);
        var reads = 0;
        proxy.Decide = (_, target, _) => target.EndsWith("GetRecords", StringComparison.Ordinal) && Interlocked.Increment(ref reads) == 2 ? ProxyDecision.Drop : ProxyDecision.Forward;
        using var raw = Stream(DeliveryStreams.RawArchive);
        var source = new FirehoseKinesisSource(StreamClients.Kinesis(_stack.Endpoints with { Kinesis = proxy.Endpoint }, RetryPolicy.None), streamName, raw, checkpointFile: null);
        using var cts = new CancellationTokenSource();
        var run = source.RunAsync(cts.Token);

        await source.WaitUntilCaughtUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        await cts.CancelAsync();
        await run;

        Assert.True(reads > 2, $"the reader failed once and read again ({reads} reads)");
        var archived = await ReadLinesAsync(_names.Bucket(Buckets.Raw), $"raw/dt={DateTime.UtcNow:yyyy-MM-dd}/");
        Assert.Equal(payloads.Order(), archived.Where(a => a.Contains("\"down", StringComparison.Ordinal)).Order());
    }

    private async Task<List<string>> ReadLinesAsync(string bucket, string prefix)
    {
        var lines = new List<string>();
        var listing = await _stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix });
        foreach (var o in listing.S3Objects ?? [])
        {
            Assert.EndsWith(".gz", o.Key);
            using var response = await _stack.S3Client.GetObjectAsync(bucket, o.Key);
            using var gzip = new GZipStream(response.ResponseStream, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line) lines.Add(line);
        }

        return lines;
    }

    private sealed class TransformFunction(Func<IReadOnlyList<FirehoseInputRecord>, FirehoseOutputRecord[]> transform) : IFunctionHandler
    {
        private int _invocations;

        public int Invocations => _invocations;

        public string Name => "transform";

        public Task<byte[]> InvokeAsync(ReadOnlyMemory<byte> payload, LambdaInvocation invocation, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _invocations);
            var evt = JsonSerializer.Deserialize(payload.Span, LambdaEventsJsonContext.Default.FirehoseTransformationEvent)!;
            var response = new FirehoseTransformationResponse { Records = transform(evt.Records) };
            return Task.FromResult(JsonSerializer.SerializeToUtf8Bytes(response, LambdaEventsJsonContext.Default.FirehoseTransformationResponse));
        }
    }
}
