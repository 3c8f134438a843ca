using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using StackExchange.Redis;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Testing;

/// <summary>
/// A count and a hash of everything the platform holds for one set of resources: every DynamoDB item, every enriched
/// and quarantined record, every Redis key. Names are taken relative to the set's prefix, so two sets filled the same
/// way have equal checksums. Left out: "when it was processed" stamps (<c>lineage.processingTime</c> in enriched
/// records, where dedup markers fell in the window's generations (Redis, their own part, one row per marker), <c>updatedAt</c>), write counters (<c>version</c>, which counts writes,
/// not state), and recommendation lists, a cache recomputed from the current state (and the trending window of that
/// moment) whenever a user is active, so they depend on when that was.
/// </summary>
public sealed record StoreChecksum(IReadOnlyDictionary<string, (int Count, string Hash)> Parts)
{
    /// <summary>The canonical rows behind each part, to show what differs.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Rows { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    public static async Task<StoreChecksum> ComputeAsync(LocalStack stack, ResourceBindings names, string redisPrefix)
    {
        var parts = new SortedDictionary<string, (int, string)>(StringComparer.Ordinal);
        var all = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        (int, string) Keep(string part, List<string> rows)
        {
            all[part] = rows;
            return Digest(rows);
        }

        foreach (var table in Tables.All)
        {
            var items = new List<Dictionary<string, AttributeValue>>();
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var page = await stack.DynamoDbClient.ScanAsync(new ScanRequest { TableName = names.Table(table), ExclusiveStartKey = start, ConsistentRead = true }).ConfigureAwait(false);
                items.AddRange(page.Items);
                start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);
            var rows = (table == Tables.ProductStats ? ProductTotals(items) : items).Select(Canonical).ToList();
            parts["dynamodb:" + table.Id] = Keep("dynamodb:" + table.Id, rows);
        }

