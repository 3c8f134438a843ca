using Microsoft.OpenApi;

namespace ECommerceAgents.Functions.Api;

/// <summary>The OpenAPI document's description: one tag per area, the API's title, and the x-api-key scheme.</summary>
internal static class ApiOpenApi
{
    private static readonly string[] Areas = ["ingest", "users", "products", "metrics", "admin", "sdk", "health"];

    public static IServiceCollection AddEcaOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o => o.AddOperationTransformer((operation, context, _) =>
        {
            // One tag per area (ingest, users, products, metrics, admin), not the host assembly's name.
            var path = context.Description.RelativePath ?? "";
            var area = path.StartsWith("v1/", StringComparison.Ordinal) ? path.Split('/')[1] : path.StartsWith("sdk/", StringComparison.Ordinal) ? "sdk" : "health";
            if (area == "anonymous") area = "users"; // an anonymous visitor's consent sits with the users' routes
            operation.Tags = new HashSet<OpenApiTagReference> { new(area is "events" or "orders" or "products" && context.Description.HttpMethod == "POST" || area is "webhooks" or "track" or "identify" or "page" or "screen" or "alias" or "group" or "batch" ? "ingest" : area) };
            return Task.CompletedTask;
        }).AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "ECommerceAgents API",
                Version = "v1",
                Description = "Ingest (events, orders, products, signed webhooks) and queries for agents and dashboards. Every route but /healthz, this document and the browser tracker (/sdk/v1/eca.js) needs an x-api-key header (the Segment tracking API's routes, /v1/track, identify, page, screen, alias, group and batch, also take it as the HTTP Basic username or as writeKey in the body, and accept gzip bodies); problems are application/problem+json (RFC 9457).",
            };
            document.Tags = new HashSet<OpenApiTag>(Areas.Select(t => new OpenApiTag { Name = t }));
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
            {
                ["ApiKey"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = ApiApplication.KeyHeader },
            };
            return Task.CompletedTask;
        }));
}
