using System.Net;
using System.Text;
using System.Text.Json;
using ECommerceAgents.Local.Cost.Measure;

namespace ECommerceAgents.Local.Tests.Cost;

/// <summary>The billing rules <c>cost --measure</c> counts by, and the meters that apply them to the requests the code sends.</summary>
public sealed class BillingRulesTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static string Text(int bytes) => new('x', bytes);

    /// <summary>An item of one string attribute "pk" and one "v" whose whole size is <paramref name="bytes"/>.</summary>
    private static string Item(string pk, int bytes) => $$$"""{"pk":{"S":"{{{pk}}}"},"v":{"S":"{{{Text(bytes - 2 - pk.Length - 1)}}}"}}""";

    [Fact]
    public void ItemBytes_NamesAndValues_AsDynamoDbSizesThem()
    {
        // "pk" 2 + "abc" 3; "n" 1 + 12345 (5 significant digits: 3 bytes + 1); "b" 1 + 3 decoded bytes; "t" 1 + 1.
        Assert.Equal(5 + 5 + 4 + 2, BillingRules.ItemBytes(Json("""{"pk":{"S":"abc"},"n":{"N":"12345"},"b":{"B":"AQID"},"t":{"BOOL":true}}""")));
        // A map: 3 bytes + per element 1 + name + value; a list: 3 + per element 1 + value.
        Assert.Equal(1 + 3 + (1 + 1 + 2) + 1 + 3 + (1 + 1), BillingRules.ItemBytes(Json("""{"m":{"M":{"k":{"S":"ab"}}},"l":{"L":[{"S":"x"}]}}""")));
        // UTF-8: "é" is 2 bytes.
        Assert.Equal(1 + 2, BillingRules.ItemBytes(Json("""{"s":{"S":"é"}}""")));
    }

    [Theory]
    [InlineData("12345", 4)]
    [InlineData("100", 2)] // trailing zeroes trimmed: one significant digit
    [InlineData("0.0012300", 3)] // leading and trailing zeroes trimmed: 123
    [InlineData("-1.5e10", 2)]
    public void NumberBytes_OneBytePerTwoSignificantDigitsPlusOne(string number, long bytes) => Assert.Equal(bytes, BillingRules.NumberBytes(number));

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1_024, 1)]
    [InlineData(1_025, 2)]
    [InlineData(3_000, 3)]
    public void WriteUnits_OnePerKilobyte_AtLeastOne(long bytes, long units) => Assert.Equal(units, BillingRules.WriteUnits(bytes));

    [Theory]
    [InlineData(0, true, 1)]
    [InlineData(4_096, true, 1)]
    [InlineData(5_000, true, 2)]
    [InlineData(5_000, false, 1)] // eventually consistent: half
    [InlineData(100, false, 0.5)]
    public void ReadUnits_PerFourKilobytes_HalvedWhenEventuallyConsistent(long bytes, bool consistent, double units) =>
        Assert.Equal(units, BillingRules.ReadUnits(bytes, consistent));

    [Theory]
    [InlineData(540, 1, 1, 5)]
    [InlineData(1_024, 1, 1, 5)]
    [InlineData(1_025, 2, 1, 5)]
    [InlineData(5_120, 5, 1, 5)]
    [InlineData(5_121, 6, 1, 10)]
    [InlineData(25_600, 25, 1, 25)]
    [InlineData(25_601, 26, 2, 30)]
    public void StreamRecords_KinesisPerKilobyteAndPayloadUnit_FirehosePerFiveKilobytes(long bytes, long kinesisKb, long payloadUnits, long firehoseKb)
    {
        Assert.Equal(kinesisKb, BillingRules.KinesisBilledKb(bytes));
        Assert.Equal(payloadUnits, BillingRules.KinesisPayloadUnits(bytes));
        Assert.Equal(firehoseKb, BillingRules.FirehoseBilledKb(bytes));
    }

    [Fact]
    public async Task UpdateItem_ShrinkingOrGrowing_BillsTheLargerOfBeforeAndAfter()
    {
        // 3,000 B before, 100 B after: 3 units. 100 B before, 2,100 B after: 3 units.
        Assert.Equal(3, await WriteUnitsAsync("UpdateItem", """{"TableName":"t","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET v = :v"}""", Item("a", 3_000), Item("a", 100)));
        Assert.Equal(3, await WriteUnitsAsync("UpdateItem", """{"TableName":"t","Key":{"pk":{"S":"a"}},"UpdateExpression":"SET v = :v"}""", Item("a", 100), Item("a", 2_100)));
    }

    [Fact]
    public async Task PutItem_ReplacingALargerItem_BillsTheOldSize()
    {
        var put = $$$"""{"TableName":"t","Item":{{{Item("a", 500)}}}}""";
        Assert.Equal(2, await WriteUnitsAsync("PutItem", put, Item("a", 2_000), null));
        Assert.Equal(1, await WriteUnitsAsync("PutItem", put, null, null));
    }

    [Fact]
    public async Task ConditionalWrite_Refused_IsBilledOnTheExistingItem()
    {
        var tally = new UsageTally();
        var store = new FakeDynamo(Item("a", 1_500));
        var meter = new DynamoMeter(tally, new HttpClient(store), new Uri("http://127.0.0.1:1"));
        var request = Request("PutItem", $$$"""{"TableName":"t","Item":{{{Item("a", 3_000)}}},"ConditionExpression":"attribute_not_exists(pk)"}""");

        var before = await meter.BeforeAsync(request, CancellationToken.None);
        await meter.AfterAsync(request, before, new ProxiedResponse(400, """{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"""u8.ToArray()), CancellationToken.None);

        var table = tally.Take().Tables["t"];
        Assert.Equal(1, table.ConditionalFailures);
        Assert.Equal(2, table.WriteUnits); // the 1,500 B item that stays, not the 3,000 B one refused
    }

    [Fact]
    public async Task OtherErrors_AreNotBilled()
    {
        var tally = new UsageTally();
        var meter = new DynamoMeter(tally, new HttpClient(new FakeDynamo((string?)null)), new Uri("http://127.0.0.1:1"));
        var request = Request("PutItem", $$$"""{"TableName":"t","Item":{{{Item("a", 300)}}}}""");

        await meter.AfterAsync(request, await meter.BeforeAsync(request, CancellationToken.None), new ProxiedResponse(400, """{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"}"""u8.ToArray()), CancellationToken.None);

        Assert.Empty(tally.Take().Tables);
    }

    [Fact]
    public async Task BatchWriteItem_BillsEachProcessedItem()
    {
        var tally = new UsageTally();
        var meter = new DynamoMeter(tally, new HttpClient(new FakeDynamo((string?)null)), new Uri("http://127.0.0.1:1"));
        var batch = $$$"""{"RequestItems":{"t":[{"PutRequest":{"Item":{{{Item("a", 500)}}}}},{"PutRequest":{"Item":{{{Item("b", 1_500)}}}}},{"PutRequest":{"Item":{{{Item("c", 2_500)}}}}},{"DeleteRequest":{"Key":{"pk":{"S":"d"}} }}]}}""";
        var unprocessed = $$$"""{"UnprocessedItems":{"t":[{"PutRequest":{"Item":{{{Item("c", 2_500)}}}}}]}}""";

        await meter.AfterAsync(Request("BatchWriteItem", batch), null, new ProxiedResponse(200, Encoding.UTF8.GetBytes(unprocessed)), CancellationToken.None);

        var table = tally.Take().Tables["t"];
        Assert.Equal(1 + 2 + 1, table.WriteUnits); // 0.5 KB, 1.5 KB and the delete; the 2.5 KB item was not written
        Assert.Equal(3, table.ItemsWritten);
        Assert.Equal(1, table.WriteRequests);
    }

    [Fact]
    public async Task BatchGetItem_ItemsFoundAndKeysNotFound_EachBilled()
    {
        var tally = new UsageTally();
        var meter = new DynamoMeter(tally, new HttpClient(new FakeDynamo((string?)null)), new Uri("http://127.0.0.1:1"));
        var request = """{"RequestItems":{"t":{"Keys":[{"pk":{"S":"a"}},{"pk":{"S":"b"}},{"pk":{"S":"c"}}],"ConsistentRead":true}}}""";
        var answer = $$$"""{"Responses":{"t":[{{{Item("a", 5_000)}}}]},"UnprocessedKeys":{}}""";

        await meter.AfterAsync(Request("BatchGetItem", request), null, new ProxiedResponse(200, Encoding.UTF8.GetBytes(answer)), CancellationToken.None);

        Assert.Equal(2 + 1 + 1, tally.Take().Tables["t"].ReadUnits); // 5,000 B in 4 KB units, two keys not found
    }

    [Fact]
    public async Task Firehose_PutRecordBatch_AcceptedRecordsRoundedUpToFiveKilobytes()
    {
        var tally = new UsageTally();
        var meter = new RecordMeter("firehose", tally);
        string Data(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
        var request = $$$"""{"DeliveryStreamName":"enriched","Records":[{"Data":"{{{Data(Text(540))}}}"},{"Data":"{{{Data("{\"a\":1}\n{\"a\":2}\n")}}}"},{"Data":"{{{Data(Text(6_000))}}}"},{"Data":"{{{Data(Text(10))}}}"}]}""";
        var answer = """{"FailedPutCount":1,"RequestResponses":[{"RecordId":"1"},{"RecordId":"2"},{"RecordId":"3"},{"ErrorCode":"ServiceUnavailableException","ErrorMessage":"x"}]}""";

        await meter.AfterAsync(Request("PutRecordBatch", request, "Firehose_20150804"), null, new ProxiedResponse(200, Encoding.UTF8.GetBytes(answer)), CancellationToken.None);

        var stream = tally.Take().DeliveryStreams["enriched"];
        Assert.Equal(3, stream.Records);
        Assert.Equal(1, stream.FailedRecords);
        Assert.Equal(5 + 5 + 10, stream.BilledKb);
        Assert.Equal(540 + 16 + 6_000, stream.Bytes);
        Assert.Equal(1 + 2 + 1, stream.Events); // one event per line
    }

    [Fact]
    public async Task Kinesis_PutRecords_DataAndPartitionKeyPerKilobyte()
    {
        var tally = new UsageTally();
        var meter = new RecordMeter("kinesis", tally);
        string Data(int bytes) => Convert.ToBase64String(Encoding.UTF8.GetBytes(Text(bytes)));
        var request = $$$"""{"StreamName":"events","Records":[{"Data":"{{{Data(1_000)}}}","PartitionKey":"{{{Text(25)}}}"},{"Data":"{{{Data(1_000)}}}","PartitionKey":"k"}]}""";
        var answer = """{"FailedRecordCount":0,"Records":[{"SequenceNumber":"1","ShardId":"s"},{"SequenceNumber":"2","ShardId":"s"}]}""";

        await meter.AfterAsync(Request("PutRecords", request, "Kinesis_20131202"), null, new ProxiedResponse(200, Encoding.UTF8.GetBytes(answer)), CancellationToken.None);

        var stream = tally.Take().KinesisStreams["events"];
        Assert.Equal(2, stream.Records);
        Assert.Equal(2 + 1, stream.BilledKb); // 1,025 B and 1,001 B: the partition key tips the first over 1 KB
        Assert.Equal(2, stream.PayloadUnits);
        Assert.Equal(5 + 5, stream.ArchiveBilledKb);
    }

    [Fact]
    public void EventsIn_KplAggregate_CountsNone() =>
        Assert.Equal(-1, RecordMeter.EventsIn([0xF3, 0x89, 0x9A, 0xC2, 1, 2, 3]));

    private static ProxiedRequest Request(string operation, string body, string prefix = "DynamoDB_20120810") =>
        new("POST", "/", prefix + "." + operation, Encoding.UTF8.GetBytes(body), []);

    /// <summary>The write units the meter bills for one request, the stored item being <paramref name="before"/> and then <paramref name="after"/>.</summary>
    private static async Task<double> WriteUnitsAsync(string operation, string body, string? before, string? after)
    {
        var tally = new UsageTally();
        var meter = new DynamoMeter(tally, new HttpClient(new FakeDynamo(before, after)), new Uri("http://127.0.0.1:1"));
        var request = Request(operation, body);
        var state = await meter.BeforeAsync(request, CancellationToken.None);
        await meter.AfterAsync(request, state, new ProxiedResponse(200, "{}"u8.ToArray()), CancellationToken.None);
        return tally.Take().Tables["t"].WriteUnits;
    }

    /// <summary>Answers the meter's own calls: DescribeTable (key pk), and GetItem with the given items in turn (null: none).</summary>
    private sealed class FakeDynamo(params string?[] items) : HttpMessageHandler
    {
        private int _reads;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = request.Headers.GetValues("X-Amz-Target").Single();
            var body = target.EndsWith(".DescribeTable", StringComparison.Ordinal)
                ? """{"Table":{"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}]}}"""
                : items[Math.Min(_reads++, items.Length - 1)] is { } item ? $$$"""{"Item":{{{item}}}}""" : "{}";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body) });
        }
    }

    private static readonly IndexSchema ByUser = new("byUser", ["userId", "anonymousId"], ProjectsAll: true, []);

    private static JsonElement? Entry(string? json) => json is null ? null : JsonDocument.Parse(json).RootElement.Clone();

    [Theory]
    // Not in the index before or after (no userId): nothing.
    [InlineData(null, """{"anonymousId":{"S":"a"}}""", 0)]
    // Enters the index: one write of the entry.
    [InlineData(null, """{"anonymousId":{"S":"a"},"userId":{"S":"u"}}""", 1)]
    // Written again as it was: nothing changes in the index.
    [InlineData("""{"anonymousId":{"S":"a"},"userId":{"S":"u"}}""", """{"anonymousId":{"S":"a"},"userId":{"S":"u"}}""", 0)]
    // A projected attribute changes (ALL projection): one write.
    [InlineData("""{"anonymousId":{"S":"a"},"userId":{"S":"u"},"n":{"N":"1"}}""", """{"anonymousId":{"S":"a"},"userId":{"S":"u"},"n":{"N":"2"}}""", 1)]
    // The index key changes: delete the old entry, put the new one.
    [InlineData("""{"anonymousId":{"S":"a"},"userId":{"S":"u"}}""", """{"anonymousId":{"S":"a"},"userId":{"S":"v"}}""", 2)]
    // Leaves the index (deleted, or its key attribute removed): one write.
    [InlineData("""{"anonymousId":{"S":"a"},"userId":{"S":"u"}}""", null, 1)]
    [InlineData("""{"anonymousId":{"S":"a"},"userId":{"S":"u"}}""", """{"anonymousId":{"S":"a"}}""", 1)]
    public void IndexWriteUnits_AsTheIndexChanges(string? before, string? after, long units) =>
        Assert.Equal(units, BillingRules.IndexWriteUnits(Entry(before), Entry(after), ByUser, ["anonymousId"]));

    [Fact]
    public void IndexWriteUnits_BilledPerKilobyteOfTheEntry_With100BytesOverhead()
    {
        // 930 B of payload + "anonymousId" (11 + 1) + "userId" (6 + 1) + "p" (1) = 950 B; + 100 B overhead = 1,050 B: 2 units.
        var item = Entry("{\"anonymousId\":{\"S\":\"a\"},\"userId\":{\"S\":\"u\"},\"p\":{\"S\":\"" + new string('x', 930) + "\"}}");
        Assert.Equal(2, BillingRules.IndexWriteUnits(null, item, ByUser, ["anonymousId"]));

        // A keys-only index holds the keys alone: 1 unit.
        var keysOnly = ByUser with { ProjectsAll = false };
        Assert.Equal(1, BillingRules.IndexWriteUnits(null, item, keysOnly, ["anonymousId"]));
    }
}
