using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Adapters.Warehouse;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using static ECommerceAgents.IntegrationTests.Batch.EnrichedFixture;

namespace ECommerceAgents.IntegrationTests.Batch;

/// <summary>An erasure request recorded by the API is applied by the next run to every zone, the warehouse and (not applicable) search.</summary>
public sealed class TombstoneTests
{
    private static readonly DateTimeOffset Hour = new(2026, 3, 10, 8, 0, 0, TimeSpan.Zero);

    private static string Raw(string? user, string? anonymous, string id)
    {
        var who = (user is null ? "" : ",\"userId\":\"" + user + "\"") + (anonymous is null ? "" : ",\"anonymousId\":\"" + anonymous + "\"");
        return "{\"schema\":\"com.ecommerceagents/page_view/1-0-0\",\"eventId\":\"" + id + "\",\"eventTime\":\"2026-03-10T08:05:00Z\"" + who
            + ",\"context\":{\"ip\":\"203.0.113.9\",\"email\":\"x@example.com\"},\"data\":{\"url\":\"https://shop/\"}}";
    }

    [Fact]
    public async Task PendingTombstone_AppliedToEveryZoneAndTheWarehouse_ThenMarkedApplied()
    {
        await using var slice = await BatchSlice.CreateAsync("erase", Hour.AddHours(2));
        var s3 = slice.S3;
        // Enriched: the user's own events, their anonymous events from before they logged in, and someone else's.
        var mine = Enumerable.Range(0, 3).Select(i => Event("page_view", Hour.AddMinutes(i).ToString("O"), "u-x", "a-x", "s-x", new EventData { Url = "https://shop/" }, $"x-{i}")).ToList();
        mine.Add(Event("product_view", Hour.AddMinutes(5).ToString("O"), null, "a-x", "s-x0", new EventData { Sku = "A", Category = "books", Price = 5, Currency = "EUR" }, "x-anon"));
        mine.Add(Event("order_placed", Hour.AddMinutes(6).ToString("O"), "u-x", null, null, new EventData { OrderId = "ox", Total = 5, Currency = "EUR", Items = [new OrderLine { Sku = "A", Quantity = 1, Price = 5, Category = "books" }] }, "x-order"));
        var theirs = Enumerable.Range(0, 2).Select(i => Event("page_view", Hour.AddMinutes(10 + i).ToString("O"), "u-y", "a-y", "s-y", new EventData { Url = "https://shop/" }, $"y-{i}")).ToList();
        await WriteAsync(s3, slice.Bucket(Buckets.Enriched), mine.Concat(theirs));
        // Raw archive (as sent, with PII) and the quarantine.
        var rawBody = Gzip.Compress(Encoding.UTF8.GetBytes(string.Join("\n", Raw("u-x", "a-x", "x-0"), Raw(null, "a-x", "x-anon"), Raw("u-y", "a-y", "y-0"), "{\"anonymousId\":\"a-x\", broken") + "\n"));
        await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest { BucketName = slice.Bucket(Buckets.Raw), Key = "raw/dt=2026-03-10/hr=08/raw-1-2026-03-10-08-06-00-a.gz", InputStream = new MemoryStream(rawBody) });
        static string Quarantined(string payload, int sequence) =>
            $$"""{"reason":"schema_violation","violations":[],"payloadBase64":"{{Convert.ToBase64String(Encoding.UTF8.GetBytes(payload))}}","partitionKey":"k","shardId":"s","sequenceNumber":"{{sequence}}","source":"stream","arrivalTime":"2026-03-10T08:06:00Z","pipelineVersion":"1.0.0"}""";
        // A micro-batch's object holding both users' records, and a one-record object of the earlier format.
        await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = slice.Bucket(Buckets.Quarantine), Key = "quarantine/reason=schema_violation/dt=2026-03-10/hr=08/stream-s-1.jsonl",
            ContentBody = Quarantined(Raw("u-x", "a-x", "x-bad"), 1) + "\n" + Quarantined(Raw("u-y", "a-y", "y-bad"), 2) + "\n",
        });
        await s3.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = slice.Bucket(Buckets.Quarantine), Key = "quarantine/reason=schema_violation/dt=2026-03-10/hr=08/kinesis-s-x.json", ContentBody = Quarantined(Raw(null, "a-x", "x-bad2"), 3),
        });

        var loader = await slice.LoaderAsync();
        await EnrichedDay.BackfillAsync(loader, "2026-03-10");
        Assert.Equal(5, await slice.CountAsync("user_id = 'u-x' or anonymous_id = 'a-x'"));
        var before = await TestWarehouse.ChecksumAsync(slice.Warehouse, ["fct_events"]);

        // The API's erase: a pending tombstone with the linked anonymous id.
        await slice.Harness.Stack.DynamoDbClient.PutItemAsync(new PutItemRequest
        {
            TableName = slice.Harness.Names.Table(Tables.Tombstones),
            Item = new Dictionary<string, AttributeValue>
            {
                ["userId"] = new() { S = "u-x" },
                ["requestedAt"] = new() { S = "2026-03-10T09:00:00Z" },
                ["status"] = new() { S = "pending" },
                ["anonymousIds"] = new() { L = [new AttributeValue { S = "a-x" }] },
            },
        });

        var run = await EnrichedDay.BackfillAsync(loader, "2026-03-10");

        Assert.Equal(1, run[0].TombstonesApplied);
        Assert.Empty(run.SelectMany(r => r.Loaded));   // watermarks moved with the rewritten objects: no reload needed
        Assert.Equal(0, await slice.CountAsync("user_id = 'u-x' or resolved_user_id = 'u-x' or anonymous_id = 'a-x'"));
        Assert.Equal(2, await slice.CountAsync("user_id = 'u-y'"));
        Assert.Equal(0, await TestWarehouse.ScalarAsync<long>(slice.Warehouse, "select count(*) from eca.fct_orders where order_id = 'ox'"));
        Assert.NotEqual(before["fct_events"], (await TestWarehouse.ChecksumAsync(slice.Warehouse, ["fct_events"]))["fct_events"]);

        var raw = string.Join("\n", await LinesAsync(slice, Buckets.Raw, "raw/"));
        Assert.DoesNotContain("u-x", raw);
        Assert.DoesNotContain("a-x", raw);
        Assert.Contains("u-y", raw);
        // The one-record object is gone; the micro-batch's object keeps the other user's record only.
        var left = await StoreChecksum.QuarantineRecordsAsync(slice.Harness.Stack, slice.Bucket(Buckets.Quarantine));
        var kept = Assert.Single(left);
        Assert.Equal("quarantine/reason=schema_violation/dt=2026-03-10/hr=08/stream-s-1.jsonl", kept.Key);
        Assert.Equal("2", JsonNode.Parse(kept.Json)!["sequenceNumber"]!.GetValue<string>());
        var enriched = string.Join("\n", await StoreChecksum.EnrichedLinesAsync(slice.Harness.Stack, slice.Bucket(Buckets.Enriched), "events/"));
        Assert.DoesNotContain("\"u-x\"", enriched);
        Assert.DoesNotContain("\"a-x\"", enriched);
        var codec = new EventParquet();
        foreach (var key in (await StoreChecksum.KeysAsync(slice.Harness.Stack, slice.Bucket(Buckets.Processed), "events/")).Where(k => k.EndsWith(".parquet", StringComparison.Ordinal)))
        {
            using var o = await s3.GetObjectAsync(slice.Bucket(Buckets.Processed), key);
            using var buffer = new MemoryStream();
            await o.ResponseStream.CopyToAsync(buffer);
            Assert.DoesNotContain(await codec.DecodeEventsAsync(buffer.ToArray(), default), r => r.UserId == "u-x" || r.AnonymousId == "a-x");
        }

        var item = (await slice.Harness.Stack.DynamoDbClient.GetItemAsync(slice.Harness.Names.Table(Tables.Tombstones), new Dictionary<string, AttributeValue> { ["userId"] = new() { S = "u-x" } })).Item;
        Assert.Equal("applied", item["status"].S);
        Assert.True(item.ContainsKey("appliedAt"));
        var counts = item["counts"].M.ToDictionary(kv => kv.Key, kv => int.Parse(kv.Value.N, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(3, counts["raw"]);            // two event lines and the malformed one naming a-x
        Assert.Equal(2, counts["quarantine"]);
        Assert.Equal(5, counts["enriched"]);
        Assert.Equal(5, counts["processed"]);
        Assert.True(counts["warehouse"] >= 5, $"warehouse {counts["warehouse"]}");
        Assert.Equal(0, counts["search"]);

        // Nothing is pending now: the next run erases nothing more.
        Assert.Equal(0, (await EnrichedDay.BackfillAsync(loader, "2026-03-10"))[0].TombstonesApplied);
    }

    private static async Task<List<string>> LinesAsync(BatchSlice slice, BucketDefinition bucket, string prefix)
    {
        var lines = new List<string>();
        foreach (var key in await StoreChecksum.KeysAsync(slice.Harness.Stack, slice.Bucket(bucket), prefix))
        {
            using var o = await slice.S3.GetObjectAsync(slice.Bucket(bucket), key);
            using var buffer = new MemoryStream();
            await o.ResponseStream.CopyToAsync(buffer);
            lines.Add(Encoding.UTF8.GetString(Gzip.Decompress(buffer.ToArray())));
        }

        return lines;
    }
}
