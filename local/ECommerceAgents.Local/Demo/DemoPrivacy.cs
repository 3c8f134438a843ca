using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Adapters.Redis;
using ECommerceAgents.Domain.Batch;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using Npgsql;

namespace ECommerceAgents.Local.Demo;

/// <summary>One shopper of the demo's privacy phase: who they are and the events they send.</summary>
public sealed record PrivacyShopper(string UserId, string AnonymousId, string Email, string Ip, string DeviceId, string Query, IReadOnlyList<(string Id, string Type, string Json)> Events);

/// <summary>
/// The demo's privacy phase: a few shoppers of the run, with e-mail, IP, device id and search text, browse beside the
/// generated shop; after the batch, each asks for their export, then for erasure, through the API's privacy requests.
/// The checks: every request ends done (accepted → in progress → done), each export holds exactly the shopper's events
/// from the warehouse and their records as sent, after erasure no store holds any of their values (DynamoDB, Redis, the
/// zones, the exports, the warehouse), and the audit chain verifies. Their events are pages, searches and sign-ins
/// only, so the shop's aggregates (product stats, trending, orders) are the generator's alone; the real-time counters,
/// which erasure keeps (they name no one), count them on top (<see cref="CounterTotals"/>).
/// </summary>
public static class DemoPrivacy
{
    public const int DefaultShoppers = 3;

    /// <summary>The run's privacy shoppers, the same for the same run id and end (so a later reconcile rebuilds them).</summary>
    public static IReadOnlyList<PrivacyShopper> Shoppers(string runId, DateTimeOffset end, int count)
    {
        var at = end.AddMinutes(-10);
        var list = new List<PrivacyShopper>();
        for (var i = 0; i < count; i++)
        {
            var user = $"privacy-{runId}-{i}";
            var anonymous = "anon-" + user;
            var email = $"privacy{i}.{runId}@example.org";
            var ip = $"192.0.2.{10 + i}";
            var device = $"dev-privacy-{runId}-{i}";
            var query = $"gift for my private friend {runId} {i}";
            string Event(string type, string id, string data, int minute) =>
                $$"""{"schema":"com.ecommerceagents/{{type}}/1-0-0","eventId":"{{id}}","eventTime":"{{at.AddMinutes(minute).ToString("O", CultureInfo.InvariantCulture)}}","userId":"{{user}}","anonymousId":"{{anonymous}}","context":{"ip":"{{ip}}","email":"{{email}}","deviceId":"{{device}}","locale":"en-GB","userAgent":"Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0"},"data":{{data}}}""";
            var events = new List<(string, string, string)>();
            void Add(string type, string data, int minute)
            {
                // A UUID, as the envelope requires, derived from the run, the shopper and the event's place.
                var id = new Guid(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"privacy-{runId}-{i}-{events.Count}")).AsSpan(0, 16)).ToString();
                events.Add((id, type, Event(type, id, data, minute)));
            }

