using System.Collections;

namespace ECommerceAgents.Resources;

/// <summary>
/// Where the services are. Empty endpoints mean "the AWS default for the region". Read from the standard
/// <c>AWS_ENDPOINT_URL</c>/<c>AWS_ENDPOINT_URL_&lt;SERVICE&gt;</c> variables plus our own for Redis, the warehouse and OpenSearch.
/// </summary>
public sealed record ServiceEndpoints
{
    public required string Region { get; init; }

    public Uri? DynamoDb { get; init; }

    public Uri? S3 { get; init; }

    public Uri? Kinesis { get; init; }

    public Uri? Firehose { get; init; }

    /// <summary>KMS, for the subjects' data keys (moto locally); null is AWS's.</summary>
    public Uri? Kms { get; init; }

    /// <summary>StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6380</c> or <c>host:6379,ssl=true</c>.</summary>
    public string? Redis { get; init; }

    /// <summary>Npgsql connection string of the warehouse (PostgreSQL locally, Redshift in AWS).</summary>
    public string? Warehouse { get; init; }

    public Uri? OpenSearch { get; init; }

    /// <summary>Static credentials for local stand-ins; null uses the SDK's default chain (the Lambda role in AWS).</summary>
    public string? AccessKey { get; init; }

    public string? SecretKey { get; init; }

    /// <summary>
    /// The function whose clients these are (<c>StreamProcessor</c>, <c>Api</c>, …). Clients record their calls under this
    /// name when the AWS call log is on (the IAM replay); null for the CLI's own clients, which are not recorded.
    /// </summary>
    public string? Caller { get; init; }

    public const string RedisVariable = "ECA_REDIS";
    public const string WarehouseVariable = "ECA_WAREHOUSE";
    public const string OpenSearchVariable = "OPENSEARCH_ENDPOINT";

    public static ServiceEndpoints FromEnvironment(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        string? Get(string name) => environment[name] as string is { Length: > 0 } v ? v : null;
        Uri? Endpoint(string service) => (Get("AWS_ENDPOINT_URL_" + service) ?? Get("AWS_ENDPOINT_URL")) is { } url ? new Uri(url) : null;

        return new ServiceEndpoints
        {
            Region = Get("AWS_REGION") ?? Get("AWS_DEFAULT_REGION") ?? "us-east-1",
            DynamoDb = Endpoint("DYNAMODB"),
            S3 = Endpoint("S3"),
            Kinesis = Endpoint("KINESIS"),
            Firehose = Endpoint("FIREHOSE"),
            Kms = Endpoint("KMS"),
            Redis = Get(RedisVariable),
            Warehouse = Get(WarehouseVariable),
            OpenSearch = Get(OpenSearchVariable) is { } os ? new Uri(os) : null,
            AccessKey = Get("AWS_ACCESS_KEY_ID"),
            SecretKey = Get("AWS_SECRET_ACCESS_KEY"),
        };
    }

    /// <summary>The same settings as environment variables, for a child process or a function configuration.</summary>
    public IReadOnlyDictionary<string, string> ToEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["AWS_REGION"] = Region };
        void Put(string name, object? value)
        {
            if (value?.ToString() is { Length: > 0 } s) env[name] = s;
        }

        Put("AWS_ENDPOINT_URL_DYNAMODB", DynamoDb);
        Put("AWS_ENDPOINT_URL_S3", S3);
        Put("AWS_ENDPOINT_URL_KINESIS", Kinesis);
        Put("AWS_ENDPOINT_URL_FIREHOSE", Firehose);
        Put("AWS_ENDPOINT_URL_KMS", Kms);
        Put(RedisVariable, Redis);
        Put(WarehouseVariable, Warehouse);
        Put(OpenSearchVariable, OpenSearch);
        Put("AWS_ACCESS_KEY_ID", AccessKey);
        Put("AWS_SECRET_ACCESS_KEY", SecretKey);
        return env;
    }
}
