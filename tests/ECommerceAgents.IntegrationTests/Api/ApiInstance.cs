using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Functions.Api;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using Microsoft.AspNetCore.Builder;

namespace ECommerceAgents.IntegrationTests.Api;

/// <summary>
/// The API as it runs in Lambda behind the Web Adapter: the real Kestrel server on a free loopback port, built from a
/// function environment (a test harness's tables, stream, Redis prefix). Each instance has its own in-memory caches,
/// so two instances on one environment behave like two Lambda execution environments.
/// </summary>
public sealed class ApiInstance : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789abcdef";
    public const string WebhookSource = "shop";
    public const string WebhookSecret = "test-webhook-secret-not-real";

    private readonly WebApplication _app;

    private ApiInstance(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    /// <summary>A client with no key: every call states its key.</summary>
    public HttpClient Http { get; }

    public static async Task<ApiInstance> StartAsync(FunctionEnvironment environment, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(environment.Settings, StringComparer.Ordinal)
        {
            [SettingNames.BootstrapAdminKey] = AdminKey,
            [SettingNames.WebhookSecrets] = $$"""{"{{WebhookSource}}":"{{WebhookSecret}}"}""",
        };
        if (settings is not null)
        {
            foreach (var (k, v) in settings) all[k] = v;
        }

        var port = LocalPorts.Free().Api;
        var app = await ApiApplication.CreateAsync(environment with { Settings = all }, new IPEndPoint(IPAddress.Loopback, port), CancellationToken.None);
        await app.StartAsync();
        return new ApiInstance(app, new Uri($"http://127.0.0.1:{port}/"));
    }

    public async Task<string> CreateKeyAsync(string role, string? name = null)
    {
        using var response = await SendAsync(HttpMethod.Post, "v1/admin/keys", AdminKey, JsonContent.Create(new { name = name ?? role + "-key", role }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["key"]!.GetValue<string>();
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, HttpContent? content = null, IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (key is not null) request.Headers.Add(ApiApplication.KeyHeader, key);
        foreach (var (name, value) in headers ?? []) request.Headers.TryAddWithoutValidation(name, value);
        return await Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> PostJsonAsync(string path, string key, string json, IEnumerable<(string Name, string Value)>? headers = null) =>
        SendAsync(HttpMethod.Post, path, key, new StringContent(json, Encoding.UTF8, "application/json"), headers);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The webhook headers for a body: <c>X-Timestamp</c> and <c>X-Signature: sha256=HMAC(secret, ts + "." + body)</c>.</summary>
    public static (string Name, string Value)[] Sign(string body, DateTimeOffset at, string secret = WebhookSecret)
    {
        var ts = at.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(ts + "." + body));
        return [("X-Timestamp", ts), ("X-Signature", "sha256=" + Convert.ToHexStringLower(mac))];
    }

    public static string ProductView(string userId, string sku, string category = "books", Guid? id = null, DateTimeOffset? at = null) =>
        $$"""{"schema":"com.ecommerceagents/product_view/1-0-0","eventId":"{{id ?? Guid.NewGuid()}}","eventTime":"{{(at ?? DateTimeOffset.UtcNow).ToString("O")}}","userId":"{{userId}}","anonymousId":"anon-{{userId}}","context":{"userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36","ip":"203.0.113.9"},"data":{"sku":"{{sku}}","category":"{{category}}","brand":"Acme","price":12.5,"currency":"EUR" """.TrimEnd() + "}}";

    /// <summary>The events on the stream, one entry each (a record packing several is split as StreamProcessor splits it).</summary>
    public static Task<List<StreamRecord>> ReadStreamAsync(KinesisClient kinesis, string stream) => Testing.StreamContents.ReadEventsAsync(kinesis, stream);

    public static async Task<List<JsonObject>> StreamEventsAsync(LocalStack stack, ResourceBindings names) =>
        (await ReadStreamAsync(stack.KinesisClient, names.Stream(Streams.Events))).Select(r => JsonNode.Parse(r.Data)!.AsObject()).ToList();
}
