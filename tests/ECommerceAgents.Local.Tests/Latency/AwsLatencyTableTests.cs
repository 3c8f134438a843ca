using System.Text;
using ECommerceAgents.Local.Stack.Latency;

namespace ECommerceAgents.Local.Tests.Latency;

/// <summary>The latency table of issue 19, its log-normal fit, the seeded draws and which row a request is.</summary>
public sealed class AwsLatencyTableTests
{
    [Fact]
    public void Table_HoldsTheIssuesFigures()
    {
        // The figures issue 19 fixes, "to keep the target from moving".
        (string Name, double P50, double P99)[] issue =
        [
            ("DynamoDB single-item read or write", 5, 15), ("DynamoDB BatchWriteItem / BatchGetItem (25 items)", 10, 30),
            ("Kinesis PutRecords (up to 500 records)", 30, 100), ("Firehose PutRecordBatch", 40, 150), ("S3 PutObject (small)", 40, 200),
            ("S3 GetObject (small)", 30, 150), ("ElastiCache command or pipeline", 0.5, 2), ("SSM, KMS, Secrets Manager", 10, 50),
        ];

        Assert.Equal(issue, AwsLatencyTable.All.Select(c => (c.Name, c.P50Milliseconds, c.P99Milliseconds)).ToArray());
    }

    [Fact]
    public void Fit_PassesThroughEachRowsP50AndP99()
    {
        foreach (var call in AwsLatencyTable.All)
        {
            Assert.Equal(Math.Log(call.P50Milliseconds), call.Distribution.Mu, 12);
            Assert.Equal(call.P50Milliseconds, call.Distribution.AtZ(0), 9);
            Assert.Equal(call.P99Milliseconds, call.Distribution.AtZ(LogNormal.Z99), 9);
        }
    }

    [Fact]
    public void Samples_HaveTheTablesP50AndP99()
    {
        const int draws = 40_000;
        var sampler = new LatencySampler(42);
        foreach (var call in AwsLatencyTable.All)
        {
            var samples = Enumerable.Range(0, draws).Select(_ => sampler.Next(call).TotalMilliseconds).Order().ToArray();
            var p50 = samples[(draws / 2) - 1];
            var p99 = samples[(int)(draws * 0.99) - 1];

            Assert.InRange(p50 / call.P50Milliseconds, 0.97, 1.03);
            Assert.InRange(p99 / call.P99Milliseconds, 0.92, 1.08);
            Assert.All(samples, s => Assert.True(s > 0));
        }
    }

    [Fact]
    public void Sampler_SameSeedDrawsTheSameDelaysPerKindOfCall()
    {
        var a = new LatencySampler(7);
        var b = new LatencySampler(7);
        var c = new LatencySampler(8);

        var first = Enumerable.Range(0, 20).Select(_ => a.Next(AwsLatencyTable.DynamoDbItem)).ToArray();
        // Draws of another kind in between do not shift the sequence of this kind.
        var second = Enumerable.Range(0, 20).Select(_ => { b.Next(AwsLatencyTable.S3PutObject); return b.Next(AwsLatencyTable.DynamoDbItem); }).ToArray();
        var other = Enumerable.Range(0, 20).Select(_ => c.Next(AwsLatencyTable.DynamoDbItem)).ToArray();

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData("DynamoDB_20120810.BatchWriteItem", "DynamoDB BatchWriteItem / BatchGetItem (25 items)")]
    [InlineData("DynamoDB_20120810.BatchGetItem", "DynamoDB BatchWriteItem / BatchGetItem (25 items)")]
    [InlineData("DynamoDB_20120810.GetItem", "DynamoDB single-item read or write")]
    [InlineData("DynamoDB_20120810.UpdateItem", "DynamoDB single-item read or write")]
    [InlineData("DynamoDB_20120810.Query", "DynamoDB single-item read or write")]
    public void DynamoDb_IsClassifiedByItsTarget(string target, string row)
    {
        var framing = new HttpFraming(AwsRequestClassifier.DynamoDb);

        var call = framing.Feed(Request("POST", "/", target, """{"TableName":"t"}"""));

        Assert.Equal(row, call?.Name);
    }

