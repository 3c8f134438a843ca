using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Resources;
using Npgsql;

namespace ECommerceAgents.Local.Demo;

/// <summary>
/// What a demo run needs to be reconciled again later (<c>demo --reconcile &lt;run&gt;</c>): the generator's inputs, from
/// which it regenerates the same shop and therefore the same ground truth, and where the run's stores are. Written to
/// <c>&lt;state&gt;/demo/runs/&lt;run&gt;.json</c> before any traffic is sent.
/// </summary>
public sealed record DemoManifest(string RunId, int Seed, int Users, int Events, DateTimeOffset End, TimeSpan Span, int LogLines)
{
    public string Prefix => "demo-" + RunId;

    /// <summary>How many privacy shoppers the run exported and erased (0 for runs made before the privacy phase).</summary>
    public int PrivacyShoppers { get; init; }

    /// <summary>The run's privacy shoppers (<see cref="DemoPrivacy"/>), rebuilt from the run id and end.</summary>
    [JsonIgnore]
    public IReadOnlyList<PrivacyShopper> Privacy => DemoPrivacy.Shoppers(RunId, End, PrivacyShoppers);

    /// <summary>The log lines the run sends (every tenth a health check that LogTransformer drops).</summary>
    [JsonIgnore]
    public DemoLogs Logs => new(LogLines, (LogLines + 9) / 10);

    public TrafficGenerator Generator() => new(new TrafficOptions { Seed = Seed, Users = Users, Events = Events, End = End, Span = Span });

    [JsonIgnore]
    public DemoStores Stores => new(ResourceBindings.FromPrefix(Prefix), _warehouse ?? "", Prefix + ":");

    private string? _warehouse;

    /// <summary>The run's warehouse database on the stack's PostgreSQL.</summary>
    public DemoManifest WithWarehouse(LocalStack stack)
    {
        var server = new NpgsqlConnectionStringBuilder(stack.Endpoints.Warehouse ?? throw new CliException("the local stack has no warehouse", 1));
        _warehouse = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = Prefix.Replace('-', '_') }.ConnectionString;
        return this;
    }

    public static string PathFor(LocalStack stack, string runId) => Path.Combine(stack.Options.StateDirectory, "demo", "runs", runId + ".json");

    public async Task SaveAsync(LocalStack stack, CancellationToken ct)
    {
        var path = PathFor(stack, RunId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(this, DemoManifestJsonContext.Default.DemoManifest), ct);
    }

    public static async Task<DemoManifest> LoadAsync(LocalStack stack, string runId, CancellationToken ct)
    {
        if (runId.Any(c => !char.IsAsciiLetterOrDigit(c))) throw new CliException($"'{runId}' is not a run id", 2);
        var path = PathFor(stack, runId);
        if (!File.Exists(path)) throw new CliException($"no demo run {runId} on this stack ({path} is missing)", 2);
        var manifest = JsonSerializer.Deserialize(await File.ReadAllTextAsync(path, ct), DemoManifestJsonContext.Default.DemoManifest)
            ?? throw new CliException($"{path} is empty", 2);
        return manifest.WithWarehouse(stack);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"run {RunId} (seed {Seed}, {Events} events, {Users} users)");
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(DemoManifest))]
internal sealed partial class DemoManifestJsonContext : JsonSerializerContext;
