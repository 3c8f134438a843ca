using ECommerceAgents.Lambda.Logging;
using ECommerceAgents.Lambda.Metrics;
using ECommerceAgents.Lambda.Runtime;

namespace ECommerceAgents.Lambda.Hosting;

/// <summary>
/// A function's log and its EMF metrics, bound once per container to its name, output and clock: the telemetry every
/// function entry shares. Log lines carry the invocation's request id after <see cref="Begin"/>; each metrics document
/// has the <c>Function</c> dimension and the <c>requestId</c> property.
/// </summary>
public sealed class FunctionTelemetry(string function, TextWriter output, TimeProvider clock)
{
    /// <summary>The CloudWatch namespace of every metric the functions write (the CDK alarms read it).</summary>
    public const string MetricsNamespace = "ECommerceAgents";

    private readonly Dictionary<string, string> _dimensions = new(StringComparer.Ordinal) { ["Function"] = function };

    public FunctionTelemetry(string function, FunctionEnvironment environment)
        : this(function, environment.Output, environment.Clock)
    {
    }

    public JsonLog Log { get; } = new(function, output, clock);

    /// <summary>Starts an invocation: the log's lines carry its request id from here on.</summary>
    public void Begin(LambdaInvocation invocation) => Log.CorrelationId = invocation.RequestId;

    /// <summary>A new metrics document for one invocation (flush it when done).</summary>
    public MetricsWriter Metrics(LambdaInvocation invocation)
    {
        var metrics = new MetricsWriter(MetricsNamespace, _dimensions, output, clock);
        metrics.Property("requestId", invocation.RequestId);
        return metrics;
    }
}
