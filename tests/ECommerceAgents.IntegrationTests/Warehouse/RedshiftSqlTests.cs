using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.Warehouse;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Local.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ECommerceAgents.IntegrationTests.Warehouse;

/// <summary>
/// What can be checked here of the Redshift path without a Redshift: the generated SQL (MERGE shape rules, COPY, no
/// PostgreSQL-only syntax), the staging columns against the Parquet schema, literal safety, and the Data API calls
/// against a double of its JSON protocol. PostgreSQL runs the shared statements for real in the batch tests.
/// </summary>
public sealed class RedshiftSqlTests
{
    private static readonly PartitionId Partition = new("purchase", "2026-03-10", "08");

    private static readonly RedshiftTarget Target = new("eca-wg", "ecommerce", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:eca-admin", "arn:aws:iam::123456789012:role/eca-copy");

    private static IReadOnlyList<string> LoadStatements()
    {
        var client = new RedshiftDataClient(new SigV4JsonClient(new HttpClient(), AwsJsonService.RedshiftData, new Uri("http://127.0.0.1:1/"), "eu-west-1", new Amazon.Runtime.BasicAWSCredentials("a", "b")), Target);
        var files = new ProcessedFiles(Partition, "eca-processed", ZoneLayout.EventsKey(Partition), [], ZoneLayout.OrderLinesKey(Partition), [], 10, 4);
        return new RedshiftWarehouse(client).LoadStatements(files);
    }

    private static IEnumerable<string> AllRedshiftSql()
    {
        var sql = new WarehouseSql(SqlDialect.Redshift);
        return [.. LoadStatements(), .. sql.Migration(), .. sql.SaveQuality(new PartitionQuality(Partition, 10, 10, 10, 100, 100, 0)), .. sql.Erase(new ErasureTargets([new Tombstone("u-1", DateTimeOffset.UnixEpoch, ["a-1"])])).Delete];
    }

    [Fact]
    public void EveryMerge_FollowsRedshiftsRules()
    {
        var merges = AllRedshiftSql().Where(s => s.StartsWith("merge", StringComparison.Ordinal)).ToArray();

        Assert.True(merges.Length >= 5, $"{merges.Length} merges");
        foreach (var merge in merges)
        {
            // MERGE INTO <schema.table> USING <table> ON …: the source is a table (no subquery), the target has no alias.
            var head = Regex.Match(merge, @"^merge into (?<target>[a-z_]+\.[a-z_]+) using (?<source>[a-z_]+) on ");
            Assert.True(head.Success, merge[..Math.Min(120, merge.Length)]);
            Assert.Single(Regex.Matches(merge, "when matched then update set "));
            Assert.Single(Regex.Matches(merge, "when not matched then insert "));
            Assert.DoesNotContain("when matched and", merge, StringComparison.Ordinal);
            Assert.DoesNotContain("delete", merge, StringComparison.Ordinal);
            // Update SET names bare columns (no target qualifier).
            var set = merge[(merge.IndexOf("update set ", StringComparison.Ordinal) + 11)..merge.IndexOf(" when not matched", StringComparison.Ordinal)];
            Assert.All(set.Split(", "), a => Assert.Matches(@"^[a-z_]+ = ", a));
        }
    }

    [Fact]
    public void MergeSources_AreDeduplicatedFirst()
    {
        var load = LoadStatements();
        var dedup = load.ToList().FindIndex(s => s.StartsWith("create temp table stg_events_dedup as ", StringComparison.Ordinal));
        var merge = load.ToList().FindIndex(s => s.StartsWith("merge into eca.fct_events using stg_events_dedup", StringComparison.Ordinal));

        Assert.InRange(dedup, 0, merge - 1);
        Assert.Contains("row_number() over (partition by event_id", load[dedup]);
        Assert.Contains("where rn = 1", load[dedup]);
    }

    [Fact]
    public void Staging_IsCopiedFromTheParquetWithTheIamRole()
    {
        var copies = LoadStatements().Where(s => s.StartsWith("copy", StringComparison.Ordinal)).ToArray();

        Assert.Equal(
        [
            "copy stg_events from 's3://eca-processed/events/type=purchase/dt=2026-03-10/hr=08/part-00000.parquet' iam_role 'arn:aws:iam::123456789012:role/eca-copy' format as parquet",
            "copy stg_order_lines from 's3://eca-processed/order-lines/type=purchase/dt=2026-03-10/hr=08/part-00000.parquet' iam_role 'arn:aws:iam::123456789012:role/eca-copy' format as parquet",
        ], copies);
    }

    [Fact]
    public void StagingColumns_MatchTheParquetColumnsByPosition()
    {
        var parquet = EventParquet.EventsSchema.GetDataFields().Select(f => f.Name == "schema" ? "event_schema" : f.Name);
        var lines = EventParquet.OrderLinesSchema.GetDataFields().Select(f => f.Name);

        Assert.Equal(parquet, WarehouseSql.StagedEventColumns.Select(c => c.Name));
        Assert.Equal(lines, WarehouseSql.StagedLineColumns.Select(c => c.Name));
        // The Glue table's fifteen columns come first, in its order.
        Assert.Equal(["event_id", "schema", "event_type", "occurred_at", "received_at", "user_id", "anonymous_id", "session_id", "sku", "category", "order_id", "revenue", "currency", "properties", "lineage"],
            EventParquet.EventsSchema.GetDataFields().Take(15).Select(f => f.Name));
    }

    [Fact]
    public void RedshiftSql_HasNoPostgreSqlOnlySyntax_AndPostgreSqlNoRedshiftOnly()
    {
        var redshift = string.Join("\n", AllRedshiftSql());
        foreach (var pgOnly in new[] { "on commit drop", "pg_advisory", "extract(epoch", "distinct on", "create index", " text," })
        {
            Assert.DoesNotContain(pgOnly, redshift, StringComparison.Ordinal);
        }

        Assert.DoesNotMatch(@"[a-z_)]::[a-z]", redshift);   // PostgreSQL casts (the IAM role ARN's "iam::123…" is not one)

        Assert.Contains("diststyle key distkey(event_id)", redshift);
        Assert.Contains("datediff(day, ", redshift);
        var pg = string.Join("\n", new WarehouseSql(SqlDialect.PostgreSql).Migration());
        Assert.DoesNotContain("distkey", pg);
        Assert.DoesNotContain("datediff", pg);
    }

    [Fact]
    public void Migration_AddsOnlyTheSessionColumnsAnOlderTableLacks_RedshiftByName_PostgreSqlIfNotExists()
    {
        var redshift = new WarehouseSql(SqlDialect.Redshift);
        var older = WarehouseSql.EventColumns.Select(c => c.Name).Except(WarehouseSql.AddedEventColumns.Select(c => c.Name).Skip(2)).ToHashSet(StringComparer.Ordinal);

        var adds = redshift.Migration(older).Where(s => s.StartsWith("alter table", StringComparison.Ordinal)).ToArray();

        Assert.Equal(WarehouseSql.AddedEventColumns.Skip(2).Select(c => $"alter table eca.fct_events add column {c.Name} {c.Type}"), adds);
        Assert.DoesNotContain(redshift.Migration(), s => s.StartsWith("alter table", StringComparison.Ordinal));   // a new table is created whole
        Assert.DoesNotContain(redshift.Migration(WarehouseSql.EventColumns.Select(c => c.Name).ToArray()), s => s.StartsWith("alter table", StringComparison.Ordinal));
        Assert.DoesNotContain(redshift.Migration(older), s => s.Contains("if not exists", StringComparison.Ordinal) && s.StartsWith("alter", StringComparison.Ordinal));
        var pg = new WarehouseSql(SqlDialect.PostgreSql).Migration().Where(s => s.StartsWith("alter table", StringComparison.Ordinal));
        Assert.Equal(WarehouseSql.AddedEventColumns.Select(c => $"alter table eca.fct_events add column if not exists {c.Name} {c.Type}"), pg);
    }

    [Fact]
    public void Literals_RefuseAnythingButIdentifiers()
    {
        Assert.Equal("'u-1'", SqlDialect.Redshift.Literal("u-1"));
        Assert.Throws<ArgumentException>(() => SqlDialect.Redshift.Literal("x'; drop table eca.fct_events; --"));
        Assert.Throws<ArgumentException>(() => SqlDialect.PostgreSql.Literal("a\\b"));
    }

    [Fact]
    public async Task DataApi_BatchExecuteThenDescribeUntilFinished_SignedForRedshiftData()
    {
        var calls = new List<(string Target, string Authorization, JsonElement Body)>();
        var builder = LocalWebHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        var describes = 0;
        app.Run(async ctx =>
        {
            using var doc = await JsonDocument.ParseAsync(ctx.Request.Body);
            var target = ctx.Request.Headers["X-Amz-Target"].ToString();
            lock (calls) calls.Add((target, ctx.Request.Headers.Authorization.ToString(), doc.RootElement.Clone()));
            ctx.Response.ContentType = "application/x-amz-json-1.1";
            var answer = target switch
            {
                "RedshiftData.BatchExecuteStatement" => """{"Id":"stmt-1","WorkgroupName":"eca-wg","Database":"ecommerce"}""",
                "RedshiftData.ExecuteStatement" => """{"Id":"stmt-2"}""",
                "RedshiftData.DescribeStatement" => Interlocked.Increment(ref describes) < 3
                    ? """{"Id":"stmt-1","Status":"STARTED"}"""
                    : """{"Id":"stmt-1","Status":"FINISHED","HasResultSet":true,"ResultRows":1}""",
                "RedshiftData.GetStatementResult" => """{"Records":[[{"longValue":42}]],"TotalNumRows":1}""",
                _ => """{"__type":"ValidationException","message":"unknown"}""",
            };
            await ctx.Response.WriteAsync(answer);
        });
        await app.StartAsync();
        var client = new RedshiftDataClient(new SigV4JsonClient(new HttpClient(), AwsJsonService.RedshiftData, new Uri(app.Urls.First() + "/"), "eu-west-1", new Amazon.Runtime.BasicAWSCredentials("AKIDEXAMPLE", "secret")), Target);
        var warehouse = new RedshiftWarehouse(client);
        var files = new ProcessedFiles(Partition, "eca-processed", ZoneLayout.EventsKey(Partition), [], ZoneLayout.OrderLinesKey(Partition), [], 10, 0);

        var loaded = await warehouse.LoadPartitionAsync(files, default);

        Assert.Equal(42, loaded);
        var batch = calls.First(c => c.Target == "RedshiftData.BatchExecuteStatement");
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/", batch.Authorization, StringComparison.Ordinal);
        Assert.Contains("/eu-west-1/redshift-data/aws4_request", batch.Authorization, StringComparison.Ordinal);
        Assert.Equal("eca-wg", batch.Body.GetProperty("WorkgroupName").GetString());
        Assert.Equal(Target.SecretArn, batch.Body.GetProperty("SecretArn").GetString());
        var sqls = batch.Body.GetProperty("Sqls").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(LoadStatements().Count - 1, sqls.Length);   // no order lines to COPY here
        Assert.Contains(calls, c => c.Target == "RedshiftData.GetStatementResult");
        Assert.True(describes >= 3);
    }
}
