using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Domain.Enrichment;
using Microsoft.AspNetCore.Mvc;

namespace ECommerceAgents.Functions.Api;

/// <summary>
/// Reads for agents and dashboards: profile and recommendations (cache-aside: Redis, then DynamoDB), the live
/// recommendations stream (Server-Sent Events), products, product search (OpenSearch), real-time metrics. The user
/// routes return personal data: each call is audited (<see cref="AuditsPersonalRead"/>).
/// </summary>
public static class QueryEndpoints
{
    private static readonly PreferenceExtractor Preferences = new();

    public static void Map(WebApplication app)
    {
        var query = new RequiresRole(ApiRole.Query);
        app.MapGet("/v1/users/{id}/profile", ProfileAsync).WithMetadata(query, new AuditsPersonalRead("read.profile"));
        app.MapGet("/v1/users/{id}/recommendations", RecommendationsAsync).WithMetadata(query, new AuditsPersonalRead("read.recommendations"));
        app.MapGet("/v1/products/search", SearchAsync).WithMetadata(query);
        app.MapGet("/v1/products/{sku}", ProductAsync).WithMetadata(query);
        app.MapGet("/v1/metrics/realtime", MetricsAsync).WithMetadata(query);
        MapStream(app);
    }

    /// <summary>The recommendations push, alone in the ApiStream function.</summary>
    public static void MapStream(WebApplication app) =>
        app.MapGet("/v1/users/{id}/recommendations/stream", StreamAsync).WithMetadata(new RequiresRole(ApiRole.Query), new AuditsPersonalRead("read.recommendations_stream"));

    /// <summary>JSON text as the answer, with whether it came from the real-time cache.</summary>
    private static IResult JsonText(HttpContext context, string json, string? cache = null)
    {
        if (cache is not null) context.Response.Headers["x-cache"] = cache;
        return Results.Content(json, "application/json", Encoding.UTF8);
    }

    private static async Task<IResult> ProfileAsync(HttpContext context, IRealtimeReads realtime, IUserReads users, ApiOptions options, TimeProvider clock, string id)
    {
        if (ApiApplication.InvalidUserId(context, id) is { } invalid) return invalid;
        if (await realtime.CachedProfileAsync(id) is { } cached) return JsonText(context, cached, "hit");

        var profile = await users.ProfileAsync(id, context.RequestAborted);
        var subject = await users.SubjectAsync(id, context.RequestAborted);
        if (profile is null && subject is null) return UnknownUser(context, id);
        var now = clock.GetUtcNow();
        var recent = await realtime.RecentlyViewedAsync(id, 10);
        JsonArray Top(Dictionary<string, double>? dimension) => profile is null || dimension is null
            ? []
            : new JsonArray(Preferences.Top(dimension, profile.AffinitiesAsOf, now, 5).Select(t => (JsonNode?)new JsonObject { ["key"] = t.Key, ["score"] = t.Score }).ToArray());
        var json = new JsonObject
        {
            ["userId"] = id,
            ["firstSeen"] = profile?.FirstSeen,
            ["lastSeen"] = profile?.LastSeen,
            ["engagement"] = profile?.Engagement,
            ["intent"] = profile?.Intent,
            ["sessions"] = profile?.Sessions,
            ["orders"] = profile?.Orders,
            ["spend"] = profile?.Spend,
            ["spendCurrency"] = profile?.SpendCurrency,
            ["counters"] = profile is null ? null : new JsonObject(profile.Counters.Select(c => new KeyValuePair<string, JsonNode?>(c.Key, c.Value))),
            ["affinities"] = new JsonObject { ["category"] = Top(profile?.Affinities.Category), ["brand"] = Top(profile?.Affinities.Brand), ["priceBand"] = Top(profile?.Affinities.PriceBand) },
            ["currentSession"] = subject?.Current is { } s ? new JsonObject { ["id"] = s.Id, ["start"] = s.Start, ["end"] = s.End, ["events"] = s.Counters.Events, ["intent"] = s.Intent, ["engagement"] = s.Engagement } : null,
            ["recentlyViewed"] = RecentlyViewed(recent),
        };
        var text = json.ToJsonString();
        await realtime.CacheProfileAsync(id, text, options.ProfileCacheTtl);
        return JsonText(context, text, "miss");
    }

