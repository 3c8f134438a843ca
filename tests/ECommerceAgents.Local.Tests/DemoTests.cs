using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Local.Demo;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using Npgsql;
using StackExchange.Redis;

namespace ECommerceAgents.Local.Tests;

/// <summary>
/// One small demo run through the CLI on a stack of its own, shared by the class: the books balance against the
/// generator's truth, and the reconciliation, run again on the finished run, names every store alteration (each test
/// alters one thing, reconciles in process or through <c>demo --reconcile</c>, and puts the store back).
/// </summary>
public sealed class DemoRunFixture : IAsyncLifetime
{
    public PrivateCliStack Cli { get; private set; } = null!;

    public CliResult Result { get; private set; } = null!;

    public JsonNode Report { get; private set; } = null!;

    public string Html { get; private set; } = "";

    public string RunId { get; private set; } = "";

    public LocalStack Stack { get; private set; } = null!;

    public ResourceBindings Names => ResourceBindings.FromPrefix("demo-" + RunId);

    public string Warehouse { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Cli = await PrivateCliStack.StartAsync("demo", up: false);
        var json = Path.Combine(Cli.State, "report.json");
        var html = Path.Combine(Cli.State, "report.html");
        Result = await Testing.Cli.RunAsync(Cli.Environment, "demo", "--events", "2500", "--users", "120", "--seed", "7", "--json", json, "--html", html);
        Assert.True(Result.ExitCode == 0, Result.Stdout + Result.Stderr);
        Report = JsonNode.Parse(await File.ReadAllTextAsync(json))!;
        Html = await File.ReadAllTextAsync(html);
        RunId = Report["runId"]!.GetValue<string>();
        Stack = LocalStack.Open(Cli.State, LocalStackOptions.FindRepositoryRoot()) ?? throw new InvalidOperationException("the CLI recorded no stack");
        await Stack.UpAsync(CancellationToken.None);
        Warehouse = new NpgsqlConnectionStringBuilder(Stack.Endpoints.Warehouse) { Database = ("demo-" + RunId).Replace('-', '_') }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        await Stack.DisposeAsync();
        await Cli.DisposeAsync();
    }
}

