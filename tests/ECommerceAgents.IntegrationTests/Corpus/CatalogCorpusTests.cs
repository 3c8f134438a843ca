using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.IntegrationTests.CatalogImport;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;

namespace ECommerceAgents.IntegrationTests.Corpus;

/// <summary>Cases of the corpus that are made by the tests, not committed.</summary>
internal static class GeneratedCases
{
    /// <summary><paramref name="prefix"/> then <paramref name="zeros"/> zero bytes, gzip-compressed (about 1000:1).</summary>
    public static byte[] GzipBomb(byte[] prefix, long zeros)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize))
        {
            gzip.Write(prefix);
            var block = new byte[1 << 20];
            for (long written = 0; written < zeros; written += block.Length) gzip.Write(block);
        }

        return buffer.ToArray();
    }
}

/// <summary>
/// The catalog part of the bad-input corpus (<c>tests/corpus/catalog/</c>, outcomes under <c>catalog/…</c> in
/// <c>tests/corpus/expected.json</c>) through CatalogImport's real handler, the S3 notification and the local servers.
/// Each case must end as the manifest says: a completed import whose report names every rejected row's line and reason,
/// or a file rejected (or refused as unsupported) as a whole with the reason, and nothing written for it. Nothing lost:
/// every row is counted once as ok, rejected or duplicate, and the catalog table and the events stream hold exactly the
/// accepted products.
/// </summary>
public sealed class CatalogCorpusTests
{
    private static string Root => Path.Combine(LocalStackOptions.FindRepositoryRoot(), "tests", "corpus");

    private static IEnumerable<(string Name, byte[] Body)> Cases()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "catalog")).Order(StringComparer.Ordinal))
        {
            yield return ("catalog/" + Path.GetFileName(file), File.ReadAllBytes(file));
        }

        const string header = "sku,title,category,price,currency,stock\n";
        yield return ("generated/gzip-bomb.csv.gz", GeneratedCases.GzipBomb(Encoding.UTF8.GetBytes(header + "CZ-1,Bomb,home,1.00,EUR,1\n"), 256L << 20));
        yield return ("generated/row-2mb.csv", Encoding.UTF8.GetBytes(header + "CL-1,Long Title " + new string('x', 2 << 20) + ",home,1.00,EUR,1\nCL-2,Short Title,home,1.00,EUR,1\n"));
    }

    [Fact]
    public async Task CatalogImport_EveryCase_ReportedAsExpectedAndNothingLost()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "expected.json")))!.AsObject();
        await using var f = await CatalogImportTests.Fixture.StartAsync("catalogcorpus");
        var differences = new List<string>();
        long accepted = 0;
        foreach (var (name, body) in Cases())
        {
            var key = "catalog/incoming/" + name.Replace('/', '-');
            await f.PutAsync(key, body);
            var result = await f.InvokeAsync(key);
            var report = await f.ReportAsync(result);
            // Counted once each: a row neither ok, rejected nor a duplicate would be lost without a trace in the report.
            long rows = Count(report, "rows"), ok = Count(report, "ok"), rejected = Count(report, "rejected"), duplicates = Count(report, "duplicates");
            Assert.True(rows == ok + rejected + duplicates, $"{name}: {rows} rows but {ok} ok + {rejected} rejected + {duplicates} duplicates");

            var status = report["status"]!.GetValue<string>();
            var actual = status == "completed" ? $"completed rows={rows} ok={ok} rejected={rejected} duplicates={duplicates}" : status;
            var lines = string.Join("; ", report["rejectedRows"]!.AsArray().Select(r =>
                $"{r!["line"]} {string.Join('+', r["reasons"]!.AsArray().Select(x => x!.GetValue<string>().Split(':', 2)[0]))}"));
            var expected = manifest[name];
            if (expected?["catalog"]?.GetValue<string>() != actual)
            {
                differences.Add($"{name}: found '{actual}', expected '{expected?["catalog"] ?? "(missing in expected.json)"}' ({report["message"]})");
            }

            if ((expected?["rejected"]?.GetValue<string>() ?? "") != lines) differences.Add($"{name}: rejected rows '{lines}', expected '{expected?["rejected"]}'");
            if (expected?["message"]?.GetValue<string>() is { } message && report["message"]?.GetValue<string>().Contains(message, StringComparison.Ordinal) != true)
            {
                differences.Add($"{name}: message '{report["message"]}' does not say '{message}'");
            }

            if (status == "completed") accepted += ok;
            else
            {
                var importId = report["importId"]!.GetValue<string>();
                var written = (await f.KeysAsync(f.Processed, "")).Where(k => k.Contains(importId, StringComparison.Ordinal)).ToList();
                Assert.True(written.Count == 0, $"{name}: {status} but the import wrote {string.Join(", ", written)}");
            }
        }

        var names = Cases().Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        differences.AddRange(manifest.Where(e => e.Value?["catalog"] is not null && !names.Contains(e.Key)).Select(e => $"{e.Key}: in expected.json but not a case"));
        Assert.True(differences.Count == 0, "catalog outcomes differ from tests/corpus/expected.json:\n  " + string.Join("\n  ", differences));

        // Nothing lost, nothing doubled, nothing unclean stored: every accepted product is one item and one event.
        var items = await ScanAsync(f);
        Assert.Equal(accepted, items.Count);
        Assert.Equal(accepted, (await f.StreamEventsAsync()).Count);
        foreach (var item in items)
        {
            foreach (var field in new[] { "sku", "title" })
            {
                var text = item[field].S;
                Assert.False(text.Any(c => char.IsControl(c) || c is '\uFFFD' or '\uFDD0'), $"{field} '{text}' was stored with a control or replacement character");
            }
        }
    }

    private static long Count(JsonObject report, string field) => report[field]?.GetValue<long>() ?? 0;

    private static async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(CatalogImportTests.Fixture f)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await f.Harness.Stack.DynamoDbClient.ScanAsync(new ScanRequest { TableName = f.Harness.Names.Table(Tables.Catalog), ExclusiveStartKey = start });
            items.AddRange(page.Items);
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);
        return items;
    }
}
