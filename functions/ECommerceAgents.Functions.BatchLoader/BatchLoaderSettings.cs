using ECommerceAgents.Adapters.Warehouse;
using ECommerceAgents.Domain.Batch;

namespace ECommerceAgents.Functions.BatchLoader;

/// <summary>BatchLoader's settings, read from its environment in one place (<see cref="From"/>).</summary>
public sealed record BatchLoaderSettings
{
    /// <summary>Lateness window, settle time and reporting currency (<see cref="SettingNames.LatenessHours"/>, …).</summary>
    public required BatchOptions Batch { get; init; }

    /// <summary>The Glue crawlers whose success starts a run (<see cref="SettingNames.GlueCrawlers"/>).</summary>
    public required IReadOnlySet<string> Crawlers { get; init; }

    /// <summary>Partitions one trigger loads itself before it fans the rest out (<see cref="SettingNames.PartitionsPerInvocation"/>).</summary>
    public int PartitionsPerInvocation { get; init; } = 1;

    /// <summary>The Redshift Serverless target (<see cref="SettingNames.RedshiftWorkgroup"/>, …); null: PostgreSQL.</summary>
    public RedshiftTarget? Redshift { get; init; }

    /// <summary>The Redshift Data API endpoint, when not AWS's own (tests, LocalStack).</summary>
    public Uri? RedshiftDataEndpoint { get; init; }

    /// <summary>The Glue database BatchLoader registers its partitions in (<see cref="SettingNames.GlueRegisterPartitions"/> on); null: none.</summary>
    public string? GlueDatabase { get; init; }

    /// <summary>The Glue endpoint, when not AWS's own.</summary>
    public Uri? GlueEndpoint { get; init; }

    /// <summary>This function's name inside Lambda (null elsewhere): the target of its fan-out.</summary>
    public string? FunctionName { get; init; }

    /// <summary>Fan out by asynchronous self-invocation: only inside Lambda, and not when <see cref="SettingNames.FanOut"/> is <c>off</c>.</summary>
    public bool FanOut { get; init; }

    /// <summary>The Lambda endpoint, when not AWS's own.</summary>
    public Uri? LambdaEndpoint { get; init; }

    public static BatchLoaderSettings From(FunctionEnvironment env)
    {
        var functionName = env.Setting("AWS_LAMBDA_FUNCTION_NAME");
        return new BatchLoaderSettings
        {
            Batch = new BatchOptions
            {
                LatenessHours = env.IntSetting(SettingNames.LatenessHours, 6),
                SettleMinutes = env.IntSetting(SettingNames.SettleMinutes, 5),
                ReportingCurrency = env.Setting(SettingNames.ReportingCurrency) ?? "EUR",
            },
            Crawlers = (env.Setting(SettingNames.GlueCrawlers) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal),
            PartitionsPerInvocation = Math.Max(1, env.IntSetting(SettingNames.PartitionsPerInvocation, 1)),
            Redshift = env.Setting(SettingNames.RedshiftWorkgroup) is { } workgroup
                ? new RedshiftTarget(workgroup,
                    env.Setting(SettingNames.RedshiftDatabase) ?? Warehouse.Database,
                    env.RequiredSetting(SettingNames.RedshiftSecretArn),
                    env.RequiredSetting(SettingNames.RedshiftCopyRoleArn))
                : null,
            RedshiftDataEndpoint = env.Setting("AWS_ENDPOINT_URL_REDSHIFT_DATA") is { } redshift ? new Uri(redshift) : null,
            GlueDatabase = env.Setting(SettingNames.GlueRegisterPartitions) == "on" ? env.RequiredSetting(SettingNames.GlueDatabase) : null,
            GlueEndpoint = env.Setting("AWS_ENDPOINT_URL_GLUE") is { } glue ? new Uri(glue) : null,
            FunctionName = functionName,
            FanOut = functionName is not null && env.Setting(SettingNames.FanOut) != "off",
            LambdaEndpoint = env.Setting("AWS_ENDPOINT_URL_LAMBDA") is { } lambda ? new Uri(lambda) : null,
        };
    }
}