    [Theory]
    [InlineData("GET", "S3 GetObject (small)")]
    [InlineData("HEAD", "S3 GetObject (small)")]
    [InlineData("PUT", "S3 PutObject (small)")]
    [InlineData("DELETE", "S3 PutObject (small)")]
    public void S3_IsClassifiedByMethod(string method, string row)
    {
        var call = new HttpFraming(AwsRequestClassifier.S3).Feed(Request(method, "/bucket/key", null, method == "PUT" ? "body" : ""));

        Assert.Equal(row, call?.Name);
    }

    [Fact]
    public void Http_BodiesAndSplitHeadsAreNotTakenForRequests()
    {
        var framing = new HttpFraming(AwsRequestClassifier.DynamoDb);
        // A body that reads like a request head must stay a body.
        var batch = Request("POST", "/", "DynamoDB_20120810.BatchWriteItem", "POST / HTTP/1.1\r\nX-Amz-Target: DynamoDB_20120810.GetItem\r\n\r\n");
        var get = Request("POST", "/", "DynamoDB_20120810.GetItem", "{}");

        var headEnd = Encoding.ASCII.GetString(batch).IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;

        // The first request's head split in two; its body split, the second part in one chunk with the next request.
        Assert.Null(framing.Feed(batch.AsSpan(0, 10)));
        Assert.Equal(AwsLatencyTable.DynamoDbBatch, framing.Feed(batch.AsSpan(10, headEnd - 10 + 5)));
        Assert.Equal(AwsLatencyTable.DynamoDbItem, framing.Feed([.. batch.AsSpan(headEnd + 5), .. get]));
        Assert.Null(framing.Feed([]));
    }

    [Fact]
    public void Http_ChunkedBodiesAreFollowedToTheirEnd()
    {
        var framing = new HttpFraming(AwsRequestClassifier.S3);
        var chunked = Encoding.ASCII.GetBytes("PUT /b/k HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nGET /\r\n3;ext=1\r\nabc\r\n0\r\n\r\n");

        Assert.Equal(AwsLatencyTable.S3PutObject, framing.Feed(chunked.AsSpan(0, 70)));
        Assert.Null(framing.Feed(chunked.AsSpan(70)));
        Assert.Equal(AwsLatencyTable.S3GetObject, framing.Feed(Request("GET", "/b/k", null, "")));
    }

    [Fact]
    public void Resp_EveryBurstIsOneCommandOrPipeline()
    {
        var framing = new RespFraming();

        Assert.Equal(AwsLatencyTable.ElastiCache, framing.Feed("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n"u8));
        Assert.Null(framing.Feed([]));
    }

    [Theory]
    [InlineData("Kinesis_20131202.PutRecords")]
    [InlineData("Kinesis_20131202.ListShards")]
    public void Kinesis_EveryCallIsThePutRecordsRow(string target) =>
        Assert.Equal(AwsLatencyTable.KinesisPutRecords, new HttpFraming(AwsRequestClassifier.Kinesis).Feed(Request("POST", "/", target, "{}")));

    [Fact]
    public void Firehose_IsThePutRecordBatchRow() =>
        Assert.Equal(AwsLatencyTable.FirehosePutRecordBatch, new HttpFraming(AwsRequestClassifier.Firehose).Feed(Request("POST", "/", "Firehose_20150804.PutRecordBatch", "{}")));

    private static byte[] Request(string method, string path, string? target, string body)
    {
        var head = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if (target is not null) head.Append("X-Amz-Target: ").Append(target).Append("\r\n");
        if (body.Length > 0) head.Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(body)).Append("\r\n");
        head.Append("\r\n").Append(body);
        return Encoding.UTF8.GetBytes(head.ToString());
    }
}
