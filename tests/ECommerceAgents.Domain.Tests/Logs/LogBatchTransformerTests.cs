using System.Text;
using ECommerceAgents.Domain.Logs;

namespace ECommerceAgents.Domain.Tests.Logs;

public sealed class LogBatchTransformerTests
{
    private readonly RecordingReingestion _reingestion = new();

    private LogBatchTransformer Transformer(LogTransformOptions? options = null) => new(options ?? new LogTransformOptions(), _reingestion);

    [Fact]
    public async Task Transform_CloudWatchSample_DataNormalisedAndMaskedControlDropped()
    {
        var result = await Transformer().TransformAsync(LogFixtures.SampleRecords("firehose-cloudwatch-logs.json"), CancellationToken.None);

        Assert.Equal(["record1", "record2"], result.Records.Select(r => r.RecordId));
        var data = result.Records[0];
        Assert.Equal(LogBatchTransformer.Ok, data.Result);
        Assert.Equal(new Dictionary<string, string> { ["service"] = "checkout", ["dt"] = "2026-11-23", ["hr"] = "10" }, data.PartitionKeys);
        var lines = LogFixtures.Lines(data);
        Assert.Equal(2, lines.Length); // the GET /healthz event is noise
        var first = LogFixtures.Line(data, 0);
        Assert.Equal("ERROR", first.GetProperty("level").GetString());
        Assert.Equal("req-9f2", first.GetProperty("requestId").GetString());
        Assert.Equal("payment declined for [email] card **** **** **** 1111", first.GetProperty("message").GetString());
        Assert.Equal("2026-11-23T10:00:00.123Z", first.GetProperty("timestamp").GetString());
        Assert.Equal("/aws/lambda/eca-checkout", first.GetProperty("source").GetProperty("logGroup").GetString());
        var second = LogFixtures.Line(data, 1);
        Assert.Equal("INFO", second.GetProperty("level").GetString());
        Assert.Equal("req-9f3", second.GetProperty("requestId").GetString());
        Assert.Equal("checkout", second.GetProperty("service").GetString());
        Assert.Equal("checkout order o-5521 placed total=129.99 EUR", second.GetProperty("message").GetString());
        Assert.Equal(LogBatchTransformer.Dropped, result.Records[1].Result);
        Assert.Equal(1, result.Stats.ControlMessages);
        Assert.Equal(1, result.Stats.NoiseLines);
    }

