using Amazon.Runtime;
using Amazon.Runtime.Internal;

namespace ECommerceAgents.Adapters.Aws;

/// <summary>
/// An AWS SDK pipeline handler, placed after the marshaller, that writes each request to <see cref="AwsCallLog"/>: the
/// operation from the request's name and the resources from <paramref name="targets"/>, which knows the service.
/// </summary>
public sealed class SdkCallRecorder(string caller, string service, Func<IRequestContext, IEnumerable<(string Target, string? Detail)>> targets) : PipelineHandler
{
    public override void InvokeSync(IExecutionContext executionContext)
    {
        Record(executionContext.RequestContext);
        base.InvokeSync(executionContext);
    }

    public override Task<T> InvokeAsync<T>(IExecutionContext executionContext)
    {
        Record(executionContext.RequestContext);
        return base.InvokeAsync<T>(executionContext);
    }

    /// <summary>Adds the recorder to a client's pipeline when calls are being recorded and the client belongs to a function.</summary>
    public static void AddTo(RuntimePipeline pipeline, string? caller, string service, Func<IRequestContext, IEnumerable<(string Target, string? Detail)>> targets)
    {
        if (caller is null || !AwsCallLog.Enabled) return;
        pipeline.AddHandlerAfter<Marshaller>(new SdkCallRecorder(caller, service, targets));
    }

    private void Record(IRequestContext context)
    {
        var operation = context.RequestName.EndsWith("Request", StringComparison.Ordinal) ? context.RequestName[..^"Request".Length] : context.RequestName;
        foreach (var (target, detail) in targets(context)) AwsCallLog.Record(caller, service, operation, target, detail);
    }
}
