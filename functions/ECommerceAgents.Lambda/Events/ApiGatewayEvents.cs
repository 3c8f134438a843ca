// Stands in for Amazon.Lambda.APIGatewayEvents (not served to this build). REST API, payload format 1.0.
using System.Text.Json.Serialization;

namespace ECommerceAgents.Lambda.Events;

/// <summary>An API Gateway proxy request; <paramref name="Path"/> and <paramref name="HttpMethod"/> must be present.</summary>
public sealed record ApiGatewayProxyRequest(
    [property: JsonRequired] string Path,
    [property: JsonRequired] string HttpMethod,
    string? Resource = null,
    IReadOnlyDictionary<string, string>? Headers = null, IReadOnlyDictionary<string, IReadOnlyList<string>>? MultiValueHeaders = null,
    IReadOnlyDictionary<string, string>? QueryStringParameters = null, IReadOnlyDictionary<string, IReadOnlyList<string>>? MultiValueQueryStringParameters = null,
    IReadOnlyDictionary<string, string>? PathParameters = null, IReadOnlyDictionary<string, string>? StageVariables = null,
    ApiGatewayRequestContext? RequestContext = null,
    string? Body = null,
    bool IsBase64Encoded = false);

/// <summary>The request's context; <paramref name="RequestTimeEpoch"/> is in epoch milliseconds.</summary>
public sealed record ApiGatewayRequestContext(
    string? AccountId = null, string? ApiId = null, string? Stage = null, string? RequestId = null, string? Path = null,
    long RequestTimeEpoch = 0, ApiGatewayIdentity? Identity = null);

/// <summary>Who called: the source IP, the user agent and the API key, when there is one.</summary>
public sealed record ApiGatewayIdentity(string? SourceIp = null, string? UserAgent = null, string? ApiKey = null, string? ApiKeyId = null);

/// <summary>An API Gateway proxy response.</summary>
public sealed record ApiGatewayProxyResponse(int StatusCode = 0, IReadOnlyDictionary<string, string>? Headers = null, string? Body = null, bool IsBase64Encoded = false);
