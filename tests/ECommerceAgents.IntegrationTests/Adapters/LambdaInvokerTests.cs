using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Amazon.Runtime;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Local.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace ECommerceAgents.IntegrationTests.Adapters;

/// <summary>BatchLoader's fan-out call, against a loopback double of Lambda's Invoke endpoint.</summary>
public sealed class LambdaInvokerTests
{
    [Fact]
    public async Task InvokeEvent_SignedForLambda_EventInvocationType_PayloadIntact_ErrorsRaised()
    {
        var seen = new ConcurrentQueue<(string Path, string? Type, string? Auth, string Body)>();
        var builder = LocalWebHosts.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapPost("/2015-03-31/functions/{name}/invocations", async (HttpContext c, string name) =>
        {
            using var reader = new StreamReader(c.Request.Body);
            seen.Enqueue((c.Request.Path, c.Request.Headers["X-Amz-Invocation-Type"], c.Request.Headers.Authorization, await reader.ReadToEndAsync()));
            return name == "missing"
                ? Results.Content("""{"Type":"User","message":"Function not found"}""", "application/json", Encoding.UTF8, 404)
                : Results.StatusCode(202);
        });
        await app.StartAsync();
        var endpoint = new Uri(app.Urls.First() + "/");
        using var http = new HttpClient();
        var invoker = new LambdaInvoker(http, endpoint, "eu-west-1", new BasicAWSCredentials("AKIDEXAMPLE", "secret"));

        await invoker.InvokeEventAsync("eca-batch-loader", Encoding.UTF8.GetBytes("""{"partition":"page_view/2026-11-24/10"}"""), CancellationToken.None);
        var error = await Assert.ThrowsAsync<AwsServiceException>(() => invoker.InvokeEventAsync("missing", [], CancellationToken.None));

        Assert.Equal(HttpStatusCode.NotFound, error.Status);
        Assert.True(seen.TryDequeue(out var call));
        Assert.Equal("/2015-03-31/functions/eca-batch-loader/invocations", call.Path);
        Assert.Equal("Event", call.Type);
        Assert.Contains("Credential=AKIDEXAMPLE/", call.Auth, StringComparison.Ordinal);
        Assert.Contains("/eu-west-1/lambda/aws4_request", call.Auth, StringComparison.Ordinal);
        Assert.Contains("x-amz-invocation-type", call.Auth, StringComparison.Ordinal);
        Assert.Equal("""{"partition":"page_view/2026-11-24/10"}""", call.Body);
        await app.StopAsync();
    }
}
