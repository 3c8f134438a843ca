// Stands in for Amazon.Lambda.APIGatewayEvents (not served to this build). REST API, payload format 1.0.
namespace ECommerceAgents.Lambda.Events;

public sealed record ApiGatewayProxyRequest
{
    public string? Resource { get; init; }

    public required string Path { get; init; }

    public required string HttpMethod { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>>? MultiValueHeaders { get; init; }

    public IReadOnlyDictionary<string, string>? QueryStringParameters { get; init; }

    public IReadOnlyDictionary<string, IReadOnlyList<string>>? MultiValueQueryStringParameters { get; init; }

    public IReadOnlyDictionary<string, string>? PathParameters { get; init; }

    public IReadOnlyDictionary<string, string>? StageVariables { get; init; }

    public ApiGatewayRequestContext? RequestContext { get; init; }

    public string? Body { get; init; }

    public bool IsBase64Encoded { get; init; }
}

public sealed record ApiGatewayRequestContext
{
    public string? AccountId { get; init; }

    public string? ApiId { get; init; }

    public string? Stage { get; init; }

    public string? RequestId { get; init; }

    public string? Path { get; init; }

    public long RequestTimeEpoch { get; init; }

    public ApiGatewayIdentity? Identity { get; init; }
}

public sealed record ApiGatewayIdentity
{
    public string? SourceIp { get; init; }

    public string? UserAgent { get; init; }

    public string? ApiKey { get; init; }

    public string? ApiKeyId { get; init; }
}

public sealed record ApiGatewayProxyResponse
{
    public int StatusCode { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public string? Body { get; init; }

    public bool IsBase64Encoded { get; init; }
}
