using System.Net;
using ECommerceAgents.Local.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ECommerceAgents.Local.Benchmarks;

/// <summary>
/// The yardstick of <c>bench api</c>'s API-only figure (issue 19): the plainest Kestrel minimal endpoint that does what
/// any ingest endpoint must, reading the whole request body and answering 202 with no body. No validation, no key, no
/// stream. Written once and deliberately not tuned since: the API is measured as a share of it, under the same load
/// loop in the same round, so the share moves only when the API does.
/// </summary>
internal static class BareKestrelEndpoint
{
    public static WebApplication Build(IPEndPoint listen)
    {
        var builder = LocalWebHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(listen));
        var app = builder.Build();
        app.MapPost("/v1/events", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
            return Results.StatusCode(StatusCodes.Status202Accepted);
        });
        return app;
    }
}
