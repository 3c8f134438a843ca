using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Processing;

namespace ECommerceAgents.Domain.Api;

/// <summary>The port to what the API reads about users in the state store: profiles, sessions, identity links, orders.</summary>
public interface IUserReads
{
    Task<UserProfile?> ProfileAsync(string userId, CancellationToken cancellationToken);

    Task<SubjectState?> SubjectAsync(string subjectId, CancellationToken cancellationToken);

    /// <summary>The anonymous ids linked to a user.</summary>
    Task<IReadOnlyList<string>> AnonymousIdsAsync(string userId, CancellationToken cancellationToken);

    Task<IReadOnlyList<OrderRecord>> OrdersAsync(string userId, CancellationToken cancellationToken);
}

/// <summary>The port to the catalog and product statistics as the API answers them (attribute by attribute, as JSON).</summary>
public interface IProductReads
{
    /// <summary>A product as CatalogImport stored it, or null.</summary>
    Task<JsonObject?> ProductAsync(string sku, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> products of a category.</summary>
    Task<IReadOnlyList<JsonObject>> CategoryProductsAsync(string category, int limit, CancellationToken cancellationToken);

    /// <summary>A product's running statistics without their watermarks, or null.</summary>
    Task<JsonObject?> ProductStatsAsync(string sku, CancellationToken cancellationToken);
}

/// <summary>Product search (an OpenSearch index in AWS): the hits of a free-text query as the API answers them.</summary>
public interface IProductSearch
{
    Task<JsonObject> SearchAsync(string query, int size, CancellationToken cancellationToken);
}
