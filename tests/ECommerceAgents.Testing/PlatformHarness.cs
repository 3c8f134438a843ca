using ECommerceAgents.Functions.LogTransformer;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Testing;

/// <summary>
/// A test class's own slice of the platform on a real stack: its own tables, stream and buckets (a unique prefix),
/// its own Redis key prefix, and the Firehose stand-in on a free port. Functions built from <see cref="Environment"/>
/// see exactly what they would in Lambda.
/// </summary>
public sealed class PlatformHarness : IAsyncDisposable
{
    public const string PseudonymKey = "test-pseudonym-key-0123456789";

    private PlatformHarness(LocalStack stack, ResourceBindings names, LocalEventSources sources, FunctionEnvironment environment)
    {
        Stack = stack;
        Names = names;
        Sources = sources;
        Environment = environment;
    }

    public LocalStack Stack { get; }

    public ResourceBindings Names { get; }

    public LocalEventSources Sources { get; }

    public FunctionEnvironment Environment { get; }

    public string RedisPrefix => Environment.Settings[SettingNames.RedisPrefix];

    /// <param name="rawArchive">Whether the raw archive's delivery (the stream copied to the raw bucket) runs too.</param>
    public static async Task<PlatformHarness> StartAsync(string owner, LocalStack? stack = null, IReadOnlyDictionary<string, string>? settings = null, ServiceEndpoints? endpoints = null, bool rawArchive = false)
    {
        stack ??= await TestStack.GetAsync().ConfigureAwait(false);
        var names = ResourceBindings.FromPrefix(TestStack.UniquePrefix(owner));
        await stack.ProvisionAsync(names, CancellationToken.None).ConfigureAwait(false);
        var port = LocalPorts.Free().Firehose;
        var resolved = (endpoints ?? stack.Endpoints) with { Firehose = new Uri($"http://127.0.0.1:{port}") };
        var all = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in resolved.ToEnvironment()) all[k] = v;
        foreach (var (k, v) in names.ToEnvironment()) all[k] = v;
        all[SettingNames.PseudonymKey] = PseudonymKey;
        all[SettingNames.RedisPrefix] = names.Table(Tables.Profiles).Replace("-profiles", ":", StringComparison.Ordinal);
        if (settings is not null)
        {
            foreach (var (k, v) in settings) all[k] = v;
        }

        var environment = new FunctionEnvironment(resolved, names, all) { Output = System.Environment.GetEnvironmentVariable(LocalSettingNames.TestFunctionLog) == "1" ? Console.Out : TextWriter.Null };
        // The delivery streams' Lambda processor, as in AWS: LogTransformer (the enriched stream's partition keys).
        var processor = await LogTransformerFunction.CreateAsync(environment, CancellationToken.None).ConfigureAwait(false);
        var sources = new LocalEventSources(stack, names: names, firehosePort: port, transforms: LocalEventSources.Processors(processor));
        await sources.StartAsync(CancellationToken.None, rawArchive: rawArchive).ConfigureAwait(false);
        return new PlatformHarness(stack, names, sources, environment);
    }

    /// <summary>Delivers every buffered enriched record to S3.</summary>
    public Task FlushAsync() => Sources.DrainAsync(TimeSpan.FromSeconds(60), CancellationToken.None);

    public Task<StoreChecksum> ChecksumAsync() => StoreChecksum.ComputeAsync(Stack, Names, RedisPrefix);

    public ValueTask DisposeAsync() => Sources.DisposeAsync();
}
