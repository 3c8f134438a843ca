using System.Net;
using System.Net.Sockets;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Functions.Api;
using ECommerceAgents.Local.Demo;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local.Deploy;

/// <summary>
/// Records the AWS calls the functions make (<see cref="AwsCallLog"/>) during a short demo (catalog import, traffic
/// through the API and straight to the stream, logs, drain, batch, search export) followed by the API tour (every
/// route, and the recommendations stream on an API in stream mode, as the ApiStream function runs it).
/// </summary>
public static class IamRecording
{
    public static async Task<IReadOnlyList<string>> RecordAsync(LocalStack stack, string path, TextWriter functionLog, CancellationToken ct)
    {
        if (File.Exists(path)) File.Delete(path);
        AwsCallLog.Start(path);
        var tour = new List<string>();
        try
        {
            var options = new DemoOptions
            {
                Users = 40,
                Events = 600,
                LogLines = 40,
                AfterReport = async (host, token) => tour.AddRange(await TourAsync(host, token)),
            };
            var report = await DemoRun.RunAsync(stack, options, (_, _, _, _) => { }, functionLog, ct);
            if (!report.Balanced) throw new CliException("the recording demo's books do not balance; the recording would not be trustworthy", 1);
        }
        finally
        {
            AwsCallLog.Stop();
        }

        return tour;
    }

    private static async Task<IReadOnlyList<string>> TourAsync(LocalHost host, CancellationToken ct)
    {
        var steps = new List<string>(await ApiTourAsync(host, ct));
        await ReingestLogsAsync(host, ct);
        steps.Add("LogTransformer: output over its response budget re-ingested into the logs delivery stream");
        await RedeliverProductStatsAsync(host, ct);
        steps.Add("StreamProcessor: product stats written again by a redelivered batch (the watermark read)");
        await RecordGpcOptOutAsync(host, ct);
        steps.Add("StreamProcessor: a Sec-GPC opt-out recorded in the consent table");
        return steps;
    }

    /// <summary>
    /// LogTransformer makes an AWS call only when its output would pass Lambda's 6 MB response limit: it then puts the
    /// overflow back into the logs delivery stream. A tiny budget makes the sample batch take that path.
    /// </summary>
    private static async Task ReingestLogsAsync(LocalHost host, CancellationToken ct)
    {
        var settings = new Dictionary<string, string>(host.Environment.Settings, StringComparer.Ordinal) { [SettingNames.LogsResponseBudgetBytes] = "600" };
        var function = await Functions.LogTransformer.LogTransformerFunction.CreateAsync(host.Environment with { Settings = settings }, ct);
        var sample = await File.ReadAllBytesAsync(Path.Combine(host.Stack.Options.RepositoryRoot, "events", "firehose-transformation.json"), ct);
        await function.InvokeAsync(sample, Lambda.Runtime.LambdaInvocation.Local(TimeSpan.FromMinutes(1)), ct);
        await host.DrainAsync(TimeSpan.FromMinutes(1), ct);
    }

    /// <summary>
    /// An event sent with <c>Sec-GPC: 1</c> makes StreamProcessor record the sale/share opt-out (an UpdateItem on the
    /// consent table). The demo's traffic carries no such header, so the adapter is called here under StreamProcessor's
    /// name and bindings.
    /// </summary>
    private static async Task RecordGpcOptOutAsync(LocalHost host, CancellationToken ct)
    {
        var env = host.Environment.For("StreamProcessor");
        using var dynamo = Adapters.DynamoDb.DynamoDbClientFactory.Create(env.Endpoints);
        var store = new Adapters.DynamoDb.StreamStateStore(dynamo, env.Names);
        await store.RecordSaleShareOptOutAsync("iam-replay-gpc", DateTimeOffset.UtcNow, ct);
    }

    /// <summary>
    /// A redelivered batch finds its product counters already applied (after a crash between that write and the
    /// batch's end, or a batch retried after losing a conditional write to another shard) and writes nothing for
    /// them. The demo meets that only under contention, so the adapter StreamProcessor uses writes the same deltas
    /// twice here, under StreamProcessor's name and bindings, and the second write takes that path.
    /// </summary>
    private static async Task RedeliverProductStatsAsync(LocalHost host, CancellationToken ct)
    {
        var env = host.Environment.For("StreamProcessor");
        using var dynamo = Adapters.DynamoDb.DynamoDbClientFactory.Create(env.Endpoints);
        var store = new Adapters.DynamoDb.StreamStateStore(dynamo, env.Names);
        var deltas = new[] { new Domain.Processing.ProductStatsDelta("0".PadLeft(56, '0') + "1", 1, 0, 0, 0, 0m, "iam-replay", DateTimeOffset.UtcNow) };
        await store.AddProductStatsAsync("shardId-iam-replay", [("iam-replay-redelivery", deltas)], ct);
        await store.AddProductStatsAsync("shardId-iam-replay", [("iam-replay-redelivery", deltas)], ct);
    }

    private static async Task<IReadOnlyList<string>> ApiTourAsync(LocalHost host, CancellationToken ct)
    {
        // The stream route as the ApiStream function serves it: the same app, its own function name and role.
        var settings = new Dictionary<string, string>(host.Environment.Settings, StringComparer.Ordinal) { [SettingNames.ApiMode] = "stream" };
        var port = FreePort();
        await using var app = await ApiApplication.CreateAsync(host.Environment with { Settings = settings }, new IPEndPoint(IPAddress.Loopback, port), ct);
        await app.StartAsync(ct);
        try
        {
            var tour = new ApiTour(host.ApiBase!, host.AdminKey, WebhookSecret(), new Uri($"http://127.0.0.1:{port}/"), token => host.DrainAsync(TimeSpan.FromMinutes(1), token));
            return await tour.RunAsync(ct);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    private static string WebhookSecret() =>
        System.Text.Json.JsonDocument.Parse(LocalFunctions.LocalWebhookSecrets).RootElement.GetProperty("shop").GetString()!;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