    /// <summary>A user's recently viewed products, newest first, as the profile and the export show them.</summary>
    public static JsonArray RecentlyViewed(IReadOnlyList<(string Sku, DateTimeOffset ViewedAt)> recent) =>
        new(recent.Select(r => (JsonNode?)new JsonObject { ["sku"] = r.Sku, ["viewedAt"] = r.ViewedAt }).ToArray());

    private static IResult UnknownUser(HttpContext context, string id) => ApiProblems.Result(context, 404, "Unknown user", $"No profile is held for user '{id}'.");

    private static async Task<IResult> RecommendationsAsync(HttpContext context, IRealtimeReads realtime, IUserReads users, IProductReads products, TimeProvider clock, string id)
    {
        if (ApiApplication.InvalidUserId(context, id) is { } invalid) return invalid;
        if (await realtime.RecommendationsAsync(id) is { } live) return JsonText(context, live, "hit");

        // Cache miss: popular products of the user's strongest category, from DynamoDB, then cached.
        var profile = await users.ProfileAsync(id, context.RequestAborted);
        if (profile is null) return UnknownUser(context, id);
        var now = clock.GetUtcNow();
        var items = new JsonArray();
        foreach (var (category, _) in Preferences.Top(profile.Affinities.Category, profile.AffinitiesAsOf, now, 2))
        {
            foreach (var product in await products.CategoryProductsAsync(category, 5, context.RequestAborted))
            {
                items.Add((JsonNode)new JsonObject { ["sku"] = product["sku"]?.DeepClone(), ["score"] = 0, ["reason"] = "category_affinity:" + category });
            }
        }

        var json = new JsonObject { ["userId"] = id, ["generatedAt"] = now, ["items"] = items, ["source"] = "profile" }.ToJsonString();
        await realtime.CacheRecommendationsAsync(id, json);
        return JsonText(context, json, "miss");
    }

