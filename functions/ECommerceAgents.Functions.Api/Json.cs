using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Validation;

namespace ECommerceAgents.Functions.Api;

/// <summary>An RFC 9457 problem, with each violation's JSON path.</summary>
public sealed record Problem
{
    public string Type { get; init; } = "about:blank";

    public required string Title { get; init; }

    public int Status { get; init; }

    public string? Detail { get; init; }

    public string? Instance { get; init; }

    public string? RequestId { get; init; }

    public IReadOnlyList<ProblemError>? Errors { get; init; }

    /// <summary>For a 503: the dependency that could not serve the request (DynamoDB, Redis, OpenSearch, Kinesis). An RFC 9457 extension member.</summary>
    public string? Dependency { get; init; }
}

public sealed record ProblemError(string Path, string Keyword, string Message, int? Index = null, string? EventId = null)
{
    public static ProblemError From(Violation v, int? index = null, string? eventId = null) => new(v.Path, v.Keyword, v.Message, index, eventId);
}

public sealed record IngestAccepted(int Accepted, IReadOnlyList<ProblemError> Rejected, IReadOnlyList<string> EventIds, string RequestId, string Traceparent);

/// <summary>A consent request: <see cref="Purposes"/>, or the older single <see cref="Personalisation"/> field. Unknown fields are refused.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ConsentRequest(bool? Personalisation = null, ConsentPurposesBody? Purposes = null);

/// <summary>The four purposes; in a request, the ones to change (null: unchanged); in a response, each one's effective choice.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ConsentPurposesBody(bool? Analytics = null, bool? Personalisation = null, bool? Marketing = null, bool? SaleShare = null);

/// <param name="UserId">The user, for a user's consent.</param>
/// <param name="AnonymousId">The anonymous id, for an anonymous visitor's consent.</param>
/// <param name="Personalisation">The personalisation purpose, as the older responses had it.</param>
/// <param name="Defaulted">The purposes never set, which take their default (granted).</param>
/// <param name="SaleShareSource"><c>gpc</c> when sale/share was denied by a Global Privacy Control signal, <c>request</c> when set in a body.</param>
/// <param name="UpdatedAt">When the record last changed (the minimum time when never set).</param>
public sealed record ConsentResponse(string? UserId, string? AnonymousId, bool Personalisation, ConsentPurposesBody Purposes, IReadOnlyList<string> Defaulted, string? SaleShareSource, DateTimeOffset UpdatedAt);

/// <param name="AllowedOrigins">For a browser key (required, 1 to 50): the origins its requests may come from, <c>https://shop.example</c> or <c>https://*.shop.example</c>.</param>
public sealed record KeyRequest(string? Name, string? Role, IReadOnlyList<string>? AllowedOrigins = null);

/// <param name="AllowedOrigins">A browser key's origins, as stored (lowercase, default port dropped).</param>
public sealed record KeyCreated(string KeyId, string Key, string Name, string Role, DateTimeOffset CreatedAt, IReadOnlyList<string>? AllowedOrigins = null);

public sealed record Health(string Status, string Version);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(IngestAccepted))]
[JsonSerializable(typeof(ConsentRequest))]
[JsonSerializable(typeof(ConsentResponse))]
[JsonSerializable(typeof(KeyRequest))]
[JsonSerializable(typeof(KeyCreated))]
[JsonSerializable(typeof(Health))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(SubjectState))]
[JsonSerializable(typeof(UserProfile))]
[JsonSerializable(typeof(OrderRecord))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
