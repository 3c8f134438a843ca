using ECommerceAgents.Domain.Logs;

namespace ECommerceAgents.Functions.LogTransformer;

/// <summary>LogTransformer's settings, read from its environment in one place (<see cref="From"/>).</summary>
public sealed record LogTransformerSettings
{
    /// <summary>
    /// The response budget, the decompression cap and the services kept (<see cref="SettingNames.LogsResponseBudgetBytes"/>,
    /// <see cref="SettingNames.LogsMaxDecompressedBytes"/>, <see cref="SettingNames.LogsServicePrefixes"/>).
    /// </summary>
    public required LogTransformOptions Transform { get; init; }

    /// <summary>The logs delivery stream overflow records go back to; null: the one named by the event.</summary>
    public string? DeliveryStream { get; init; }

    /// <summary>
    /// The enriched delivery stream, whose records this function gives their partition keys (Firehose's Lambda
    /// processor; the partitioning step, no transformation); null: every invocation is the logs stream's.
    /// </summary>
    public string? EnrichedStream { get; init; }

    public static LogTransformerSettings From(FunctionEnvironment env) => new()
    {
        Transform = new LogTransformOptions
        {
            ResponseBudgetBytes = env.IntSetting(SettingNames.LogsResponseBudgetBytes, 6_000_000),
            MaxDecompressedBytes = env.IntSetting(SettingNames.LogsMaxDecompressedBytes, 6 * 1024 * 1024),
            ServicePrefixes = (env.Setting(SettingNames.LogsServicePrefixes) ?? "eca-").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        },
        DeliveryStream = env.Setting(DeliveryStreams.Logs.EnvironmentVariable),
        EnrichedStream = env.Names.ToEnvironment().TryGetValue(DeliveryStreams.Enriched.EnvironmentVariable, out var enriched) ? enriched : null,
    };
}
