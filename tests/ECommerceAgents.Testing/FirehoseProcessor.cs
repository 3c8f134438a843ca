using ECommerceAgents.Functions.LogTransformer;
using ECommerceAgents.Lambda.Hosting;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Testing;

/// <summary>
/// LogTransformer as the Lambda processor of one enriched delivery stream, for a test that builds the stream itself
/// under a name of its own: as in AWS, it returns each record's partition keys once told that stream's name.
/// </summary>
public static class FirehoseProcessor
{
    public static IFunctionHandler ForEnriched(ServiceEndpoints endpoints, string deliveryStreamName)
    {
        var names = ResourceBindings.FromEnvironment(new Dictionary<string, string> { [DeliveryStreams.Enriched.EnvironmentVariable] = deliveryStreamName });
        var environment = new FunctionEnvironment(endpoints, names, new Dictionary<string, string>()) { Output = TextWriter.Null };
        // CreateAsync completes synchronously (it only builds the client).
        return LogTransformerFunction.CreateAsync(environment, CancellationToken.None).GetAwaiter().GetResult();
    }
}
