using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Local.Stack.EventSources;

/// <summary>Evaluates Firehose's S3 prefix expressions: <c>!{timestamp:fmt}</c>, <c>!{firehose:random-string}</c>, <c>!{firehose:error-output-type}</c>, <c>!{partitionKeyFromQuery:k}</c> and <c>!{partitionKeyFromLambda:k}</c>.</summary>
public static partial class FirehosePrefix
{
    public static string Evaluate(string template, DateTimeOffset timestamp, IReadOnlyDictionary<string, string>? partitionKeys = null, string? errorOutputType = null)
    {
        return Expression().Replace(template, m =>
        {
            var kind = m.Groups["kind"].Value;
            var arg = m.Groups["arg"].Value;
            return kind switch
            {
                "timestamp" => timestamp.UtcDateTime.ToString(arg, CultureInfo.InvariantCulture),
                "firehose" when arg == "random-string" => RandomString(11),
                "firehose" when arg == "error-output-type" => errorOutputType ?? throw new FormatException("error-output-type is only valid in an error prefix"),
                "partitionKeyFromQuery" or "partitionKeyFromLambda" =>
                    partitionKeys is not null && partitionKeys.TryGetValue(arg, out var v) && v.Length > 0
                        ? v
                        : throw new PartitionKeyMissingException(arg),
                _ => throw new FormatException($"Unknown prefix expression '{m.Value}'"),
            };
        });
    }

    /// <summary>The key names a template needs from dynamic partitioning.</summary>
    public static IEnumerable<string> PartitionKeys(string template) =>
        Expression().Matches(template).Where(m => m.Groups["kind"].Value.StartsWith("partitionKey", StringComparison.Ordinal)).Select(m => m.Groups["arg"].Value);

    private static string RandomString(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++) sb.Append(alphabet[Random.Shared.Next(alphabet.Length)]);
        return sb.ToString();
    }

    [GeneratedRegex(@"!\{(?<kind>[A-Za-z]+):(?<arg>[^}]+)\}")]
    private static partial Regex Expression();
}

public sealed class PartitionKeyMissingException(string key) : Exception($"partition key '{key}' is missing or empty")
{
    public string Key { get; } = key;
}
