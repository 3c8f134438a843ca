using System.Text.RegularExpressions;

namespace ECommerceAgents.Domain.Logs;

/// <summary>
/// Health-check noise: load-balancer and orchestrator probes (<c>GET /healthz</c>, <c>/health</c>, <c>/ping</c>,
/// <c>/ready</c>, <c>/live</c>; the <c>ELB-HealthChecker</c> and <c>kube-probe</c> user agents) and CloudWatch Logs'
/// own control messages. Such lines are dropped, never stored.
/// </summary>
internal static partial class HealthCheckFilter
{
    public static bool IsNoise(string message, string? path = null, string? userAgent = null)
    {
        if (path is not null && ProbePath().IsMatch(path)) return true;
        if (userAgent is not null && (userAgent.Contains("ELB-HealthChecker", StringComparison.OrdinalIgnoreCase) || userAgent.StartsWith("kube-probe", StringComparison.OrdinalIgnoreCase))) return true;
        if (message.Length == 0) return false;
        if (message.Contains("ELB-HealthChecker", StringComparison.OrdinalIgnoreCase) || message.Contains("kube-probe/", StringComparison.OrdinalIgnoreCase)) return true;
        if (message.StartsWith("CWL CONTROL MESSAGE", StringComparison.Ordinal)) return true;
        return message.Contains("/health", StringComparison.OrdinalIgnoreCase) || message.Contains("/ping", StringComparison.OrdinalIgnoreCase)
            || message.Contains("/ready", StringComparison.OrdinalIgnoreCase) || message.Contains("/live", StringComparison.OrdinalIgnoreCase)
            ? ProbeRequest().IsMatch(message)
            : false;
    }

    // An HTTP request line for a probe path: the method, then the path alone (a query string is allowed).
    [GeneratedRegex(@"\b(?:GET|HEAD)\s+/(?:healthz?|health-check|healthcheck|ping|readyz?|livez?|liveness|readiness)(?:[?\s""]|$)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ProbeRequest();

    [GeneratedRegex(@"^/(?:healthz?|health-check|healthcheck|ping|readyz?|livez?|liveness|readiness)(?:\?.*)?$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ProbePath();
}
