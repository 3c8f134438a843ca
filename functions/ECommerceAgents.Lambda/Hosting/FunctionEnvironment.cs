using System.Collections;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Lambda.Hosting;

/// <summary>
/// What a function's composition root needs: where the services are, the names of its resources and its settings.
/// In Lambda it comes from the function's environment variables; locally the CLI builds it from the local stack.
/// </summary>
public sealed record FunctionEnvironment(ServiceEndpoints Endpoints, ResourceBindings Names, IReadOnlyDictionary<string, string> Settings)
{
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public TextWriter Output { get; init; } = Console.Out;

    public static FunctionEnvironment FromProcess(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in environment)
        {
            if (e.Key is string k && e.Value is string v) settings[k] = v;
        }

        return new FunctionEnvironment(ServiceEndpoints.FromEnvironment(environment), ResourceBindings.FromEnvironment(environment), settings);
    }

    /// <summary>
    /// The environment as seen by one function: its clients carry its name, and with the AWS call log on its resource
    /// bindings are written down, so the IAM replay can check every call it makes against its role.
    /// </summary>
    public FunctionEnvironment For(string function)
    {
        if (ECommerceAgents.Adapters.Aws.AwsCallLog.Enabled) ECommerceAgents.Adapters.Aws.AwsCallLog.Bind(function, Names.ToEnvironment());
        return this with { Endpoints = Endpoints with { Caller = function } };
    }

    public string? Setting(string name) => Settings.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public string RequiredSetting(string name) => Setting(name) ?? throw new InvalidOperationException($"Setting {name} is required.");

    public int IntSetting(string name, int fallback) =>
        int.TryParse(Setting(name), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : fallback;
}
