using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ECommerceAgents.Local.Deploy;

/// <summary>
/// Every route of the API once, as a client would use them, so the IAM replay sees every AWS call the Api and ApiStream
/// functions make: key administration (create, rotate, revoke), each ingest route and a signed webhook, every query,
/// consent, export and erasure, and the recommendations stream. Each step checks its status; a failing step throws.
/// </summary>
public sealed class ApiTour(Uri api, string adminKey, string webhookSecret, Uri? streamApi = null, Func<CancellationToken, Task>? drain = null)
{
    private static readonly string[] StreamRoutes = ["v1/users/{0}/recommendations/stream"];

    public async Task<IReadOnlyList<string>> RunAsync(CancellationToken ct)
    {
        var done = new List<string>();
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(30) };
        var user = "u-tour-" + Guid.NewGuid().ToString("N")[..8];
        var sku = "SKU-TOUR-1";

        var ingest = await CreateKeyAsync(http, "tour-ingest", "ingest", ct);
        var query = await CreateKeyAsync(http, "tour-query", "query", ct);
        var rotated = await SendAsync(http, HttpMethod.Post, $"v1/admin/keys/{query.Id}/rotate", adminKey, null, ct, HttpStatusCode.OK, HttpStatusCode.Created);
        query = (rotated["keyId"]!.GetValue<string>(), rotated["key"]!.GetValue<string>());
        done.Add("admin keys: create, rotate");

        var now = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture);
        await SendAsync(http, HttpMethod.Post, "v1/events", ingest.Key, Envelope("page_view", user, now, new JsonObject { ["url"] = "https://shop.example.com/p/" + sku }), ct, HttpStatusCode.Accepted);
        await SendAsync(http, HttpMethod.Post, "v1/orders", ingest.Key, Envelope("order_placed", user, now, new JsonObject
        {
            ["orderId"] = "o-" + user,
            ["total"] = 19.99,
            ["currency"] = "EUR",
            ["items"] = new JsonArray(new JsonObject { ["sku"] = sku, ["quantity"] = 1, ["price"] = 19.99 }),
        }), ct, HttpStatusCode.Accepted);
        await SendAsync(http, HttpMethod.Post, "v1/products", ingest.Key, Envelope("product_upserted", null, now, new JsonObject
        {
            ["sku"] = sku, ["title"] = "Tour headphones", ["category"] = "electronics", ["price"] = 19.99, ["currency"] = "EUR", ["stock"] = 5,
        }), ct, HttpStatusCode.Accepted);
        await WebhookAsync(http, Envelope("page_view", user, now, new JsonObject { ["url"] = "https://shop.example.com/" }), ct);
        done.Add("ingest: events, orders, products, signed webhook");
        if (drain is not null) await drain(ct);

        await SendAsync(http, HttpMethod.Get, $"v1/users/{user}/profile", query.Key, null, ct, HttpStatusCode.OK, HttpStatusCode.NotFound);
        await SendAsync(http, HttpMethod.Get, $"v1/users/{user}/recommendations", query.Key, null, ct, HttpStatusCode.OK, HttpStatusCode.NotFound);
        await SendAsync(http, HttpMethod.Get, $"v1/products/{sku}", query.Key, null, ct, HttpStatusCode.OK, HttpStatusCode.NotFound);
        // Without an OpenSearch endpoint the search answers 503; the call is still made where a domain exists.
        await SendAsync(http, HttpMethod.Get, "v1/products/search?q=headphones", query.Key, null, ct, HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable);
        await SendAsync(http, HttpMethod.Get, "v1/metrics/realtime", query.Key, null, ct, HttpStatusCode.OK);
        done.Add("queries: profile, recommendations, product, search, metrics");

        await SendAsync(http, HttpMethod.Put, $"v1/users/{user}/consent", adminKey, new JsonObject { ["personalisation"] = false }, ct, HttpStatusCode.OK);
        await SendAsync(http, HttpMethod.Get, $"v1/users/{user}/consent", adminKey, null, ct, HttpStatusCode.OK);
        await SendAsync(http, HttpMethod.Get, $"v1/users/{user}/export", adminKey, null, ct, HttpStatusCode.OK);
        await SendAsync(http, HttpMethod.Delete, $"v1/users/{user}", adminKey, null, ct, HttpStatusCode.OK, HttpStatusCode.Accepted);
        done.Add("privacy: consent, export, erasure");

        await StreamOnceAsync(streamApi ?? api, query.Key, user, ct);
        done.Add("recommendations stream");

        await SendAsync(http, HttpMethod.Delete, $"v1/admin/keys/{ingest.Id}", adminKey, null, ct, HttpStatusCode.OK, HttpStatusCode.NoContent);
        done.Add("admin keys: revoke");
        return done;
    }

    private static JsonObject Envelope(string type, string? user, string time, JsonObject data)
    {
        var e = new JsonObject
        {
            ["schema"] = $"com.ecommerceagents/{type}/1-0-0",
            ["eventId"] = Guid.NewGuid().ToString(),
            ["eventTime"] = time,
            ["data"] = data,
        };
        if (user is not null) e["userId"] = user;
        return e;
    }

    private async Task<(string Id, string Key)> CreateKeyAsync(HttpClient http, string name, string role, CancellationToken ct)
    {
        var created = await SendAsync(http, HttpMethod.Post, "v1/admin/keys", adminKey, new JsonObject { ["name"] = name, ["role"] = role }, ct, HttpStatusCode.Created, HttpStatusCode.OK);
        return (created["keyId"]!.GetValue<string>(), created["key"]!.GetValue<string>());
    }

    private async Task WebhookAsync(HttpClient http, JsonObject body, CancellationToken ct)
    {
        var payload = Encoding.UTF8.GetBytes(body.ToJsonString());
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(webhookSecret), (byte[])[.. Encoding.UTF8.GetBytes(timestamp + "."), .. payload]));
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/webhooks/shop") { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Signature", "sha256=" + signature);
        request.Headers.Add("X-Timestamp", timestamp);
        request.Headers.Add("x-api-key", adminKey);
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.Accepted) throw new InvalidOperationException($"webhook: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
    }

    private static async Task StreamOnceAsync(Uri baseAddress, string key, string user, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, string.Format(CultureInfo.InvariantCulture, StreamRoutes[0], user));
        request.Headers.Add("x-api-key", key);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"stream: {(int)response.StatusCode}");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        // The first message (the current recommendations, or a comment that there are none yet) arrives at once; the
        // client then leaves, as a closed browser tab does.
        while (await reader.ReadLineAsync(ct) is { } line && line.Length == 0)
        {
        }
    }

    private static async Task<JsonNode> SendAsync(HttpClient http, HttpMethod method, string path, string key, JsonNode? body, CancellationToken ct, params HttpStatusCode[] expected)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("x-api-key", key);
        if (body is not null) request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!expected.Contains(response.StatusCode)) throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {text}");
        return text.Length > 0 && text[0] is '{' or '[' ? JsonNode.Parse(text)! : new JsonObject();
    }
}
