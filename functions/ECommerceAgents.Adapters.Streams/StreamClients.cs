using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.Streams;

/// <summary>Builds the Kinesis and Firehose clients over the container's shared AWS transport (<see cref="AwsHttp"/>).</summary>
public static class StreamClients
{
    public static KinesisClient Kinesis(ServiceEndpoints endpoints, RetryPolicy? retry = null) =>
        new(AwsHttp.Client(AwsJsonService.Kinesis, endpoints.Kinesis, endpoints, retry));

    public static FirehoseClient Firehose(ServiceEndpoints endpoints, RetryPolicy? retry = null) =>
        new(AwsHttp.Client(AwsJsonService.Firehose, endpoints.Firehose, endpoints, retry));
}