    [Fact]
    public async Task Transform_DirectPutSample_JsonAndTextLinesHealthCheckDropped()
    {
        var result = await Transformer().TransformAsync(LogFixtures.SampleRecords("firehose-transformation.json"), CancellationToken.None);

        Assert.Equal([LogBatchTransformer.Ok, LogBatchTransformer.Dropped, LogBatchTransformer.Ok], result.Records.Select(r => r.Result));
        Assert.Equal("checkout", result.Records[0].PartitionKeys!["service"]);
        Assert.Equal("search", result.Records[2].PartitionKeys!["service"]);
        Assert.DoesNotContain("jane.doe", Encoding.UTF8.GetString(Convert.FromBase64String(result.Records[0].Data)), StringComparison.Ordinal);
        Assert.Equal("WARN", LogFixtures.Line(result.Records[2], 0).GetProperty("level").GetString());
        Assert.Equal("direct", LogFixtures.Line(result.Records[2], 0).GetProperty("source").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Transform_OkRecord_NoTrailingNewlineBecauseTheStreamAppendsOne()
    {
        var record = LogFixtures.Bytes("r", LogFixtures.CloudWatch("/ecs/orders-api", "one", "two", "three"));

        var result = await Transformer().TransformAsync([record], CancellationToken.None);

        var text = Encoding.UTF8.GetString(Convert.FromBase64String(result.Records[0].Data));
        Assert.False(text.EndsWith('\n'));
        Assert.Equal(3, text.Split('\n').Length);
        Assert.Equal("orders-api", result.Records[0].PartitionKeys!["service"]);
    }

    [Fact]
    public async Task Transform_GzipBomb_ProcessingFailedOriginalUntouchedAndMemoryBounded()
    {
        // 200 MB of zeros compress to about 200 KB.
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (var i = 0; i < 200; i++) gzip.Write(zeros);
        }

        var bomb = LogFixtures.Bytes("bomb", buffer.ToArray());
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var result = await Transformer().TransformAsync([bomb, LogFixtures.Text("ok", "{\"level\":\"info\",\"message\":\"fine\"}")], CancellationToken.None);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(LogBatchTransformer.ProcessingFailed, result.Records[0].Result);
        Assert.Equal(bomb.Data, result.Records[0].Data);
        Assert.Equal(LogBatchTransformer.Ok, result.Records[1].Result);
        Assert.Equal(1, result.Stats.FailureReasons["gzip_too_large"]);
        Assert.True(allocated < 64L * 1024 * 1024, $"allocated {allocated} bytes for a 200 MB bomb");
    }

    [Theory]
    [InlineData("%%% not base64 at all %%%", "base64")]
    [InlineData("H4sIAAAAAAAAA////wrong", "base64")]
    public async Task Transform_Base64Garbage_ProcessingFailedWithTheSameData(string data, string reason)
    {
        var result = await Transformer().TransformAsync([new LogInputRecord("g", data, LogFixtures.Arrival)], CancellationToken.None);

        Assert.Equal(LogBatchTransformer.ProcessingFailed, result.Records[0].Result);
        Assert.Equal(data, result.Records[0].Data);
        Assert.Equal(1, result.Stats.FailureReasons[reason]);
    }

    [Fact]
    public async Task Transform_CorruptGzipInvalidUtf8AndBrokenJson_EachProcessingFailed()
    {
        var corrupt = LogFixtures.Bytes("corrupt", [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5]);
        var notUtf8 = LogFixtures.Bytes("utf8", [0x68, 0x69, 0xC3, 0x28, 0xA0, 0xFF]);
        var broken = LogFixtures.Text("json", "{\"level\":\"info\",\"message\":\"cut off");
        var notCloudWatch = LogFixtures.Bytes("cwl", LogFixtures.Gzip("[1,2,3]"u8.ToArray()));

        var result = await Transformer().TransformAsync([corrupt, notUtf8, broken, notCloudWatch], CancellationToken.None);

        Assert.All(result.Records, r => Assert.Equal(LogBatchTransformer.ProcessingFailed, r.Result));
        Assert.Equal(corrupt.Data, result.Records[0].Data);
        Assert.Equal(notUtf8.Data, result.Records[1].Data);
        Assert.Equal(broken.Data, result.Records[2].Data);
        Assert.Equal(["cloudwatch_payload", "gzip_corrupt", "invalid_utf8", "malformed_json"], result.Stats.FailureReasons.Keys.Order());
    }

    [Fact]
    public async Task Transform_CloudWatchMessageThatOnlyLooksLikeJson_KeptAsText()
    {
        var record = LogFixtures.Bytes("r", LogFixtures.CloudWatch("/aws/lambda/eca-search", "{not json but a log line"));

        var result = await Transformer().TransformAsync([record], CancellationToken.None);

        Assert.Equal(LogBatchTransformer.Ok, result.Records[0].Result);
        Assert.Equal("{not json but a log line", LogFixtures.Line(result.Records[0], 0).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Transform_AllLinesHealthChecks_Dropped()
    {
        var record = LogFixtures.Bytes("r", LogFixtures.CloudWatch("/ecs/web", "GET /healthz 200", "10.0.1.5 - - \"GET /health HTTP/1.1\" 200 2 \"-\" \"ELB-HealthChecker/2.0\"", "{\"path\":\"/ping\",\"status\":200}"));

        var result = await Transformer().TransformAsync([record], CancellationToken.None);

        Assert.Equal(LogBatchTransformer.Dropped, result.Records[0].Result);
        Assert.Equal(3, result.Stats.NoiseLines);
    }

    [Fact]
    public async Task Transform_JsonFields_KeptAndMaskedBySecretNameAndContent()
    {
        var record = LogFixtures.Text("r", "{\"ts\":1795428000123,\"lvl\":\"x\",\"level\":50,\"msg\":\"charge failed\",\"service\":\"payments\",\"request_id\":\"abc\",\"customer\":{\"email\":\"a@b.co\",\"apiKey\":\"k-123\"},\"amount\":12.5}");

        var result = await Transformer().TransformAsync([record], CancellationToken.None);

        var line = LogFixtures.Line(result.Records[0], 0);
        Assert.Equal("ERROR", line.GetProperty("level").GetString());
        Assert.Equal("abc", line.GetProperty("requestId").GetString());
        Assert.Equal("payments", line.GetProperty("service").GetString());
        var fields = line.GetProperty("fields");
        Assert.Equal("[email]", fields.GetProperty("customer").GetProperty("email").GetString());
        Assert.Equal("[secret]", fields.GetProperty("customer").GetProperty("apiKey").GetString());
        Assert.Equal(12.5, fields.GetProperty("amount").GetDouble());
        Assert.Equal("x", fields.GetProperty("lvl").GetString());
    }

    [Fact]
    public async Task Transform_TimestampFarFromArrival_PartitionedByArrival()
    {
        var record = LogFixtures.Text("r", "{\"timestamp\":\"2001-01-01T00:00:00Z\",\"message\":\"clock is wrong\"}");

        var result = await Transformer().TransformAsync([record], CancellationToken.None);

        Assert.Equal("2026-11-23", result.Records[0].PartitionKeys!["dt"]);
        Assert.Equal("2001-01-01T00:00:00.000Z", LogFixtures.Line(result.Records[0], 0).GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task Transform_OverTheResponseBudget_OverflowReingestedAsOriginalBytesAndDropped()
    {
        var records = Enumerable.Range(0, 40).Select(i => LogFixtures.Bytes("r" + i, LogFixtures.CloudWatch("/aws/lambda/eca-api", Enumerable.Range(0, 20).Select(j => $"request {i}/{j} served in {j} ms").ToArray()))).ToArray();

        var result = await Transformer(new LogTransformOptions { ResponseBudgetBytes = 60_000 }).TransformAsync(records, CancellationToken.None);

        Assert.Equal(records.Select(r => r.RecordId), result.Records.Select(r => r.RecordId));
        var ok = result.Records.Count(r => r.Result == LogBatchTransformer.Ok);
        Assert.InRange(ok, 1, 39);
        Assert.Equal(40 - ok, _reingestion.Records.Count);
        Assert.Equal(1, _reingestion.Calls);
        // Everything after the first overflowing record went back as it came, in order.
        var reingested = result.Records.Select((r, i) => (r, i)).Where(x => x.r.Result == LogBatchTransformer.Dropped).Select(x => records[x.i].Data).ToArray();
        Assert.Equal(reingested, _reingestion.Records.Select(Convert.ToBase64String));
        Assert.True(result.Stats.ResponseBytes <= 60_000);
    }

    [Fact]
    public async Task Transform_OneRecordLargerThanAnyResponse_SplitIntoSmallerPayloadsForReingestion()
    {
        var messages = Enumerable.Range(0, 2000).Select(i => $"event {i} " + new string('x', 900)).ToArray();
        var record = LogFixtures.Bytes("huge", LogFixtures.CloudWatch("/aws/lambda/eca-api", messages));

        var result = await Transformer(new LogTransformOptions { ResponseBudgetBytes = 1_000_000, SplitChunkBytes = 256 * 1024 }).TransformAsync([record], CancellationToken.None);

        Assert.Equal(LogBatchTransformer.Dropped, result.Records[0].Result);
        Assert.True(_reingestion.Records.Count >= 8, $"{_reingestion.Records.Count} pieces");
        var again = await new LogBatchTransformer(new LogTransformOptions(), new RecordingReingestion())
            .TransformAsync(_reingestion.Records.Select((p, i) => LogFixtures.Bytes("p" + i, p)).ToArray(), CancellationToken.None);
        Assert.All(again.Records, r => Assert.Equal(LogBatchTransformer.Ok, r.Result));
        Assert.Equal(2000, again.Records.Sum(r => LogFixtures.Lines(r).Length));
    }

    [Theory]
    [InlineData("/aws/lambda/eca-checkout", "checkout")]
    [InlineData("/ecs/orders-api/", "orders-api")]
    [InlineData("", "unknown")]
    public void ServiceFromLogGroup_StripsPathAndPrefix(string group, string service)
    {
        Assert.Equal(service, Transformer().ServiceFromLogGroup(group));
    }

    [Theory]
    [InlineData("Checkout Service", "checkout-service")]
    [InlineData("../../etc", "etc")]
    [InlineData("", "unknown")]
    public void SanitiseService_SafePrefixSegment(string raw, string expected)
    {
        Assert.Equal(expected, LogBatchTransformer.SanitiseService(raw));
    }
}