        parts["s3:enriched"] = Keep("s3:enriched", await EnrichedLinesAsync(stack, names.Bucket(Buckets.Enriched), "events/").ConfigureAwait(false));
        parts["s3:bots"] = Keep("s3:bots", await EnrichedLinesAsync(stack, names.Bucket(Buckets.Enriched), "bots/").ConfigureAwait(false));
        parts["s3:quarantine"] = Keep("s3:quarantine", await QuarantinedAsync(stack, names.Bucket(Buckets.Quarantine)).ConfigureAwait(false));
        parts["s3:realtime-pending"] = Keep("s3:realtime-pending", await ObjectsAsync(stack, names.Bucket(Buckets.Quarantine), ZoneLayout.RealtimePending).ConfigureAwait(false));
        var redis = await RedisAsync(stack.Endpoints.Redis!, redisPrefix).ConfigureAwait(false);
        parts["redis:dedup"] = Keep("redis:dedup", redis.Where(IsDedup).ToList());
        parts["redis"] = Keep("redis", redis.Where(r => !IsDedup(r)).ToList());
        return new StoreChecksum(parts) { Rows = all };
    }

    public int Count(string part) => Parts[part].Count;

    private static bool IsDedup(string row) => row.StartsWith("dedup:", StringComparison.Ordinal);

    /// <summary>The dedup window's keys: its generations' sets of markers and their sizes.</summary>
    private static bool IsDedupKey(string name) => name.StartsWith("d:", StringComparison.Ordinal);

    public override string ToString() => string.Join("\n", Parts.Select(p => $"{p.Key}: {p.Value.Count} {p.Value.Hash[..12]}"));

    /// <summary>The parts that differ, as "part: count hash → count hash", with the first row each side has alone.</summary>
    public string Diff(StoreChecksum other) =>
        string.Join("\n", Parts.Where(p => !other.Parts.TryGetValue(p.Key, out var o) || o != p.Value)
            .Select(p => $"{p.Key}: {p.Value.Count} {p.Value.Hash[..12]} → {(other.Parts.TryGetValue(p.Key, out var o) ? $"{o.Count} {o.Hash[..12]}" : "missing")}"
                + (Rows.TryGetValue(p.Key, out var mine) && other.Rows.TryGetValue(p.Key, out var theirs)
                    ? $"\n  only here:  {Trim(mine.Except(theirs).FirstOrDefault())}\n  only there: {Trim(theirs.Except(mine).FirstOrDefault())}"
                    : "")));

    private static string? Trim(string? row) => row is { Length: > 700 } ? row[..700] + "…" : row;

    public bool Matches(StoreChecksum other) => Parts.Count == other.Parts.Count && Parts.All(p => other.Parts.TryGetValue(p.Key, out var o) && o == p.Value);

    private static (int, string) Digest(IEnumerable<string> rows)
    {
        var sorted = rows.Order(StringComparer.Ordinal).ToArray();
        return (sorted.Length, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", sorted)))));
    }

    /// <summary>
    /// Product counters are kept per product and shard, with the shard's watermark, so their items depend on how the
    /// records fell into shards and batches; what must equal one clean delivery is each product's total.
    /// </summary>
    private static IEnumerable<Dictionary<string, AttributeValue>> ProductTotals(List<Dictionary<string, AttributeValue>> items) =>
        items.GroupBy(i => i["sku"].S, StringComparer.Ordinal).Select(g => new Dictionary<string, AttributeValue>
        {
            ["sku"] = new() { S = g.Key },
            ["category"] = new() { S = g.Select(i => i.TryGetValue("category", out var c) ? c.S : null).FirstOrDefault(c => c is not null) },
            ["views"] = Total(g, "views"),
            ["cartAdds"] = Total(g, "cartAdds"),
            ["cartRemoves"] = Total(g, "cartRemoves"),
            ["purchases"] = Total(g, "purchases"),
            ["revenue"] = Total(g, "revenue"),
        });

    private static AttributeValue Total(IEnumerable<Dictionary<string, AttributeValue>> items, string name) =>
        new() { N = items.Sum(i => i.TryGetValue(name, out var v) && v.N is not null ? decimal.Parse(v.N, System.Globalization.CultureInfo.InvariantCulture) : 0).ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static readonly HashSet<string> WhenNotWhat = ["expiresAt", "updatedAt", "version"];

    private static string Canonical(Dictionary<string, AttributeValue> item) =>
        string.Join("|", item.Where(kv => !WhenNotWhat.Contains(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => kv.Key + "=" + (kv.Key == "doc" ? WithoutVersion(kv.Value.S) : Value(kv.Value))));

    private static string WithoutVersion(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node.Remove("version");
        return node.ToJsonString();
    }

    private static string Value(AttributeValue v) =>
        v.S ?? v.N ?? (v.BOOL is { } b ? b.ToString() : null)
        ?? (v.M is { Count: > 0 } m ? "{" + Canonical(m) + "}" : null)
        ?? (v.L is { Count: > 0 } l ? "[" + string.Join(",", l.Select(Value)) + "]" : null)
        ?? (v.SS is { Count: > 0 } ss ? "<" + string.Join(",", ss.Order(StringComparer.Ordinal)) + ">" : "null");

    public static async Task<List<string>> EnrichedLinesAsync(LocalStack stack, string bucket, string prefix)
    {
        var lines = new List<string>();
        foreach (var key in await KeysAsync(stack, bucket, prefix).ConfigureAwait(false))
        {
            using var response = await stack.S3Client.GetObjectAsync(bucket, key).ConfigureAwait(false);
            using var gzip = new GZipStream(response.ResponseStream, CompressionMode.Decompress);
            using var reader = new StreamReader(gzip, Encoding.UTF8);
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { Length: > 0 } line)
            {
                var node = JsonNode.Parse(line)!.AsObject();
                node["lineage"]!.AsObject().Remove("processingTime");
                lines.Add(node.ToJsonString());
            }
        }

        return lines;
    }

    /// <summary>
    /// The quarantined records, one row each: its folder (reason, arrival date and hour) and the record. An object holds a
    /// micro-batch's records and is named after the first, so objects differ with how the records fell into batches; a
    /// record written twice (a micro-batch retried from its middle) is one row.
    /// </summary>
    public static async Task<List<string>> QuarantinedAsync(LocalStack stack, string bucket) =>
        [.. (await QuarantineRecordsAsync(stack, bucket).ConfigureAwait(false)).Select(r => r.Name + "=" + r.Json).Distinct(StringComparer.Ordinal)];

    /// <summary>Every quarantined record as stored: its object's key, the name it is counted under (a one-record object's key, else its folder) and its JSON.</summary>
    public static async Task<List<(string Key, string Name, string Json)>> QuarantineRecordsAsync(LocalStack stack, string bucket)
    {
        var rows = new List<(string, string, string)>();
        foreach (var key in await KeysAsync(stack, bucket, ZoneLayout.Quarantine).ConfigureAwait(false))
        {
            using var response = await stack.S3Client.GetObjectAsync(bucket, key).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer).ConfigureAwait(false);
            var name = key.EndsWith(".jsonl", StringComparison.Ordinal) ? key[..(key.LastIndexOf('/') + 1)] : key;
            foreach (var record in ZoneLayout.QuarantineRecords(key, buffer.ToArray())) rows.Add((key, name, Encoding.UTF8.GetString(record.Span)));
        }

        return rows;
    }

    private static async Task<List<string>> ObjectsAsync(LocalStack stack, string bucket, string prefix)
    {
        var rows = new List<string>();
        foreach (var key in await KeysAsync(stack, bucket, prefix).ConfigureAwait(false))
        {
            using var response = await stack.S3Client.GetObjectAsync(bucket, key).ConfigureAwait(false);
            using var reader = new StreamReader(response.ResponseStream);
            rows.Add(key + "=" + await reader.ReadToEndAsync().ConfigureAwait(false));
        }

        return rows;
    }

    public static async Task<List<string>> KeysAsync(LocalStack stack, string bucket, string prefix)
    {
        var keys = new List<string>();
        string? token = null;
        do
        {
            var page = await stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = token }).ConfigureAwait(false);
            keys.AddRange((page.S3Objects ?? []).Select(o => o.Key));
            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return keys;
    }

    private static async Task<List<string>> RedisAsync(string configuration, string prefix)
    {
        await using var redis = await RedisConnectionFactory.ConnectAsync(configuration).ConfigureAwait(false);
        var db = redis.GetDatabase();
        var rows = new List<string>();
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: prefix + "*", pageSize: 1000).ConfigureAwait(false))
            {
                var name = ((string)key!)[prefix.Length..];
                if (name.EndsWith(":recs", StringComparison.Ordinal)) continue;
                if (IsDedupKey(name))
                {
                    // One row per marker, without the generation and hash it fell in (they follow the clock).
                    if (await db.KeyTypeAsync(key).ConfigureAwait(false) == RedisType.Set)
                    {
                        rows.AddRange((await db.SetMembersAsync(key).ConfigureAwait(false)).Select(m => $"dedup:{m}"));
                    }

                    continue;
                }

                var value = await db.KeyTypeAsync(key).ConfigureAwait(false) switch
                {
                    RedisType.String => (string)(await db.StringGetAsync(key).ConfigureAwait(false))!,
                    RedisType.Hash => string.Join(",", (await db.HashGetAllAsync(key).ConfigureAwait(false)).Select(e => $"{e.Name}={e.Value}").Order(StringComparer.Ordinal)),
                    RedisType.SortedSet => string.Join(",", (await db.SortedSetRangeByRankWithScoresAsync(key).ConfigureAwait(false)).Select(e => $"{e.Element}={e.Score}").Order(StringComparer.Ordinal)),
                    RedisType.Set => string.Join(",", (await db.SetMembersAsync(key).ConfigureAwait(false)).Select(v => (string)v!).Order(StringComparer.Ordinal)),
                    var other => other.ToString(),
                };
                rows.Add(name + "=" + value);
            }
        }

        return rows;
    }
}