public sealed class DemoTests(DemoRunFixture run) : IClassFixture<DemoRunFixture>
{
    [Fact]
    public async Task Demo_SmallShop_BooksBalanceExactly_ReportWrittenAsTableJsonAndHtml()
    {
        Assert.Contains("the books balance", run.Result.Stdout, StringComparison.Ordinal);
        var checks = run.Report["checks"]!.AsArray();
        Assert.All(checks, c => Assert.True(c!["passed"]!.GetValue<bool>(), c.ToJsonString()));

        // The same seed generates the same shop here: the report's expectations are the generator's own counts.
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 7, Users = 120, Events = 2500 });
        generator.Generate();
        var truth = generator.Truth;
        string Found(string area, string name) => checks.Single(c => c!["area"]!.GetValue<string>() == area && c["name"]!.GetValue<string>() == name)!["actual"]!.GetValue<string>();
        Assert.Equal(truth.ValidUnique.ToString(CultureInfo.InvariantCulture), Found("enriched", "valid, unique, non-bot events"));
        Assert.Equal(truth.BotEvents.ToString(CultureInfo.InvariantCulture), Found("bots", "bot events in the bot zone, duplicates counted"));
        Assert.Equal(truth.Malformed.ToString(CultureInfo.InvariantCulture), Found("quarantine", "malformed_json"));
        Assert.Equal(truth.SchemaViolations.ToString(CultureInfo.InvariantCulture), Found("quarantine", "schema_violation"));
        Assert.Equal(truth.UnknownSchema.ToString(CultureInfo.InvariantCulture), Found("quarantine", "unknown_schema"));
        Assert.Equal(truth.OrdersPlaced.ToString(CultureInfo.InvariantCulture), Found("warehouse", "orders"));
        Assert.Equal(truth.NetRevenue.ToString("F2", CultureInfo.InvariantCulture), Found("warehouse", "revenue net of refunds"));
        Assert.True(truth.Duplicates > 0 && truth.Late > 0 && truth.BotEvents > 0 && truth.Malformed > 0, "the run injected every kind of fault");

        // Every store is reconciled, each in its own rows.
        var areas = checks.Select(c => c!["area"]!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(["enriched", "bots", "quarantine", "raw archive", "processed", "warehouse", "dynamodb", "redis", "search", "logs"], StringComparer.Ordinal), areas);
        Assert.True(run.Report["latency"]!["p99Ms"]!.GetValue<double>() < 300_000);
        Assert.True(run.Report["costUsd"]!.GetValue<double>() > 0);
        Assert.Contains("The books balance.", run.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_QualityPerEventTimePartition_RejectsCountedInTheirEventHour_SeparateVerdict()
    {
        // The generator injects schema violations into product_view only: by event time they land in product_view's partitions.
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 7, Users = 120, Events = 2500 });
        generator.Generate();
        var violations = generator.Truth.Injected.Count(f => f.Type == "product_view");
        var quality = run.Report["quality"]!;
        var rows = quality["rows"]!.AsArray();
        var rejected = rows.Where(r => r!["partition"]!.GetValue<string>().StartsWith("product_view/", StringComparison.Ordinal)).Sum(r => r!["rejected"]!.GetValue<int>());
        Assert.Equal(violations, rejected);
        Assert.Equal(0, rows.Where(r => !r!["partition"]!.GetValue<string>().StartsWith("product_view/", StringComparison.Ordinal)).Sum(r => r!["rejected"]!.GetValue<int>()));
        Assert.Equal(rows.Count(r => r!["misses"]!.AsArray().Count == 0), quality["passed"]!.GetValue<int>());
        Assert.Equal(quality["passed"]!.GetValue<int>() == rows.Count, run.Report["qualityThresholdsMet"]!.GetValue<bool>());
        Assert.True(run.Report["balanced"]!.GetValue<bool>());
        Assert.Contains(run.Report["qualityThresholdsMet"]!.GetValue<bool>() ? "quality thresholds met" : "quality thresholds not met", run.Result.Stdout, StringComparison.Ordinal);

        // BatchLoader's own quality reports count the same rejects in the event-time partitions (not the hour they arrived).
        var bucket = run.Names.Bucket(Buckets.Processed);
        var reported = 0;
        foreach (var o in (await run.Stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = ZoneLayout.Quality + "type=product_view/" })).S3Objects ?? [])
        {
            var report = JsonNode.Parse(await ReadAsync(bucket, o.Key))!;
            reported += report["rejectedAtIngestByReason"]!.AsObject().Sum(r => r.Value!.GetValue<int>());
        }

        Assert.Equal(violations, reported);
    }

    // ---------------------------------------------------------------- zones

    [Fact]
    public async Task Reconcile_EnrichedRecordDeleted_NamesTheMissingId()
    {
        var (key, id) = await AlterEnrichedAsync(lines => lines.Where(l => !l.Contains(Victim(lines), StringComparison.Ordinal)).ToList());
        await AssertNamedAsync(() => RestoreAsync(Buckets.Enriched, key), ("enriched", "… exactly the generator's ids", "missing: " + id));
    }

    [Fact]
    public async Task Reconcile_EnrichedRecordDuplicated_NamesTheDoubledId()
    {
        var (key, id) = await AlterEnrichedAsync(lines => [.. lines, lines.First(l => l.Contains(Victim(lines), StringComparison.Ordinal))]);
        await AssertNamedAsync(() => RestoreAsync(Buckets.Enriched, key), ("enriched", "… exactly the generator's ids", "held twice or more: " + id));
    }

    [Fact]
    public async Task Reconcile_EnrichedAmountChanged_NamesTheEvent()
    {
        var (key, id) = await AlterEnrichedAsync(lines => lines.Select(l =>
        {
            if (!l.Contains(Victim(lines), StringComparison.Ordinal)) return l;
            var node = JsonNode.Parse(l)!;
            node["data"]!["total"] = node["data"]!["total"]!.GetValue<decimal>() + 1;
            return node.ToJsonString();
        }).ToList());
        await AssertNamedAsync(() => RestoreAsync(Buckets.Enriched, key), ("enriched", "amounts", id + ": expected"));
    }

    [Fact]
    public async Task Reconcile_BotEventStoredTwice_CountedAndNamed()
    {
        var bucket = run.Names.Bucket(Buckets.Enriched);
        var key = (await run.Stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = ZoneLayout.EnrichedBots })).S3Objects[0].Key;
        var original = await ReadAsync(bucket, key);
        var lines = Lines(original);
        var id = JsonNode.Parse(lines[0])!["eventId"]!.GetValue<string>();
        await PutAsync(bucket, key, Gzip([.. lines, lines[0]]));
        await AssertNamedAsync(() => PutAsync(bucket, key, original), ("bots", "… exactly the generator's bot ids", "held twice or more: " + id), ("bots", "bot events in the bot zone", null));
    }

    [Fact]
    public async Task Reconcile_QuarantinedRecordDeleted_NamesTheMissingRecordAndReason()
    {
        var bucket = run.Names.Bucket(Buckets.Quarantine);
        var key = (await run.Stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = ZoneLayout.Quarantine + "reason=schema_violation/" })).S3Objects[0].Key;
        var original = await ReadAsync(bucket, key);
        // The object holds a micro-batch's records of the reason: the first one goes, the others stay.
        var records = ZoneLayout.QuarantineRecords(key, original);
        var id = JsonNode.Parse(records[0].Span)!["eventId"]!.GetValue<string>();
        if (records.Count == 1) await run.Stack.S3Client.DeleteObjectAsync(bucket, key);
        else await PutAsync(bucket, key, ZoneLayout.QuarantineBody(records.Skip(1)));
        await AssertNamedAsync(() => PutAsync(bucket, key, original), ("quarantine", "exactly the injected records", $"missing {id} [schema_violation]"), ("quarantine", "schema_violation", null));
    }

    [Fact]
    public async Task Reconcile_ProcessedParquetDeletedOrCopied_NamesTheMissingAndDoubledIds()
    {
        var bucket = run.Names.Bucket(Buckets.Processed);
        var key = (await run.Stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = ZoneLayout.ProcessedEvents + "type=purchase/" })).S3Objects
            .First(o => o.Key.EndsWith(".parquet", StringComparison.Ordinal)).Key;
        var original = await ReadAsync(bucket, key);
        var id = (await new Adapters.Warehouse.EventParquet().DecodeEventIdsAsync(original, CancellationToken.None)).Order(StringComparer.Ordinal).First();

        await run.Stack.S3Client.DeleteObjectAsync(bucket, key);
        await AssertNamedAsync(() => PutAsync(bucket, key, original), ("processed", "… exactly the generator's ids", "missing: " + id), ("processed", "events in Parquet", null));

        var copy = key.Replace(ZoneLayout.PartFile, "part-00001.parquet", StringComparison.Ordinal);
        await PutAsync(bucket, copy, original);
        await AssertNamedAsync(() => run.Stack.S3Client.DeleteObjectAsync(bucket, copy), ("processed", "… exactly the generator's ids", "held twice or more: " + id), ("processed", "events in Parquet", null));
    }

    // ---------------------------------------------------------------- warehouse

    [Fact]
    public async Task Reconcile_WarehouseRowDeleted_NamesTheMissingId()
    {
        var id = await ScalarAsync("select min(event_id) from eca.fct_events where event_type = 'page_view'");
        await ExecuteAsync($"create table eca.kept as select * from eca.fct_events where event_id = '{id}'", $"delete from eca.fct_events where event_id = '{id}'");
        await AssertNamedAsync(
            () => ExecuteAsync("insert into eca.fct_events select * from eca.kept", "drop table eca.kept"),
            ("warehouse", "… exactly the generator's event ids", "missing: " + id), ("warehouse", "fct_events rows", null));
    }

    [Fact]
    public async Task Reconcile_WarehouseRowDuplicated_NamesTheDoubledId()
    {
        // Redshift enforces no key: the duplicate a faulty load could leave is made here by lifting PostgreSQL's.
        var id = await ScalarAsync("select min(event_id) from eca.fct_events where event_type = 'search'");
        await ExecuteAsync("alter table eca.fct_events drop constraint fct_events_pkey", $"insert into eca.fct_events select * from eca.fct_events where event_id = '{id}'");
        await AssertNamedAsync(
            () => ExecuteAsync("delete from eca.fct_events a using eca.fct_events b where a.event_id = b.event_id and a.ctid > b.ctid", "alter table eca.fct_events add primary key (event_id)"),
            ("warehouse", "… exactly the generator's event ids", "held twice or more: " + id), ("warehouse", "fct_events rows", null));
    }

    [Fact]
    public async Task Reconcile_WarehouseOrderRevenueChanged_NamesTheOrder()
    {
        var order = await ScalarAsync("select min(order_id) from eca.fct_orders where status <> 'cancelled'");
        await ExecuteAsync($"update eca.fct_orders set net_revenue = net_revenue + 1 where order_id = '{order}'");
        await AssertNamedAsync(
            () => ExecuteAsync($"update eca.fct_orders set net_revenue = net_revenue - 1 where order_id = '{order}'"),
            ("warehouse", "… each order's status", order + ": expected"), ("warehouse", "revenue net of refunds", null));
    }

    // ---------------------------------------------------------------- DynamoDB

    [Fact]
    public async Task Reconcile_DynamoOrderDeleted_NamesTheOrder()
    {
        var table = run.Names.Table(Tables.Orders);
        var item = (await run.Stack.DynamoDbClient.ScanAsync(new ScanRequest { TableName = table, Limit = 1 })).Items[0];
        var order = item["orderId"].S;
        await run.Stack.DynamoDbClient.DeleteItemAsync(table, new Dictionary<string, AttributeValue> { ["orderId"] = item["orderId"] });
        await AssertNamedAsync(() => run.Stack.DynamoDbClient.PutItemAsync(table, item), ("dynamodb", "orders", order + " missing"));
    }

    [Fact]
    public async Task Reconcile_DynamoCounterAndRevenueChanged_NamesTheProduct()
    {
        var table = run.Names.Table(Tables.ProductStats);
        var item = (await run.Stack.DynamoDbClient.ScanAsync(new ScanRequest { TableName = table, Limit = 1 })).Items[0];
        var sku = item["sku"].S;
        Task AddAsync(int views, decimal revenue) => run.Stack.DynamoDbClient.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = table,
            Key = new Dictionary<string, AttributeValue> { ["sku"] = item["sku"], ["shard"] = item["shard"] },
            UpdateExpression = "ADD #v :v, #r :r",
            ExpressionAttributeNames = new Dictionary<string, string> { ["#v"] = "views", ["#r"] = "revenue" },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":v"] = new() { N = views.ToString(CultureInfo.InvariantCulture) }, [":r"] = new() { N = revenue.ToString(CultureInfo.InvariantCulture) } },
        });
        await AddAsync(1, 2.5m);
        await AssertNamedAsync(() => AddAsync(-1, -2.5m), ("dynamodb", "product stats", sku + ": expected"));
    }

    // ---------------------------------------------------------------- Redis

    [Fact]
    public async Task Reconcile_RedisRecentlyViewedDeleted_NamesTheUser()
    {
        await using var redis = await RedisConnectionFactory.ConnectAsync(run.Stack.Endpoints.Redis!);
        var db = redis.GetDatabase();
        var keys = new RedisKeys("demo-" + run.RunId + ":");
        var truth = Truth();
        var user = truth.ValidEvents.Where(e => e.UserId is not null && e.Schema.Contains("/product_view/", StringComparison.Ordinal)).Select(e => e.UserId!)
            .First(u => !truth.ValidEvents.Any(e => e.UserId is null && e.AnonymousId is not null && truth.ValidEvents.Any(x => x.UserId == u && x.AnonymousId == e.AnonymousId)));
        var dump = await db.KeyDumpAsync(keys.Recent(user));
        Assert.NotNull(dump);
        await db.KeyDeleteAsync(keys.Recent(user));
        await AssertNamedAsync(() => db.KeyRestoreAsync(keys.Recent(user), dump), ("redis", "recently viewed of users always signed in", user + " missing"));
    }

    [Fact]
    public async Task Reconcile_RedisCounterAndTrendingChanged_NamesThem()
    {
        await using var redis = await RedisConnectionFactory.ConnectAsync(run.Stack.Endpoints.Redis!);
        var db = redis.GetDatabase();
        var keys = new RedisKeys("demo-" + run.RunId + ":");
        var reader = new RealtimeReader(redis, new RealtimeOptions { KeyPrefix = keys.Prefix });
        var category = (await reader.TrendingCategoriesAsync())[0];
        var (bucket, members) = (await reader.TrendingBucketsAsync(category)).First();
        var sku = members.Keys.First();
        await db.HashIncrementAsync(keys.CounterTotals, "events", 1);
        await db.SortedSetIncrementAsync(keys.TrendingBucket(category, bucket), sku, 1);
        await AssertNamedAsync(
            async () =>
            {
                await db.HashIncrementAsync(keys.CounterTotals, "events", -1);
                await db.SortedSetIncrementAsync(keys.TrendingBucket(category, bucket), sku, -1);
            },
            ("redis", "counter totals", "events: expected"), ("redis", "trending", $"{category}/{bucket.ToString(CultureInfo.InvariantCulture)}/{sku}: expected"));
    }

    // ---------------------------------------------------------------- the CLI on a finished run

    [Fact]
    public async Task DemoReconcileCli_UnalteredRun_ExitsZero_AlteredOrder_ExitsOneAndNamesIt()
    {
        var clean = await Testing.Cli.RunAsync(run.Cli.Environment, "demo", "--reconcile", run.RunId);
        Assert.True(clean.ExitCode == 0, clean.Stdout + clean.Stderr);
        Assert.Contains("the books balance", clean.Stdout, StringComparison.Ordinal);

        var table = run.Names.Table(Tables.Orders);
        var item = (await run.Stack.DynamoDbClient.ScanAsync(new ScanRequest { TableName = table, Limit = 1 })).Items[0];
        await run.Stack.DynamoDbClient.DeleteItemAsync(table, new Dictionary<string, AttributeValue> { ["orderId"] = item["orderId"] });
        try
        {
            var altered = await Testing.Cli.RunAsync(run.Cli.Environment, "demo", "--reconcile", run.RunId);
            Assert.Equal(1, altered.ExitCode);
            Assert.Contains("the books do not balance", altered.Stdout, StringComparison.Ordinal);
            Assert.Contains(item["orderId"].S + " missing", altered.Stdout.Replace("\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            await run.Stack.DynamoDbClient.PutItemAsync(table, item);
        }
    }

    [Fact]
    public async Task DemoReconcileCli_UnknownRun_ExitsTwo()
    {
        var result = await Testing.Cli.RunAsync(run.Cli.Environment, "demo", "--reconcile", "999999999999");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no demo run 999999999999", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- helpers

    private GroundTruth Truth()
    {
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 7, Users = 120, Events = 2500 });
        generator.Generate();
        return generator.Truth;
    }

    /// <summary>Reconciles the finished run in process; each expected failing check (area, start of its name) must name the altered item.</summary>
    private async Task AssertNamedAsync(Func<Task> restore, params (string Area, string Name, string? Named)[] expected)
    {
        DemoReport report;
        try
        {
            report = await DemoRun.ReconcileRunAsync(run.Stack, run.RunId, CancellationToken.None);
        }
        finally
        {
            await restore();
        }

        Assert.False(report.Balanced);
        var failed = report.Checks.Where(c => !c.Passed).ToArray();
        foreach (var (area, name, named) in expected)
        {
            var check = failed.FirstOrDefault(c => c.Area == area && c.Name.StartsWith(name, StringComparison.Ordinal));
            Assert.True(check is not null, $"no failed {area} check '{name}…'; failed: " + string.Join(" | ", failed.Select(c => $"{c.Area}: {c.Name}: {c.Detail}")));
            if (named is not null) Assert.Contains(named, check.Detail ?? "", StringComparison.Ordinal);
        }

        Assert.All(failed, c => Assert.Contains(expected, e => e.Area == c.Area && c.Name.StartsWith(e.Name, StringComparison.Ordinal) || DependsOn(c, expected)));
    }

    /// <summary>A change in the enriched zone also shows in the counts and amounts read from it: those rows may fail with it.</summary>
    private static bool DependsOn(DemoCheck c, (string Area, string Name, string? Named)[] expected) =>
        expected.Any(e => e.Area == "enriched") && c.Area == "enriched";

    /// <summary>The purchase event the enriched-zone tests alter: the first in the object.</summary>
    private static string Victim(IReadOnlyList<string> lines) =>
        JsonNode.Parse(lines.First(l => l.Contains("\"type\":\"purchase\"", StringComparison.Ordinal)))!["eventId"]!.GetValue<string>();

    private async Task<(string Key, string Id)> AlterEnrichedAsync(Func<List<string>, List<string>> change)
    {
        var bucket = run.Names.Bucket(Buckets.Enriched);
        string? token = null;
        do
        {
            var page = await run.Stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = ZoneLayout.EnrichedEvents + "type=purchase/", ContinuationToken = token });
            foreach (var o in page.S3Objects ?? [])
            {
                var original = await ReadAsync(bucket, o.Key);
                var lines = Lines(original);
                if (!lines.Any(l => l.Contains("\"type\":\"purchase\"", StringComparison.Ordinal))) continue;
                _originals[o.Key] = original;
                await PutAsync(bucket, o.Key, Gzip(change(lines)));
                return (o.Key, Victim(lines));
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        throw new InvalidOperationException("no purchase in the enriched zone");
    }

    private readonly Dictionary<string, byte[]> _originals = new(StringComparer.Ordinal);

    private Task RestoreAsync(BucketDefinition bucket, string key) => PutAsync(run.Names.Bucket(bucket), key, _originals[key]);

    private async Task<byte[]> ReadAsync(string bucket, string key)
    {
        using var response = await run.Stack.S3Client.GetObjectAsync(bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private async Task PutAsync(string bucket, string key, byte[] body) =>
        await run.Stack.S3Client.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(body) });

    private static List<string> Lines(byte[] body) =>
        Encoding.UTF8.GetString(Domain.Batch.Gzip.Decompress(body)).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static byte[] Gzip(IEnumerable<string> lines)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n"))));
        }

        return buffer.ToArray();
    }

    private async Task<string> ScalarAsync(string sql)
    {
        await using var db = new NpgsqlConnection(run.Warehouse);
        await db.OpenAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(params string[] statements)
    {
        await using var db = new NpgsqlConnection(run.Warehouse);
        await db.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, db);
            await command.ExecuteNonQueryAsync();
        }
    }
}

