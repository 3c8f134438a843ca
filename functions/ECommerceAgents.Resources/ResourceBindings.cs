using System.Collections;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Resources;

/// <summary>
/// Physical names of the platform's resources. In AWS the CDK app passes them to each function as environment
/// variables (<c>ECA_TABLE_*</c>, <c>ECA_BUCKET_*</c>, …); locally and in tests they are derived from a prefix.
/// </summary>
public sealed partial class ResourceBindings
{
    private readonly Dictionary<string, string> _names;

    private ResourceBindings(Dictionary<string, string> names) => _names = names;

    /// <summary>Names for a stack whose resources all start with <paramref name="prefix"/> (e.g. <c>eca-local</c>).</summary>
    public static ResourceBindings FromPrefix(string prefix)
    {
        if (!PrefixPattern().IsMatch(prefix))
        {
            throw new ArgumentException($"Resource prefix '{prefix}' must be 3-40 characters of a-z, 0-9 and '-', starting with a letter.", nameof(prefix));
        }

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in Tables.All) names[t.EnvironmentVariable] = $"{prefix}-{t.Id}";
        foreach (var b in Buckets.All) names[b.EnvironmentVariable] = $"{prefix}-{b.Id}";
        foreach (var s in Streams.All) names[s.EnvironmentVariable] = $"{prefix}-{s.Id}";
        foreach (var d in DeliveryStreams.All) names[d.EnvironmentVariable] = $"{prefix}-{d.Id}";
        return new ResourceBindings(names);
    }

    /// <summary>Reads whatever <c>ECA_*</c> names the environment holds; a missing one fails when it is first asked for.</summary>
    public static ResourceBindings FromEnvironment(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && key.StartsWith(SettingNames.Prefix, StringComparison.Ordinal) && entry.Value is string value && value.Length > 0)
            {
                names[key] = value;
            }
        }

        return new ResourceBindings(names);
    }

    public string Table(TableDefinition table) => Get(table.EnvironmentVariable, "table", table.Id);

    public string Bucket(BucketDefinition bucket) => Get(bucket.EnvironmentVariable, "bucket", bucket.Id);

    public string Stream(StreamDefinition stream) => Get(stream.EnvironmentVariable, "stream", stream.Id);

    public string DeliveryStream(DeliveryStreamDefinition stream) => Get(stream.EnvironmentVariable, "delivery stream", stream.Id);

    /// <summary>The bindings as environment variables, for a process or a function configuration.</summary>
    public IReadOnlyDictionary<string, string> ToEnvironment() => _names;

    private string Get(string variable, string kind, string id) =>
        _names.TryGetValue(variable, out var name)
            ? name
            : throw new InvalidOperationException($"No {kind} '{id}' is configured: set {variable}.");

    [GeneratedRegex("^[a-z][a-z0-9-]{2,39}$")]
    private static partial Regex PrefixPattern();
}
