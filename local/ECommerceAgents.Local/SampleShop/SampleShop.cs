using System.Text;
using ECommerceAgents.Functions.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ECommerceAgents.Local.SampleShop;

/// <summary>
/// A static sample shop (product list, product page, cart, checkout) that runs the browser tracker, served by the
/// local host only, on the API's own origin at <see cref="Path"/>: the page loads <c>/sdk/v1/eca.js</c> and posts to
/// <c>/v1/batch</c> on its own origin, as a shop does that routes the collector under its domain, so the tracker reads
/// every answer (and retries on the status) with no CORS in the way. The write key comes in the landing URL
/// (<c>?writeKey=</c>; <c>&amp;consent=required</c> turns on the consent banner) and is kept for the browser session.
/// </summary>
public static class SampleShopPage
{
    public const string Path = "/sample-shop/";

    /// <summary>Adds the page's route (with or without the trailing slash) to the local API before it starts. Never part of the deployed API.</summary>
    public static void Map(IEndpointRouteBuilder api)
    {
        api.MapGet(Path, () => Results.Content(Page.Value, "text/html; charset=utf-8", Encoding.UTF8))
            .WithMetadata(new ApiApplication.AllowAnonymousRoute()).DisableRateLimiting().ExcludeFromDescription();
    }

    private static readonly Lazy<string> Page = new(() =>
    {
        using var stream = typeof(SampleShopPage).Assembly.GetManifestResourceStream("ECommerceAgents.Local.SampleShop.sample-shop.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
