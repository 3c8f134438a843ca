using ECommerceAgents.Domain.Api;

namespace ECommerceAgents.Domain.Tests.Api;

/// <summary>A browser key's allowed origins: written as browsers send Origin, one wildcard form, matched exactly.</summary>
public sealed class BrowserOriginsTests
{
    [Theory]
    [InlineData("https://shop.example", "https://shop.example")]
    [InlineData("HTTPS://Shop.Example", "https://shop.example")]
    [InlineData("https://shop.example:443", "https://shop.example")]
    [InlineData("http://shop.example:80", "http://shop.example")]
    [InlineData("https://shop.example:8443", "https://shop.example:8443")]
    [InlineData("http://localhost:3000", "http://localhost:3000")]
    [InlineData("http://127.0.0.1:8080", "http://127.0.0.1:8080")]
    [InlineData("http://[::1]:8080", "http://[::1]:8080")]
    [InlineData("https://*.shop.example", "https://*.shop.example")]
    public void Normalize_Origin_CanonicalForm(string value, string expected) =>
        Assert.Equal((expected, (string?)null), BrowserOrigins.Normalize(value));

    [Theory]
    [InlineData("")]
    [InlineData("*")]
    [InlineData("null")]
    [InlineData("shop.example")]
    [InlineData("ftp://shop.example")]
    [InlineData("https://shop.example/")]
    [InlineData("https://shop.example/checkout")]
    [InlineData("https://shop.example?x=1")]
    [InlineData("https://user@shop.example")]
    [InlineData("https://shop.example:0")]
    [InlineData("https://shop.example:70000")]
    [InlineData("https://shop.example:")]
    [InlineData("https://*.example")]
    [InlineData("https://*.*.shop.example")]
    [InlineData("https://shop.*.example")]
    [InlineData("https://*.127.0.0.1")]
    [InlineData("http://::1")]
    [InlineData("https://")]
    public void Normalize_NotAnOrigin_Error(string value)
    {
        var (origin, error) = BrowserOrigins.Normalize(value);

        Assert.Null(origin);
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Theory]
    [InlineData("https://shop.example", true)]
    [InlineData("https://SHOP.example:443", true)]
    [InlineData("http://shop.example", false)]
    [InlineData("https://shop.example:8443", false)]
    [InlineData("https://www.shop.example", false)]
    [InlineData("https://a.brand.example", true)]
    [InlineData("https://a.b.brand.example", true)]
    [InlineData("https://brand.example", false)]
    [InlineData("https://evilbrand.example", false)]
    [InlineData("https://a.brand.example:444", false)]
    [InlineData("http://a.brand.example", false)]
    [InlineData("https://*.brand.example", false)]
    [InlineData("null", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Allows_MatchesExactOriginsAndSubdomainsOfAWildcard(string? origin, bool expected) =>
        Assert.Equal(expected, BrowserOrigins.Allows(["https://shop.example", "https://*.brand.example"], origin));

    [Fact]
    public void Allows_EmptyList_NothingAllowed() => Assert.False(BrowserOrigins.Allows([], "https://shop.example"));
}