/// <summary>
/// <c>demo --chaos</c>, small, on a stack of its own (it kills that stack's servers): every server SIGKILLed and
/// restarted during traffic and drain, and the books still balance against the generator's truth.
/// </summary>
public sealed class DemoChaosTests : IAsyncLifetime
{
    private PrivateCliStack _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await PrivateCliStack.StartAsync("chaos", up: false);

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task DemoChaos_EveryServerKilledAndRestartedDuringTrafficAndDrain_BooksStillBalance_KillsAndRetriesReported()
    {
        var json = Path.Combine(_stack.State, "chaos.json");

        var result = await Cli.RunAsync(_stack.Environment, "demo", "--chaos", "--chaos-outage", "1.5", "--chaos-gap", "0.5",
            "--events", "2000", "--users", "100", "--seed", "11", "--rate", "150", "--json", json, "--html", Path.Combine(_stack.State, "chaos.html"));

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("the books balance", result.Stdout, StringComparison.Ordinal);
        var report = JsonNode.Parse(await File.ReadAllTextAsync(json))!;
        Assert.All(report["checks"]!.AsArray(), c => Assert.True(c!["passed"]!.GetValue<bool>(), c.ToJsonString()));
        var chaos = report["chaos"]!;
        var kills = chaos["kills"]!.AsArray();
        Assert.Equal(["dynamodb", "kinesis", "s3", "redis", "postgres", "firehose"], kills.Select(k => k!["server"]!.GetValue<string>()));
        Assert.All(kills, k =>
        {
            Assert.NotEqual(k!["pid"]!.GetValue<int>(), k["newPid"]!.GetValue<int>());
            // The report gives times to 0.1 s: two roundings can take up to 0.1 s off the outage it shows.
            Assert.True(k["restartedAt"]!.GetValue<double>() - k["killedAt"]!.GetValue<double>() >= 1.5 - 0.1, k.ToJsonString());
        });
        Assert.Equal("traffic", kills[0]!["phase"]!.GetValue<string>());

        // Nothing given up, and the kills were felt: someone retried.
        var retries = chaos["retries"]!;
        Assert.Equal(0, retries["recordsSentToOnFailure"]!.GetValue<long>());
        Assert.True(retries["api"]!.GetValue<long>() + retries["streamProcessorRetries"]!.GetValue<long>() > 0, retries.ToJsonString());
        Assert.Equal(retries["api"]!.GetValue<long>(), retries["apiByReason"]!.AsObject().Sum(kv => kv.Value!.GetValue<long>()));

        var generator = new TrafficGenerator(new TrafficOptions { Seed = 11, Users = 100, Events = 2000 });
        generator.Generate();
        var checks = report["checks"]!.AsArray();
        string Found(string area, string name) => checks.Single(c => c!["area"]!.GetValue<string>() == area && c["name"]!.GetValue<string>() == name)!["actual"]!.GetValue<string>();
        Assert.Equal(generator.Truth.ValidUnique.ToString(CultureInfo.InvariantCulture), Found("enriched", "valid, unique, non-bot events"));
        Assert.Equal(generator.Truth.OrdersPlaced.ToString(CultureInfo.InvariantCulture), Found("warehouse", "orders"));
        Assert.Equal(generator.Truth.NetRevenue.ToString("F2", CultureInfo.InvariantCulture), Found("warehouse", "revenue net of refunds"));
        Assert.Contains("SIGKILL", result.Stdout, StringComparison.Ordinal);
    }
}