            Add("page_view", """{"url":"https://shop.example/"}""", 0);
            Add("search", $$"""{"query":"{{query}}","resultsCount":4}""", 1);
            Add("identify", """{"method":"login"}""", 2);
            Add("page_view", """{"url":"https://shop.example/account"}""", 3);
            list.Add(new PrivacyShopper(user, anonymous, email, ip, device, query, events));
        }

        return list;
    }

    /// <summary>What the privacy shoppers add to the real-time counter totals (events, and per type).</summary>
    public static IReadOnlyDictionary<string, int> CounterTotals(IReadOnlyList<PrivacyShopper> shoppers)
    {
        var totals = new Dictionary<string, int>(StringComparer.Ordinal) { ["events"] = shoppers.Sum(s => s.Events.Count) };
        foreach (var g in shoppers.SelectMany(s => s.Events).GroupBy(e => e.Type)) totals["type:" + g.Key] = g.Count();
        return totals;
    }

    public static async Task SendAsync(HttpClient api, string adminKey, IReadOnlyList<PrivacyShopper> shoppers, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/events")
        {
            Content = new StringContent("[" + string.Join(",", shoppers.SelectMany(s => s.Events).Select(e => e.Json)) + "]", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", adminKey);
        using var response = await api.SendAsync(request, ct);
        if ((int)response.StatusCode != 202) throw new CliException($"privacy shoppers: the API answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}", 1);
    }

    /// <summary>Exports, then erases, every privacy shopper, running the batch after each step; returns the checks.</summary>
    public static async Task<IReadOnlyList<DemoCheck>> RunAsync(LocalStack stack, DemoStores stores, HttpClient api, string adminKey, IReadOnlyList<PrivacyShopper> shoppers,
        Func<Task> runBatch, DemoProgress progress, CancellationToken ct)
    {
        var checks = new List<DemoCheck>();
        progress("privacy", 0, 3, $"{shoppers.Count} shoppers ask for their data");
        var exports = new List<string>();
        foreach (var s in shoppers) exports.Add(await RequestAsync(api, adminKey, HttpMethod.Post, $"v1/users/{s.UserId}/export", ct));
        await runBatch();
        var exported = new List<string>();
        var asSent = new List<string>();
        var exportsDone = 0;
        for (var i = 0; i < shoppers.Count; i++)
        {
            var status = await StatusAsync(api, adminKey, exports[i], ct);
            if (Done(status)) exportsDone++;
            if (status["download"]?.GetValue<string>() is not { } link) continue;
            using var download = new HttpClient();
            var export = (await download.GetFromJsonAsync<JsonObject>(link, ct))!;
            exported.AddRange((export["warehouse"]?["fct_events"]?.AsArray() ?? []).Select(r => r?["event_id"]?.GetValue<string>() ?? "?"));
            var raw = export["zones"]?["raw"]?.ToJsonString() ?? "";
            if (raw.Contains(shoppers[i].Email, StringComparison.Ordinal) && raw.Contains(shoppers[i].Ip, StringComparison.Ordinal)) asSent.Add(shoppers[i].UserId);
        }

        var ids = shoppers.SelectMany(s => s.Events.Select(e => e.Id)).ToHashSet(StringComparer.Ordinal);
        checks.Add(Check("exports done, accepted → in progress → done", shoppers.Count, exportsDone));
        checks.Add(DemoReconciliation.IdCheck("privacy", "… each with exactly the shopper's events from the warehouse", ids, exported));
        checks.Add(Check("… and their records as sent (e-mail and IP) from the raw archive", shoppers.Count, asSent.Count));

        progress("privacy", 1, 3, $"{shoppers.Count} shoppers ask to be erased");
        var erasures = new List<string>();
        foreach (var s in shoppers) erasures.Add(await RequestAsync(api, adminKey, HttpMethod.Delete, $"v1/users/{s.UserId}", ct));
        await runBatch();
        var erased = 0;
        foreach (var e in erasures) erased += Done(await StatusAsync(api, adminKey, e, ct)) ? 1 : 0;
        checks.Add(Check("erasures done, accepted → in progress → done", shoppers.Count, erased));

        progress("privacy", 2, 3, "searching every store for the erased shoppers");
        var left = await LeftAsync(stack, stores, shoppers, ct);
        checks.Add(new DemoCheck("privacy", "values of the erased shoppers (ids, e-mail, IP, device, search text) in any store", "0", left.Count.ToString(CultureInfo.InvariantCulture), left.Count == 0,
            left.Count == 0 ? null : string.Join("; ", left.Take(5))));

        using var audit = new AuditChainStore(stack.DynamoDbClient, stores.Names, TimeProvider.System);
        var verification = await audit.VerifyAsync(AuditChain.Retention, ct);
        checks.Add(new DemoCheck("privacy", "audit chain verifies, every request's moves in it", "intact", verification.Intact ? "intact" : "broken", verification.Intact, verification.Problem?.Detail));
        progress("privacy", 3, 3, left.Count == 0 ? "nothing of them left" : $"{left.Count} values left");
        return checks;
    }

    /// <summary>An item's keys and values as one text, nested values included.</summary>
    private static string Text(Dictionary<string, AttributeValue> item)
    {
        var text = new StringBuilder();
        void Add(AttributeValue v)
        {
            text.Append(v.S).Append('|').Append(v.N).Append('|');
            foreach (var e in v.L ?? []) Add(e);
            foreach (var (k, e) in v.M ?? []) Add(e.S is null ? e : new AttributeValue { S = k + "=" + e.S });
            foreach (var e in v.SS ?? []) text.Append(e).Append('|');
        }

        foreach (var (k, v) in item)
        {
            text.Append(k).Append('=');
            Add(v);
        }

        return text.ToString();
    }

    private static DemoCheck Check(string name, int expected, int found) =>
        new("privacy", name, expected.ToString(CultureInfo.InvariantCulture), found.ToString(CultureInfo.InvariantCulture), expected == found);

    private static bool Done(JsonObject status) =>
        status["status"]?.GetValue<string>() == PrivacyRequest.Done
        && (status["history"]?.AsArray().Select(h => h?["status"]?.GetValue<string>()).SequenceEqual([PrivacyRequest.Accepted, PrivacyRequest.InProgress, PrivacyRequest.Done]) ?? false);

    private static async Task<string> RequestAsync(HttpClient api, string adminKey, HttpMethod method, string path, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-api-key", adminKey);
        using var response = await api.SendAsync(request, ct);
        if ((int)response.StatusCode != 202 || response.Headers.Location is not { } location)
        {
            throw new CliException($"privacy: {method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}", 1);
        }

        return location.ToString().TrimStart('/');
    }

    private static async Task<JsonObject> StatusAsync(HttpClient api, string adminKey, string location, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, location);
        request.Headers.Add("x-api-key", adminKey);
        using var response = await api.SendAsync(request, ct);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!;
    }

    /// <summary>
    /// Where any of the shoppers' values is still found, as "store: value". Searched by value in every DynamoDB table
    /// but the four that keep the user id by law (consent, tombstones, privacy requests, audit: there only the id is
    /// allowed), every Redis key and string under the run's prefix, every object of the raw, quarantine, enriched and
    /// exports buckets, the processed zone's Parquet, and the warehouse's facts and dimensions.
    /// </summary>
    private static async Task<List<string>> LeftAsync(LocalStack stack, DemoStores stores, IReadOnlyList<PrivacyShopper> shoppers, CancellationToken ct)
    {
        var values = shoppers.SelectMany(s => new[] { s.UserId, s.AnonymousId, s.Email, s.Ip, s.DeviceId, s.Query }).ToArray();
        var personal = shoppers.SelectMany(s => new[] { s.AnonymousId, s.Email, s.Ip, s.DeviceId, s.Query }).ToArray();
        var found = new List<string>();
        void Search(string store, string text, IReadOnlyList<string> among)
        {
            foreach (var v in among)
            {
                if (text.Contains(v, StringComparison.Ordinal)) found.Add($"{store}: {v}");
            }
        }

        var keptById = new[] { Tables.Consent, Tables.Tombstones, Tables.PrivacyRequests, Tables.Audit };
        foreach (var table in Tables.All)
        {
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var page = await stack.DynamoDbClient.ScanAsync(new ScanRequest { TableName = stores.Names.Table(table), ExclusiveStartKey = start }, ct);
                foreach (var item in page.Items ?? []) Search("dynamodb:" + table.Id, Text(item), keptById.Contains(table) ? personal : values);
                start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);
        }

        await using (var redis = await RedisConnectionFactory.ConnectAsync(stack.Endpoints.Redis ?? throw new CliException("the local stack has no Redis", 1)))
        {
            var db = redis.GetDatabase();
            foreach (var server in redis.GetServers())
            {
                await foreach (var key in server.KeysAsync(pattern: stores.RedisPrefix + "*"))
                {
                    Search("redis:key", key.ToString(), values);
                    if (await db.KeyTypeAsync(key) == StackExchange.Redis.RedisType.String) Search("redis", (await db.StringGetAsync(key)).ToString(), values);
                }
            }
        }

        foreach (var bucket in new[] { Buckets.Raw, Buckets.Quarantine, Buckets.Enriched, Buckets.Exports })
        {
            var name = stores.Names.Bucket(bucket);
            await foreach (var key in DemoRun.KeysAsync(stack, name, "", ct)) Search("s3:" + bucket.Id, Encoding.UTF8.GetString(Gzip.Decompress(await DemoRun.ReadAsync(stack, name, key, ct))), values);
        }

        var processed = stores.Names.Bucket(Buckets.Processed);
        await foreach (var key in DemoRun.KeysAsync(stack, processed, ZoneLayout.ProcessedEvents, ct))
        {
            if (!key.EndsWith(".parquet", StringComparison.Ordinal)) continue;
            foreach (var row in await DemoRun.Parquet.DecodeEventsAsync(await DemoRun.ReadAsync(stack, processed, key, ct), ct))
            {
                Search("s3:processed", string.Join("|", row.UserId, row.AnonymousId, row.ResolvedUserId, row.SearchQuery), values);
            }
        }

        await using var connection = new NpgsqlConnection(stores.Warehouse);
        await connection.OpenAsync(ct);
        foreach (var table in Adapters.Warehouse.WarehouseCatalog.Tables)
        {
            await using var command = new NpgsqlCommand($"select t::text from eca.{table} t", connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) Search("warehouse:" + table, reader.GetString(0), values);
        }

        return found;
    }
}