    /// <summary>
    /// Server-Sent Events: the current recommendations, then each new list StreamProcessor publishes for the user, with a
    /// comment every 15 s to keep intermediaries from closing the connection.
    /// </summary>
    private static async Task StreamAsync(HttpContext context, IRealtimeReads realtime, string id)
    {
        if (!ApiApplication.ValidId(id))
        {
            await ApiProblems.WriteAsync(context, 400, ApiApplication.InvalidUserIdTitle, ApiApplication.InvalidUserIdDetail);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var subscription = await realtime.SubscribeRecommendationsAsync(id);
        try
        {
            if (await realtime.RecommendationsAsync(id) is { } current) await WriteEventAsync(context, "recommendations", current);
            else await context.Response.WriteAsync(": waiting for recommendations\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            var aborted = context.RequestAborted;
            while (!aborted.IsCancellationRequested)
            {
                using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                heartbeat.CancelAfter(TimeSpan.FromSeconds(15));
                try
                {
                    var message = await subscription.ReadAsync(heartbeat.Token);
                    await WriteEventAsync(context, "recommendations", message);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    await context.Response.WriteAsync(": keep-alive\n\n", aborted);
                    await context.Response.Body.FlushAsync(aborted);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            await subscription.DisposeAsync();
        }
    }

    private static async Task WriteEventAsync(HttpContext context, string name, string data)
    {
        await context.Response.WriteAsync($"event: {name}\ndata: {data.Replace("\n", "\ndata: ", StringComparison.Ordinal)}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    private static async Task<IResult> ProductAsync(HttpContext context, IProductReads products, string sku)
    {
        if (!ApiApplication.ValidId(sku)) return ApiProblems.Result(context, 400, "Invalid SKU", "A SKU is 1 to 128 letters, digits and ._:@- characters.");
        var product = await products.ProductAsync(sku, context.RequestAborted);
        var stats = await products.ProductStatsAsync(sku, context.RequestAborted);
        if (product is null && stats is null) return ApiProblems.Result(context, 404, "Unknown product", $"No product '{sku}' is in the catalog.");
        var json = product ?? new JsonObject { ["sku"] = sku };
        json["stats"] = stats;
        return JsonText(context, json.ToJsonString());
    }

    private static async Task<IResult> SearchAsync(HttpContext context, [FromServices] IProductSearch? search, string? q, int? size)
    {
        if (search is null)
        {
            return ApiProblems.Result(context, 503, "Search not configured", "No OpenSearch endpoint is configured: set OPENSEARCH_ENDPOINT (the CDK app sets it in AWS).");
        }

        if (string.IsNullOrWhiteSpace(q) || q.Length > 256) return ApiProblems.Result(context, 400, "Invalid query", "q is required, at most 256 characters.");
        try
        {
            var result = await search.SearchAsync(q, Math.Clamp(size ?? 20, 1, 100), context.RequestAborted);
            return JsonText(context, result.ToJsonString());
        }
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested
            && (DependencyFailures.Classify(ex) is not null || ex is Adapters.Search.OpenSearchException))
        {
            // Whatever failed here was OpenSearch. An answer it refused outright (not 429/5xx) is still its problem, not the caller's.
            var failure = DependencyFailures.Classify(ex) ?? new DependencyFailure("OpenSearch", false, $"answered {(int)((Adapters.Search.OpenSearchException)ex).Status}");
            return ApiProblems.DependencyResult(context, failure with { Dependency = "OpenSearch" });
        }
    }

    private static async Task<IResult> MetricsAsync(HttpContext context, IRealtimeReads realtime, IRealtimeStaleness staleness, TimeProvider clock, int? minutes)
    {
        var now = clock.GetUtcNow();
        var metrics = await realtime.MetricsAsync(now, Math.Clamp(minutes ?? 60, 1, 1440), 10);
        var stale = await staleness.RealtimeStaleAsync(context.RequestAborted);
        var totals = metrics.Totals;
        double Total(string key) => totals.GetValueOrDefault(key);
        var events = Total("events");
        var quarantined = totals.Where(t => t.Key.StartsWith("quarantined:", StringComparison.Ordinal)).Sum(t => t.Value);
        var json = new JsonObject
        {
            ["generatedAt"] = now,
            ["stale"] = stale.Count > 0,
            ["staleSince"] = stale.Count > 0 ? stale.Values.Min() : null,
            ["totals"] = new JsonObject(totals.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new KeyValuePair<string, JsonNode?>(t.Key, t.Value))),
            ["quality"] = new JsonObject
            {
                ["recordsSeen"] = events + Total("bots") + quarantined,
                ["errorRatePercent"] = events + quarantined + Total("bots") == 0 ? 0 : Math.Round(100 * quarantined / (events + quarantined + Total("bots")), 3),
                ["quarantinedByReason"] = new JsonObject(totals.Where(t => t.Key.StartsWith("quarantined:", StringComparison.Ordinal)).Select(t => new KeyValuePair<string, JsonNode?>(t.Key["quarantined:".Length..], t.Value))),
                ["botEvents"] = Total("bots"),
            },
            ["perMinute"] = new JsonArray(metrics.PerMinute.Select(m => (JsonNode?)new JsonObject
            {
                ["minute"] = DateTimeOffset.FromUnixTimeSeconds(m.Minute * 60),
                ["events"] = m.Events,
                ["bots"] = m.Bots,
            }).ToArray()),
            ["trending"] = new JsonObject(metrics.Trending.Select(t => new KeyValuePair<string, JsonNode?>(t.Key,
                new JsonArray(t.Value.Select(i => (JsonNode?)new JsonObject { ["sku"] = i.Sku, ["score"] = i.Score }).ToArray())))),
        };
        return JsonText(context, json.ToJsonString());
    }
}
