using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Functions.StreamProcessor;

/// <summary>StreamProcessor's settings, read once per container from the function's environment (names from <see cref="SettingNames"/>).</summary>
/// <param name="Processor">The domain's options: dedup window, pipeline version, bot networks, the shop's own domains.</param>
/// <param name="RedisPrefix">The prefix of every real-time key.</param>
/// <param name="LogAcknowledgedEvents">Log a line of acknowledged event ids per micro-batch (for measuring accept → write latency, not for production).</param>
public sealed record StreamProcessorSettings(ProcessorOptions Processor, string RedisPrefix, bool LogAcknowledgedEvents)
{
    public static StreamProcessorSettings From(FunctionEnvironment env) => new(
        new ProcessorOptions
        {
            DedupWindow = TimeSpan.FromHours(env.IntSetting(SettingNames.DedupWindowHours, 24)),
            PipelineVersion = env.Setting(SettingNames.PipelineVersion) ?? "1.0.0",
            BotNetworks = ProcessorOptions.ParseNetworks(env.Setting(SettingNames.BotNetworks)),
            AnalyticsDenied = ProcessorOptions.ParseAnalyticsDenial(env.Setting(SettingNames.AnalyticsConsent)),
            OwnDomains = ProcessorOptions.ParseDomains(env.Setting(SettingNames.OwnDomains)),
        },
        env.Setting(SettingNames.RedisPrefix) ?? "",
        string.Equals(env.Setting(SettingNames.LogAcknowledgedEvents), "true", StringComparison.OrdinalIgnoreCase));

    /// <summary>The pseudonymisation key, given as a value or as the name of an SSM parameter.</summary>
    public static async Task<string> PseudonymKeyAsync(FunctionEnvironment env, CancellationToken cancellationToken) =>
        await Parameters.ResolveAsync(env, SettingNames.PseudonymKey, cancellationToken).ConfigureAwait(false)
        ?? throw new InvalidOperationException($"{SettingNames.PseudonymKey} (or {SettingNames.PseudonymKeyParameter}) is required: the pseudonymisation key comes from configuration.");
}
