using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Events;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Tests.Builders;

namespace ECommerceAgents.Domain.Tests.Enrichment;

public sealed class PreferenceExtractorTests
{
    private readonly PreferenceExtractor _extractor = new();

    [Fact]
    public void Apply_ViewsAndCarts_WeightedAffinitiesByCategoryBrandAndPriceBand()
    {
        var profile = new UserProfile { UserId = "u" };

        _extractor.Apply(profile, EventTypes.ProductView, new EventData { Category = "books", Brand = "Acme", Price = 15m }, EventBuilder.Now);
        _extractor.Apply(profile, EventTypes.AddToCart, new EventData { Category = "books", Brand = "Acme", Price = 15m }, EventBuilder.Now);

        Assert.Equal(4.0, profile.Affinities.Category["books"]);
        Assert.Equal(4.0, profile.Affinities.Brand["Acme"]);
        Assert.Equal(4.0, profile.Affinities.PriceBand["budget"]);
    }

    [Fact]
    public void Apply_AfterOneHalfLife_EarlierScoreHalved()
    {
        var profile = new UserProfile { UserId = "u" };
        _extractor.Apply(profile, EventTypes.ProductView, new EventData { Category = "books" }, EventBuilder.Now);

        _extractor.Apply(profile, EventTypes.ProductView, new EventData { Category = "toys" }, EventBuilder.Now + _extractor.HalfLife);

        Assert.Equal(0.5, profile.Affinities.Category["books"], 6);
        Assert.Equal(1.0, profile.Affinities.Category["toys"], 6);
    }

    [Fact]
    public void Top_DecaysToTheReadingTime()
    {
        var profile = new UserProfile { UserId = "u" };
        _extractor.Apply(profile, EventTypes.ProductView, new EventData { Category = "books" }, EventBuilder.Now);

        var top = _extractor.Top(profile.Affinities.Category, profile.AffinitiesAsOf, EventBuilder.Now + 2 * _extractor.HalfLife, 5);

        Assert.Equal(("books", 0.25), Assert.Single(top));
    }

    [Theory]
    [InlineData(9.99, "budget")]
    [InlineData(25, "mid")]
    [InlineData(499.99, "premium")]
    [InlineData(1200, "luxury")]
    public void PriceBand_Boundaries(decimal price, string band) => Assert.Equal(band, PreferenceExtractor.PriceBand(price));
}
