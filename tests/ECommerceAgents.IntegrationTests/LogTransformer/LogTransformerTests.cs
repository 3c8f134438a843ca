using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Domain.Logs;
using ECommerceAgents.Functions.LogTransformer;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.LogTransformer;

/// <summary>
/// LogTransformer registered as the logs delivery stream's transformation on the local Firehose stand-in (Firehose's
/// contract, 6 MB response limit included), against this class's own buckets.
/// </summary>
public sealed class LogTransformerTests : IAsyncLifetime
{
    private PlatformHarness _harness = null!;
    private LocalEventSources _sources = null!;
    private IFunctionHandler _handler = null!;
    private FunctionEnvironment _env = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await PlatformHarness.StartAsync(nameof(LogTransformerTests));
        var port = LocalPorts.Free().Firehose;
        _env = _harness.Environment with { Endpoints = _harness.Environment.Endpoints with { Firehose = new Uri($"http://127.0.0.1:{port}") } };
        _handler = await LogTransformerFunction.CreateAsync(_env, CancellationToken.None);
        _sources = new LocalEventSources(_harness.Stack, names: _harness.Names, firehosePort: port, transforms: LocalEventSources.Processors(_handler),
            firehoseOptions: new LocalFirehoseOptions { BufferInterval = TimeSpan.FromHours(1), TransformRetries = 0 });
        await _sources.StartAsync(CancellationToken.None, rawArchive: false);
    }

    public async ValueTask DisposeAsync()
    {
        await _sources.DisposeAsync();
        await _harness.DisposeAsync();
    }

    private string LogsBucket => _harness.Names.Bucket(Buckets.Logs);

    private FirehoseDeliveryStream Logs => _sources.DeliveryStream(DeliveryStreams.Logs);

    private static byte[] CloudWatch(string group, IEnumerable<string> messages, long timestamp)
    {
        var payload = new CloudWatchLogsMessage
        {
            MessageType = "DATA_MESSAGE",
            Owner = "123456789012",
            LogGroup = group,
            LogStream = "s1",
            SubscriptionFilters = ["eca-logs"],
            LogEvents = messages.Select((m, i) => new CloudWatchLogsMessageEvent { Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture), Timestamp = timestamp, Message = m }).ToArray(),
        };
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) gzip.Write(JsonSerializer.SerializeToUtf8Bytes(payload, LogsJsonContext.Default.CloudWatchLogsMessage));
        return buffer.ToArray();
    }

    private async Task<List<JsonObject>> LinesAsync(string prefix)
    {
        var lines = new List<JsonObject>();
        foreach (var key in await StoreChecksum.KeysAsync(_harness.Stack, LogsBucket, prefix))
        {
            using var response = await _harness.Stack.S3Client.GetObjectAsync(LogsBucket, key);
            using var reader = new StreamReader(new GZipStream(response.ResponseStream, CompressionMode.Decompress), Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length > 0) lines.Add(JsonNode.Parse(line)!.AsObject());
            }
        }

        return lines;
    }

    private static string Partition(string service, DateTimeOffset time) =>
        $"logs/service={service}/dt={time.UtcDateTime:yyyy-MM-dd}/hr={time.UtcDateTime:HH}/";

    private async Task FlushUntilEmptyAsync()
    {
        // Re-ingested records arrive in the buffer while a flush runs: flush again until nothing is left.
        for (var i = 0; i < 30 && Logs.Pending > 0; i++) await Logs.FlushAsync(CancellationToken.None);
        Assert.Equal(0, Logs.Pending);
    }

    /// <summary>
    /// The enriched stream's processor: each record back unchanged with its partition keys; one without them
    /// ProcessingFailed with its data untouched (Firehose files it under the error prefix). The logs stream's records in
    /// the same container still take the logs path.
    /// </summary>
    [Fact]
    public async Task EnrichedStream_RecordsReturnedUnchangedWithTheirPartitionKeys_OneWithoutThemProcessingFailed()
    {
        var good = "{\"eventId\":\"e1\",\"partition\":{\"zone\":\"events\",\"type\":\"purchase\",\"dt\":\"2026-12-04\",\"hr\":\"07\"}}"u8.ToArray();
        var bad = "{\"eventId\":\"e2\"}"u8.ToArray();
        var enriched = $"arn:aws:firehose:us-east-1:000000000000:deliverystream/{_harness.Names.DeliveryStream(DeliveryStreams.Enriched)}";
        var request = new Lambda.Events.FirehoseTransformationEvent
        {
            InvocationId = "i1", DeliveryStreamArn = enriched, Region = "us-east-1",
            Records = [new() { RecordId = "r1", ApproximateArrivalTimestamp = 1, Data = good }, new() { RecordId = "r2", ApproximateArrivalTimestamp = 1, Data = bad }],
        };

        var bytes = await _handler.InvokeAsync(JsonSerializer.SerializeToUtf8Bytes(request, Lambda.Events.LambdaEventsJsonContext.Default.FirehoseTransformationEvent), LambdaInvocation.Local(TimeSpan.FromMinutes(1)), CancellationToken.None);
        var response = JsonSerializer.Deserialize(bytes, Lambda.Events.LambdaEventsJsonContext.Default.FirehoseTransformationResponse)!;

        var ok = response.Records.Single(r => r.RecordId == "r1");
        Assert.Equal(Lambda.Events.FirehoseResult.Ok, ok.Result);
        Assert.Equal(good, ok.Data);
        Assert.Equal(new Dictionary<string, string> { ["zone"] = "events", ["type"] = "purchase", ["dt"] = "2026-12-04", ["hr"] = "07" }, ok.Metadata!.PartitionKeys);
        var failed = response.Records.Single(r => r.RecordId == "r2");
        Assert.Equal(Lambda.Events.FirehoseResult.ProcessingFailed, failed.Result);
        Assert.Equal(bad, failed.Data);
    }

    [Fact]
    public async Task Firehose_ResponseWouldExceed6MB_OverflowReingestedThroughPutRecordBatchAndEveryLineDelivered()
    {
        // 60 records of 200 compressible events each: about 300 KB of gzip in, about 20 MB of normalised lines out.
        var time = DateTimeOffset.UtcNow.AddMinutes(-1);
        var client = StreamClients.Firehose(_env.Endpoints);
        var records = Enumerable.Range(0, 60)
            .Select(r => CloudWatch("/aws/lambda/eca-overflow", Enumerable.Range(0, 200).Select(e => $"{{\"level\":\"info\",\"message\":\"request {r}-{e} served\",\"padding\":\"{new string('p', 900)}\"}}"), time.ToUnixTimeMilliseconds()))
            .ToArray();
        var put = await client.PutRecordBatchAsync(_harness.Names.DeliveryStream(DeliveryStreams.Logs), records, CancellationToken.None);
        Assert.True(put.AllSucceeded);

        await FlushUntilEmptyAsync();

        Assert.True(Logs.Stats.RecordsIn > 60, $"re-ingested records arrive at the stand-in: {Logs.Stats.RecordsIn} records in");
        Assert.Equal(Logs.Stats.RecordsIn - 60, Logs.Stats.RecordsDropped); // every overflow record was answered Dropped and came back
        Assert.Equal(0, Logs.Stats.RecordsFailed); // no recordId was missing or repeated, no response over 6 MB
        Assert.Equal(60, Logs.Stats.RecordsDelivered);
        var lines = await LinesAsync(Partition("overflow", time));
        Assert.Equal(60 * 200, lines.Count);
        Assert.Equal(60 * 200, lines.Select(l => l["message"]!.GetValue<string>()).Distinct().Count());
        Assert.Empty(await StoreChecksum.KeysAsync(_harness.Stack, LogsBucket, "logs-errors/"));
    }

    [Fact]
    public async Task Firehose_MixedBatch_OkDroppedAndFailedWhereFirehoseWouldPutThem()
    {
        var time = DateTimeOffset.UtcNow.AddMinutes(-1);
        var bomb = new MemoryStream();
        using (var gzip = new GZipStream(bomb, CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 64; i++) gzip.Write(zeros);
        }

        Logs.Add(CloudWatch("/ecs/mixed-api", ["{\"level\":\"warn\",\"message\":\"card 4111-1111-1111-1111 for bob@example.com\"}", "GET /healthz 200"], time.ToUnixTimeMilliseconds()), time);
        Logs.Add(Encoding.UTF8.GetBytes("GET /health 200 ELB-HealthChecker/2.0\n"), time);
        Logs.Add(bomb.ToArray(), time);
        Logs.Add([0xC3, 0x28, 0xFF], time);

        await FlushUntilEmptyAsync();

        var line = Assert.Single(await LinesAsync(Partition("mixed-api", time)));
        Assert.Equal("card ****-****-****-1111 for [email]", line["message"]!.GetValue<string>());
        Assert.Equal("WARN", line["level"]!.GetValue<string>());
        Assert.Equal(1, Logs.Stats.RecordsDropped);
        Assert.Equal(2, Logs.Stats.RecordsFailed);
        var errorKeys = await StoreChecksum.KeysAsync(_harness.Stack, LogsBucket, "logs-errors/processing-failed/");
        Assert.NotEmpty(errorKeys);
        using var errors = await _harness.Stack.S3Client.GetObjectAsync(LogsBucket, errorKeys[0]);
        using var reader = new StreamReader(new GZipStream(errors.ResponseStream, CompressionMode.Decompress));
        var raw = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!["rawData"]!.GetValue<string>()).ToHashSet();
        Assert.Contains(Convert.ToBase64String(bomb.ToArray()), raw); // original data untouched
    }

    [Fact]
    public async Task Invoke_CloudWatchSampleEvent_DataOkControlDroppedWithPartitionKeys()
    {
        var response = JsonNode.Parse(await _handler.InvokeAsync(EventFiles.Read("firehose-cloudwatch-logs.json"), LambdaInvocation.Local(TimeSpan.FromMinutes(1)), CancellationToken.None))!;

        var records = response["records"]!.AsArray();
        Assert.Equal(["record1", "record2"], records.Select(r => r!["recordId"]!.GetValue<string>()));
        Assert.Equal(["Ok", "Dropped"], records.Select(r => r!["result"]!.GetValue<string>()));
        var keys = records[0]!["metadata"]!["partitionKeys"]!;
        Assert.Equal(("checkout", "2026-11-23", "10"), (keys["service"]!.GetValue<string>(), keys["dt"]!.GetValue<string>(), keys["hr"]!.GetValue<string>()));
        var text = Encoding.UTF8.GetString(Convert.FromBase64String(records[0]!["data"]!.GetValue<string>()));
        Assert.DoesNotContain("jane.doe@example.com", text, StringComparison.Ordinal);
        Assert.DoesNotContain("4111 1111 1111 1111", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_Base64Garbage_ThatRecordFailedWithItsDataTheOthersAnswered()
    {
        var payload = """{"invocationId":"i","deliveryStreamArn":"arn:aws:firehose:us-east-1:1:deliverystream/x","records":[{"recordId":"a","approximateArrivalTimestamp":1795428000000,"data":"!!!not-base64!!!"},{"recordId":"b","approximateArrivalTimestamp":1795428000000,"data":"eyJtZXNzYWdlIjoiaGkifQ=="}]}"""u8.ToArray();

        var response = JsonNode.Parse(await _handler.InvokeAsync(payload, LambdaInvocation.Local(TimeSpan.FromMinutes(1)), CancellationToken.None))!;

        var records = response["records"]!.AsArray();
        Assert.Equal(("ProcessingFailed", "!!!not-base64!!!"), (records[0]!["result"]!.GetValue<string>(), records[0]!["data"]!.GetValue<string>()));
        Assert.Equal("Ok", records[1]!["result"]!.GetValue<string>());
    }
}
