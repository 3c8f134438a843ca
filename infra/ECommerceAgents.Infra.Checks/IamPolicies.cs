using System.Text.Json;
using System.Text.RegularExpressions;

namespace ECommerceAgents.Infra.Checks;

/// <summary>One policy statement, rendered: effect, actions (or NotAction), resources (or NotResource), and its condition as written.</summary>
public sealed record IamStatement(string Source, bool Allow, IReadOnlyList<string> Actions, bool NotAction, IReadOnlyList<string> Resources, bool NotResource, JsonElement? Condition)
{
    public bool MatchesAction(string action) => NotAction != Actions.Any(a => IamPolicies.ActionMatches(a, action));

    public bool MatchesResource(string resource) => NotResource != Resources.Any(r => IamPolicies.ResourceMatches(r, resource));
}

public enum IamDecision
{
    Allowed,

    /// <summary>No statement allows it (IAM's default deny).</summary>
    ImplicitDeny,

    /// <summary>A Deny statement matches.</summary>
    ExplicitDeny,
}

/// <summary>The decision for one request, the statements that decided it, and the conditions that could not be evaluated.</summary>
public sealed record IamEvaluation(IamDecision Decision, IReadOnlyList<IamStatement> Deciding, IReadOnlyList<string> UnmodelledConditions);

/// <summary>
/// IAM's evaluation logic for what our templates use: an explicit Deny wins, then any Allow, else deny. Actions match
/// case-insensitively with <c>*</c> and <c>?</c>; resources match ARN patterns case-sensitively. Conditions are evaluated
/// for the keys in <see cref="RequestContext"/> (<c>aws:SecureTransport</c>, <c>s3:TlsVersion</c>: what AWS's SDKs send);
/// any other condition key is reported by name, and its statement is treated as not applying (so an Allow behind an
/// unmodelled condition does not count, and such a Deny does not either — both are listed).
/// </summary>
public static class IamPolicies
{
    /// <summary>What an AWS SDK request from a function carries: TLS, at 1.2 or later.</summary>
    public static IReadOnlyDictionary<string, string> RequestContext { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["aws:SecureTransport"] = "true",
        ["s3:TlsVersion"] = "1.3",
    };

    public static IamEvaluation Evaluate(IEnumerable<IamStatement> statements, string action, string resource)
    {
        var unmodelled = new List<string>();
        var allows = new List<IamStatement>();
        var denies = new List<IamStatement>();
        foreach (var s in statements)
        {
            if (!s.MatchesAction(action) || !s.MatchesResource(resource)) continue;
            if (s.Condition is { } condition)
            {
                var (holds, unknown) = ConditionHolds(condition);
                unmodelled.AddRange(unknown.Select(k => $"{k} ({s.Source})"));
                if (unknown.Count > 0 || !holds) continue;
            }

            (s.Allow ? allows : denies).Add(s);
        }

        if (denies.Count > 0) return new IamEvaluation(IamDecision.ExplicitDeny, denies, unmodelled);
        return allows.Count > 0 ? new IamEvaluation(IamDecision.Allowed, allows, unmodelled) : new IamEvaluation(IamDecision.ImplicitDeny, [], unmodelled);
    }

    public static bool ActionMatches(string pattern, string action) => Wildcard(pattern, ignoreCase: true).IsMatch(action);

    public static bool ResourceMatches(string pattern, string resource) => Wildcard(pattern, ignoreCase: false).IsMatch(resource);

    /// <summary>The statements of every policy document: each statement's actions and resources rendered by the template.</summary>
    public static IEnumerable<IamStatement> Statements(CfnTemplate template, JsonElement document, string source)
    {
        foreach (var st in document.GetProperty("Statement").EnumerateArray())
        {
            var notAction = st.TryGetProperty("NotAction", out var na);
            var notResource = st.TryGetProperty("NotResource", out var nr);
            yield return new IamStatement(
                source,
                st.GetProperty("Effect").GetString() == "Allow",
                Strings(template, notAction ? na : st.TryGetProperty("Action", out var a) ? a : default),
                notAction,
                Strings(template, notResource ? nr : st.TryGetProperty("Resource", out var r) ? r : default),
                notResource,
                st.TryGetProperty("Condition", out var c) ? c.Clone() : null);
        }
    }

    private static IReadOnlyList<string> Strings(CfnTemplate template, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => [.. value.EnumerateArray().Select(template.Render)],
        JsonValueKind.Undefined => [],
        _ => [template.Render(value)],
    };

    private static (bool Holds, IReadOnlyList<string> Unknown) ConditionHolds(JsonElement condition)
    {
        var unknown = new List<string>();
        var holds = true;
        foreach (var op in condition.EnumerateObject())
        {
            foreach (var key in op.Value.EnumerateObject())
            {
                if (!RequestContext.TryGetValue(key.Name, out var actual))
                {
                    unknown.Add($"{op.Name} {key.Name}");
                    continue;
                }

                var expected = key.Value.ValueKind == JsonValueKind.Array ? key.Value.EnumerateArray().Select(v => v.ToString()).ToList() : [key.Value.ToString()];
                var ok = op.Name switch
                {
                    "Bool" or "StringEquals" or "StringEqualsIgnoreCase" => expected.Any(e => string.Equals(e, actual, StringComparison.OrdinalIgnoreCase)),
                    "NumericLessThan" => expected.Any(e => double.Parse(actual, System.Globalization.CultureInfo.InvariantCulture) < double.Parse(e, System.Globalization.CultureInfo.InvariantCulture)),
                    "NumericGreaterThanEquals" => expected.Any(e => double.Parse(actual, System.Globalization.CultureInfo.InvariantCulture) >= double.Parse(e, System.Globalization.CultureInfo.InvariantCulture)),
                    _ => Unknown(unknown, op.Name + " " + key.Name),
                };
                holds &= ok;
            }
        }

        return (holds, unknown);

        static bool Unknown(List<string> unknown, string what)
        {
            unknown.Add(what);
            return false;
        }
    }

    private static readonly Dictionary<(string, bool), Regex> Cache = [];

    private static Regex Wildcard(string pattern, bool ignoreCase)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue((pattern, ignoreCase), out var cached)) return cached;
            var regex = new Regex("^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
                (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
            Cache[(pattern, ignoreCase)] = regex;
            return regex;
        }
    }
}
