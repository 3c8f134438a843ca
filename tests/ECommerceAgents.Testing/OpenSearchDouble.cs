using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Local.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ECommerceAgents.Testing;

/// <summary>
/// A protocol-faithful double of the OpenSearch REST calls the indexer makes, written from OpenSearch's documented
/// responses, on a loopback Kestrel port:
/// <list type="bullet">
/// <item><c>HEAD /{index}</c> (200/404) and <c>PUT /{index}</c> (200 <c>{"acknowledged":true,"shards_acknowledged":true,"index":…}</c>,
/// or 400 <c>resource_already_exists_exception</c>);</item>
/// <item><c>POST /_bulk</c>: NDJSON that must end with a newline; per-item results in request order with
/// <c>_index</c>, <c>_id</c>, <c>_version</c>, <c>result</c> (created/updated/deleted/not_found), <c>status</c> and, on
/// failure, <c>error {type, reason}</c>; top-level <c>errors</c>. A strict mapping rejects unknown fields
/// (<c>strict_dynamic_mapping_exception</c>, 400) and unparseable numbers or dates (<c>mapper_parsing_exception</c>, 400);</item>
/// <item><c>POST /{index}/_search</c> with <c>match_all</c>, <c>match</c>, <c>multi_match</c>, <c>term</c>; <c>POST /{index}/_refresh</c>;
/// <c>GET /{index}/_doc/{id}</c>.</item>
/// </list>
/// Faults: <see cref="RejectItem"/> answers an item with 429 <c>es_rejected_execution_exception</c> (or any status) a
/// number of times; <see cref="ThrottleRequests"/> answers whole requests 429.
/// </summary>
public sealed class OpenSearchDouble : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, IndexState> _indexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Status, int Times)> _itemFaults = new(StringComparer.Ordinal);
    private int _throttle;

    private OpenSearchDouble(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Every request: method, path, Authorization header.</summary>
    public ConcurrentQueue<(string Method, string Path, string? Authorization)> Requests { get; } = new();

    public int BulkRequests => Requests.Count(r => r.Path.EndsWith("/_bulk", StringComparison.Ordinal));

    public static async Task<OpenSearchDouble> StartAsync()
    {
        var builder = LocalWebHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var double_ = new OpenSearchDouble(app);
        app.Run(double_.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        double_.Endpoint = new Uri(app.Urls.First() + "/");
        return double_;
    }

    /// <summary>The next <paramref name="times"/> bulk items for this id are answered with <paramref name="status"/>.</summary>
    public void RejectItem(string id, int status = 429, int times = 1) => _itemFaults[id] = (status, times);

    public void ThrottleRequests(int times) => Interlocked.Exchange(ref _throttle, times);

    public IReadOnlyDictionary<string, JsonObject> Documents(string index) =>
        _indexes.TryGetValue(index, out var state) ? state.Docs.ToDictionary(d => d.Key, d => d.Value.Source, StringComparer.Ordinal) : new Dictionary<string, JsonObject>();

    public JsonObject? Mappings(string index) => _indexes.TryGetValue(index, out var s) ? s.Body : null;

    private async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        Requests.Enqueue((ctx.Request.Method, path, ctx.Request.Headers.Authorization.FirstOrDefault()));
        using var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync().ConfigureAwait(false);
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        (int Status, JsonNode? Body) answer;
        if (parts.Length > 0 && parts[^1] == "_bulk" && ctx.Request.Method == "POST" && Interlocked.Decrement(ref _throttle) >= 0)
        {
            answer = (429, Error("es_rejected_execution_exception", "rejected execution of coordinating operation [coordinating_and_primary_bytes=104759862, max_coordinating_and_primary_bytes=107374182]", 429));
        }
        else
        {
            answer = (ctx.Request.Method, parts) switch
            {
                ("HEAD", [var index]) => (_indexes.ContainsKey(index) ? 200 : 404, null),
                ("PUT", [var index]) => CreateIndex(index, body),
                ("POST", ["_bulk"]) or ("PUT", ["_bulk"]) => Bulk(body, null),
                ("POST", [var index, "_bulk"]) => Bulk(body, index),
                ("POST" or "GET", [var index, "_search"]) => Search(index, body),
                ("POST", [var index, "_refresh"]) => (_indexes.ContainsKey(index) ? 200 : 404, JsonNode.Parse("""{"_shards":{"total":2,"successful":1,"failed":0}}""")),
                ("GET", [var index, "_doc", var id]) => GetDoc(index, id),
                _ => (400, Error("illegal_argument_exception", $"no handler found for uri [{path}] and method [{ctx.Request.Method}]", 400)),
            };
        }

        ctx.Response.StatusCode = answer.Status;
        if (answer.Body is not null && ctx.Request.Method != "HEAD")
        {
            ctx.Response.ContentType = "application/json; charset=UTF-8";
            await ctx.Response.WriteAsync(answer.Body.ToJsonString()).ConfigureAwait(false);
        }
    }

    private static JsonObject Error(string type, string reason, int status, string? index = null)
    {
        var cause = new JsonObject { ["type"] = type, ["reason"] = reason };
        if (index is not null) cause["index"] = index;
        return new JsonObject
        {
            ["error"] = new JsonObject { ["root_cause"] = new JsonArray(cause.DeepClone()), ["type"] = type, ["reason"] = reason },
            ["status"] = status,
        };
    }

    private (int, JsonNode?) CreateIndex(string index, string body)
    {
        if (index.StartsWith('_') || index.Any(char.IsUpper)) return (400, Error("invalid_index_name_exception", $"Invalid index name [{index}]", 400, index));
        var parsed = string.IsNullOrWhiteSpace(body) ? new JsonObject() : JsonNode.Parse(body)!.AsObject();
        if (!_indexes.TryAdd(index, new IndexState(parsed)))
        {
            return (400, Error("resource_already_exists_exception", $"index [{index}/{Guid.NewGuid():N}] already exists", 400, index));
        }

        return (200, new JsonObject { ["acknowledged"] = true, ["shards_acknowledged"] = true, ["index"] = index });
    }

    private (int, JsonNode?) Bulk(string body, string? defaultIndex)
    {
        if (body.Length == 0 || body[^1] != '\n') return (400, Error("illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]", 400));
        var lines = body.Split('\n');
        var items = new JsonArray();
        var errors = false;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            var action = JsonNode.Parse(lines[i])!.AsObject();
            var (op, meta) = action.First();
            var index = meta?["_index"]?.GetValue<string>() ?? defaultIndex ?? "";
            var id = meta?["_id"]?.GetValue<string>() ?? Guid.NewGuid().ToString("N");
            JsonObject? source = null;
            if (op is "index" or "create" or "update") source = JsonNode.Parse(lines[++i])!.AsObject();
            var result = new JsonObject { ["_index"] = index, ["_id"] = id };
            if (_itemFaults.TryGetValue(id, out var fault) && fault.Times > 0)
            {
                _itemFaults[id] = (fault.Status, fault.Times - 1);
                result["status"] = fault.Status;
                result["error"] = fault.Status == 429
                    ? new JsonObject { ["type"] = "es_rejected_execution_exception", ["reason"] = $"rejected execution of primary operation [shard_detail=[{index}][0][node-1]] on write thread pool, queue capacity = 10000" }
                    : new JsonObject { ["type"] = fault.Status >= 500 ? "node_not_connected_exception" : "illegal_argument_exception", ["reason"] = "injected failure" };
                errors = true;
            }
            else
            {
                var state = _indexes.GetOrAdd(index, _ => new IndexState(new JsonObject()));
                if (op == "delete")
                {
                    var existed = state.Docs.TryRemove(id, out var old);
                    result["_version"] = (old.Version) + 1;
                    result["result"] = existed ? "deleted" : "not_found";
                    result["status"] = existed ? 200 : 404;
                }
                else if (state.Validate(id, source!) is { } problem)
                {
                    result["status"] = 400;
                    result["error"] = new JsonObject { ["type"] = problem.Type, ["reason"] = problem.Reason };
                    errors = true;
                }
                else
                {
                    var version = state.Docs.TryGetValue(id, out var existing) ? existing.Version + 1 : 1;
                    state.Docs[id] = (source!, version);
                    result["_version"] = version;
                    result["result"] = version == 1 ? "created" : "updated";
                    result["_shards"] = new JsonObject { ["total"] = 2, ["successful"] = 1, ["failed"] = 0 };
                    result["_seq_no"] = Interlocked.Increment(ref state.SeqNo);
                    result["_primary_term"] = 1;
                    result["status"] = version == 1 ? 201 : 200;
                }
            }

            items.Add(new JsonObject { [op] = result });
        }

        return (200, new JsonObject { ["took"] = 3, ["errors"] = errors, ["items"] = items });
    }

    private (int, JsonNode?) GetDoc(string index, string id)
    {
        if (!_indexes.TryGetValue(index, out var state)) return (404, Error("index_not_found_exception", $"no such index [{index}]", 404, index));
        return state.Docs.TryGetValue(id, out var doc)
            ? (200, new JsonObject { ["_index"] = index, ["_id"] = id, ["_version"] = doc.Version, ["_seq_no"] = 0, ["_primary_term"] = 1, ["found"] = true, ["_source"] = doc.Source.DeepClone() })
            : (404, new JsonObject { ["_index"] = index, ["_id"] = id, ["found"] = false });
    }

    private (int, JsonNode?) Search(string index, string body)
    {
        if (!_indexes.TryGetValue(index, out var state)) return (404, Error("index_not_found_exception", $"no such index [{index}]", 404, index));
        var query = string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body)?["query"]?.AsObject();
        var size = string.IsNullOrWhiteSpace(body) ? 10 : JsonNode.Parse(body)?["size"]?.GetValue<int>() ?? 10;
        var hits = state.Docs.Where(d => Matches(query, d.Value.Source)).OrderBy(d => d.Key, StringComparer.Ordinal).ToArray();
        var array = new JsonArray();
        foreach (var (id, (source, _)) in hits.Take(size))
        {
            array.Add(new JsonObject { ["_index"] = index, ["_id"] = id, ["_score"] = 1.0, ["_source"] = source.DeepClone() });
        }

        return (200, new JsonObject
        {
            ["took"] = 1,
            ["timed_out"] = false,
            ["_shards"] = new JsonObject { ["total"] = 1, ["successful"] = 1, ["skipped"] = 0, ["failed"] = 0 },
            ["hits"] = new JsonObject { ["total"] = new JsonObject { ["value"] = hits.Length, ["relation"] = "eq" }, ["max_score"] = hits.Length > 0 ? 1.0 : null, ["hits"] = array },
        });
    }

    /// <summary>match_all; term (exact); match / multi_match (any lowercase token, with a trailing-s stem, as product_text does).</summary>
    private static bool Matches(JsonObject? query, JsonObject doc)
    {
        if (query is null || query.ContainsKey("match_all")) return true;
        if (query["term"] is JsonObject term)
        {
            var (field, value) = term.First();
            var expected = value is JsonObject o ? o["value"] : value;
            return doc[field]?.ToJsonString() == expected?.ToJsonString();
        }

        if (query["match"] is JsonObject match)
        {
            var (field, value) = match.First();
            var text = value is JsonObject o ? o["query"]!.GetValue<string>() : value!.GetValue<string>();
            return TokensMatch(text, doc[field]);
        }

        if (query["multi_match"] is JsonObject multi)
        {
            var text = multi["query"]!.GetValue<string>();
            return multi["fields"]!.AsArray().Any(f => TokensMatch(text, doc[f!.GetValue<string>().Split('^')[0]]));
        }

        return false;
    }

    private static bool TokensMatch(string text, JsonNode? field)
    {
        if (field is null) return false;
        var haystack = field is JsonArray a ? string.Join(" ", a.Select(x => x?.ToString())) : field.ToString();
        var have = Tokens(haystack).ToHashSet(StringComparer.Ordinal);
        return Tokens(text).Any(have.Contains);
    }

    private static IEnumerable<string> Tokens(string s) => s.ToLowerInvariant().Split([' ', ',', '.', '-', '/', '(', ')'], StringSplitOptions.RemoveEmptyEntries)
        .Select(t => t.Length > 3 && t.EndsWith('s') ? t[..^1] : t);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private sealed class IndexState(JsonObject body)
    {
        public long SeqNo = -1;

        public JsonObject Body { get; } = body;

        public ConcurrentDictionary<string, (JsonObject Source, long Version)> Docs { get; } = new(StringComparer.Ordinal);

        /// <summary>What a strict mapping refuses: unknown fields, and values of the wrong kind for numeric, date and keyword fields.</summary>
        public (string Type, string Reason)? Validate(string id, JsonObject source)
        {
            if (Body["mappings"] is not JsonObject mappings || mappings["properties"] is not JsonObject properties) return null;
            var strict = mappings["dynamic"]?.GetValue<string>() == "strict";
            foreach (var (field, value) in source)
            {
                if (properties[field] is not JsonObject mapping)
                {
                    if (strict) return ("strict_dynamic_mapping_exception", $"mapping set to strict, dynamic introduction of [{field}] within [_doc] is not allowed");
                    continue;
                }

                if (value is null) continue;
                var type = mapping["type"]?.GetValue<string>();
                var kind = value.GetValueKind();
                var bad = type switch
                {
                    "integer" or "long" or "float" or "double" or "scaled_float" => kind != JsonValueKind.Number && !(kind == JsonValueKind.String && double.TryParse(value.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out _)),
                    "date" => kind == JsonValueKind.String ? !DateTimeOffset.TryParse(value.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out _) : kind != JsonValueKind.Number,
                    "keyword" => kind is JsonValueKind.Object,
                    _ => false,
                };
                if (bad) return ("mapper_parsing_exception", $"failed to parse field [{field}] of type [{type}] in document with id '{id}'. Preview of field's value: '{value.ToJsonString()}'");
            }

            return null;
        }
    }
}
