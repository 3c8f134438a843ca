using System.Net.Sockets;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Local;

/// <summary>The function environment the local stack gives a handler run in process: the same variables the CDK app sets in AWS.</summary>
public static class LocalFunctions
{
    /// <summary>The local API's first administrator key (ECA_BOOTSTRAP_ADMIN_KEY overrides it). Local only: in AWS it is an SSM SecureString.</summary>
    public static string LocalAdminKey => System.Environment.GetEnvironmentVariable(SettingNames.BootstrapAdminKey) ?? "eca-local-admin-key-not-a-secret";

    /// <summary>The local webhook secrets: one source, <c>shop</c>.</summary>
    public static string LocalWebhookSecrets => System.Environment.GetEnvironmentVariable(SettingNames.WebhookSecrets) ?? """{"shop":"eca-local-webhook-secret"}""";

    public static FunctionEnvironment Environment(LocalStack stack, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in stack.Endpoints.ToEnvironment()) all[k] = v;
        foreach (var (k, v) in stack.Names.ToEnvironment()) all[k] = v;
        all[SettingNames.PseudonymKey] = System.Environment.GetEnvironmentVariable(SettingNames.PseudonymKey) ?? "local-development-key-not-a-secret";
        all[SettingNames.BootstrapAdminKey] = LocalAdminKey;
        all[SettingNames.WebhookSecrets] = LocalWebhookSecrets;
        // The crawlers the CDK app names for the default prefix: a sample crawler event for them starts the batch locally too.
        all[SettingNames.GlueCrawlers] = System.Environment.GetEnvironmentVariable(SettingNames.GlueCrawlers) ?? "eca-enriched-crawler,eca-logs-crawler,eca-processed-crawler";
        foreach (var name in new[] { SettingNames.LatenessHours, SettingNames.SettleMinutes, SettingNames.ReportingCurrency, SettingNames.MasterKey, SettingNames.KmsKeyId, "OPENSEARCH_USERNAME", "OPENSEARCH_PASSWORD", "OPENSEARCH_AUTH" })
        {
            if (System.Environment.GetEnvironmentVariable(name) is { Length: > 0 } value) all[name] = value;
        }

        if (settings is not null)
        {
            foreach (var (k, v) in settings) all[k] = v;
        }

        return new FunctionEnvironment(stack.Endpoints, stack.Names, all) { Output = Console.Error };
    }

    /// <summary>
    /// The Firehose stand-in for a one-off invocation, when nothing serves the Firehose port: started here and flushed
    /// to S3 when disposed. Null (nothing to dispose) when <c>serve</c> already runs it.
    /// </summary>
    public static async Task<IAsyncDisposable> FirehoseUnlessServingAsync(LocalStack stack, CancellationToken cancellationToken)
    {
        using (var probe = new TcpClient())
        {
            try
            {
                await probe.ConnectAsync("127.0.0.1", stack.Options.Ports.Firehose, cancellationToken);
                return new Nothing();
            }
            catch (SocketException)
            {
            }
        }

        var processor = await FunctionCatalog.Find("LogTransformer")!.Create!(Environment(stack) with { Output = TextWriter.Null }, cancellationToken);
        var sources = new LocalEventSources(stack, transforms: LocalEventSources.Processors(processor));
        await sources.StartAsync(cancellationToken, rawArchive: false);
        return new Flushing(sources);
    }

    private sealed class Nothing : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Flushing(LocalEventSources sources) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await sources.DisposeAsync();
    }
}
