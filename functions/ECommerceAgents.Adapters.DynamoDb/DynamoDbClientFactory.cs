using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>Builds the DynamoDB client once per container.</summary>
public static class DynamoDbClientFactory
{
    public static IAmazonDynamoDB Create(ECommerceAgents.Resources.ServiceEndpoints endpoints, int maxErrorRetry = 4)
    {
        var config = new AmazonDynamoDBConfig
        {
            RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(endpoints.Region),
            MaxErrorRetry = maxErrorRetry,
        };
        if (endpoints.DynamoDb is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = endpoints.Region;
        }

        return endpoints.AccessKey is { } key && endpoints.SecretKey is { } secret
            ? new AmazonDynamoDBClient(new BasicAWSCredentials(key, secret), config)
            : new AmazonDynamoDBClient(config);
    }
}
