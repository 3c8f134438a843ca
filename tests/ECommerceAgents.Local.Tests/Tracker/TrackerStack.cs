using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests.Tracker;

/// <summary>
/// What <c>serve</c> runs, for the tracker's tests: a private local stack with the functions on their triggers, the
/// API (with the sample shop) on its port and the warehouse the batch loads; Chromium found or installed where that is
/// possible. The browser reaches the API through a loopback proxy that records every request as it arrives (the
/// browser's own request events miss <c>sendBeacon</c>) and can answer batches with a 503 in the API's place.
/// </summary>
public sealed class TrackerStack : IAsyncLifetime
{
    public const string Collection = "tracker";

    private PrivateCliStack? _cli;
    private FaultProxy? _proxy;
    private int _failBatches;

    public string? Chromium { get; private set; }

    public string? NoChromium { get; private set; }

    public LocalStack Stack { get; private set; } = null!;

    public LocalHost Host { get; private set; } = null!;

    public Uri Api => Host.ApiBase!;

    /// <summary>The origin the browser uses: the proxy in front of the API (the page, the tracker and the collector on one origin).</summary>
    public string Origin => _proxy!.Endpoint.GetLeftPart(UriPartial.Authority);

    /// <summary>Every request that reached the proxy: its path and body, in order.</summary>
    public ConcurrentQueue<(string Path, string Body)> Requests { get; } = new();

    /// <summary>Answers the next <paramref name="count"/> posts to /v1/batch with a 503 in the API's place.</summary>
    public void FailNextBatches(int count) => Volatile.Write(ref _failBatches, count);

    public async ValueTask InitializeAsync()
    {
        (Chromium, NoChromium) = await new Prerequisites(LocalStackOptions.FindRepositoryRoot(), installMissing: true, Console.Out).EnsureChromiumAsync(CancellationToken.None);
        _cli = await PrivateCliStack.StartAsync("tracker");
        Stack = LocalStack.Open(_cli.State, LocalStackOptions.FindRepositoryRoot())!;
        Host = await LocalHost.StartAsync(Stack, new LocalHostOptions { FunctionOutput = TextWriter.Null }, CancellationToken.None);
        _proxy = new FaultProxy(Api.Port)
        {
            Decide = (_, path, body) =>
            {
                Requests.Enqueue((path, body));
                return path == "/v1/batch" && Interlocked.Decrement(ref _failBatches) >= 0
                    ? ProxyDecision.Respond(503, "application/problem+json", "{\"title\":\"injected\",\"status\":503}")
                    : ProxyDecision.Forward;
            },
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_proxy is not null) await _proxy.DisposeAsync();
        if (Host is not null) await Host.DisposeAsync();
        if (Stack is not null) await Stack.DisposeAsync();
        if (_cli is not null) await _cli.DisposeAsync();
    }

    /// <summary>
    /// The sample shop's write key, made through the admin API: a browser key allowing <paramref name="pageOrigin"/>
    /// (Chromium sends an Origin even on same-origin posts and beacons).
    /// </summary>
    public async Task<(string Key, string KeyId)> CreateWriteKeyAsync(string pageOrigin)
    {
        using var http = new HttpClient { BaseAddress = Api };
        http.DefaultRequestHeaders.Add("x-api-key", Host.AdminKey);
        // A publishable browser key, allowed from the page's origin only (a server key with an Origin is refused).
        using var response = await http.PostAsJsonAsync("v1/admin/keys", new { name = $"sample-shop {pageOrigin}", role = "browser", allowedOrigins = new[] { pageOrigin } });
        var created = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True(response.IsSuccessStatusCode, created.ToJsonString());
        return (created["key"]!.GetValue<string>(), created["keyId"]!.GetValue<string>());
    }

    /// <summary>Every enriched event so far (the stream drained and the delivery stream flushed first).</summary>
    public async Task<List<JsonNode>> EnrichedAsync()
    {
        await Host.DrainAsync(TimeSpan.FromSeconds(90), CancellationToken.None);
        var bucket = Host.Environment.Names.Bucket(Buckets.Enriched);
        var lines = new List<string>();
        foreach (var prefix in (string[])["events/", "bots/"]) lines.AddRange(await StoreChecksum.EnrichedLinesAsync(Stack, bucket, prefix));
        return [.. lines.Select(l => JsonNode.Parse(l)!)];
    }

    /// <summary>The batch for each of <paramref name="days"/>, as <c>batch --date</c> runs it, into the stack's warehouse.</summary>
    public async Task BatchAsync(IEnumerable<string> days)
    {
        foreach (var day in days) await BatchRunner.RunAsync(Host.Environment, day, null, null, CancellationToken.None);
    }

    /// <summary>The rows a query finds in the stack's warehouse (PostgreSQL in Redshift's place).</summary>
    public Task<List<Dictionary<string, object?>>> WarehouseAsync(string sql) => TestWarehouse.QueryAsync(Stack.Endpoints.Warehouse!, sql);

    /// <summary>A GET on the API with the administrator key (the profile).</summary>
    public async Task<(int Status, JsonNode? Body)> GetAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = Api };
        http.DefaultRequestHeaders.Add("x-api-key", Host.AdminKey);
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length > 0 ? JsonNode.Parse(text) : null);
    }
}

[CollectionDefinition(TrackerStack.Collection)]
public sealed class TrackerCollection : ICollectionFixture<TrackerStack>;
