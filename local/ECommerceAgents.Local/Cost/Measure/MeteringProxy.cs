using System.Net;
using ECommerceAgents.Local.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ECommerceAgents.Local.Cost.Measure;

/// <summary>One HTTP request as the metering proxy received it: whole body, and the headers that say what it is.</summary>
public sealed record ProxiedRequest(string Method, string PathAndQuery, string? Target, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers);

/// <summary>The server's answer to a <see cref="ProxiedRequest"/>.</summary>
public sealed record ProxiedResponse(int Status, byte[] Body);

/// <summary>
/// Reads what one AWS service's requests bill. <see cref="BeforeAsync"/> runs before the request is forwarded (a
/// DynamoDB write reads the item's size first), <see cref="AfterAsync"/> once the answer is in.
/// </summary>
public abstract class ServiceMeter(string service, UsageTally tally)
{
    public string Service { get; } = service;

    protected UsageTally Tally { get; } = tally;

    public virtual ValueTask<object?> BeforeAsync(ProxiedRequest request, CancellationToken cancellationToken) => ValueTask.FromResult<object?>(null);

    public abstract ValueTask AfterAsync(ProxiedRequest request, object? before, ProxiedResponse response, CancellationToken cancellationToken);

    /// <summary>The request's and the answer's bytes, for the interface endpoints' data processed.</summary>
    public void CountWire(ProxiedRequest request, long responseBytes) => Tally.Add(u =>
    {
        var wire = u.WireOf(Service);
        wire.Requests++;
        wire.RequestBytes += request.Body.Length;
        wire.ResponseBytes += responseBytes;
    });
}

/// <summary>
/// An HTTP reverse proxy on a loopback port in front of one local server (dynalite, kinesalite, s3rver, the Firehose
/// stand-in) that hands each request and its answer, bodies whole, to a <see cref="ServiceMeter"/>. The bytes pass
/// unchanged, the Host header too (so SigV4 signatures still match), and the meter's own time is not part of any
/// timed figure: <c>cost --measure</c> counts through these proxies and times through the latency simulation's.
/// </summary>
public sealed class MeteringProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Expect", "Content-Length", "Proxy-Connection", "Upgrade", "TE", "Trailer",
    };

    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private MeteringProxy(WebApplication app, HttpClient http, Uri endpoint)
    {
        _app = app;
        _http = http;
        Endpoint = endpoint;
    }

    /// <summary>Where clients reach the server through the proxy.</summary>
    public Uri Endpoint { get; }

    public static async Task<MeteringProxy> StartAsync(Uri target, ServiceMeter meter, CancellationToken cancellationToken)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None, MaxConnectionsPerServer = 256 })
        {
            Timeout = TimeSpan.FromMinutes(2),
        };
        var builder = LocalWebHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(context => ForwardAsync(context, http, target, meter));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new MeteringProxy(app, http, new UriBuilder(target) { Port = new Uri(address).Port }.Uri);
    }

    private static async Task ForwardAsync(HttpContext context, HttpClient http, Uri target, ServiceMeter meter)
    {
        var ct = context.RequestAborted;
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, ct).ConfigureAwait(false);
        var headers = context.Request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? ""))).ToList();
        var pathAndQuery = context.Request.Path.Value + context.Request.QueryString.Value;
        var request = new ProxiedRequest(context.Request.Method, pathAndQuery, context.Request.Headers["X-Amz-Target"].FirstOrDefault(), buffer.ToArray(), headers);
        var before = await meter.BeforeAsync(request, ct).ConfigureAwait(false);

        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(target, pathAndQuery));
        message.Headers.Host = context.Request.Headers.Host.ToString();
        if (request.Body.Length > 0 || request.Method is "PUT" or "POST") message.Content = new ByteArrayContent(request.Body);
        foreach (var (name, value) in headers)
        {
            if (HopByHop.Contains(name)) continue;
            if (!message.Headers.TryAddWithoutValidation(name, value)) message.Content?.Headers.TryAddWithoutValidation(name, value);
        }

        using var answer = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        var body = await answer.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (!HopByHop.Contains(name)) context.Response.Headers[name] = values.ToArray();
        }

        context.Response.ContentLength = request.Method == "HEAD" ? answer.Content.Headers.ContentLength : body.Length;
        await meter.AfterAsync(request, before, new ProxiedResponse((int)answer.StatusCode, body), ct).ConfigureAwait(false);
        meter.CountWire(request, body.Length);
        if (request.Method != "HEAD") await context.Response.Body.WriteAsync(body, ct).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _http.Dispose();
    }
}
