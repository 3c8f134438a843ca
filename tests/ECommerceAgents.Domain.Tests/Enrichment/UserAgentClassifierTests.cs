using ECommerceAgents.Domain.Enrichment;

namespace ECommerceAgents.Domain.Tests.Enrichment;

public sealed class UserAgentClassifierTests
{
    [Theory]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", true)]
    [InlineData("python-requests/2.32.3", true)]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/126.0 Safari/537.36", true)]
    [InlineData("curl/8.5.0", true)]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", false)]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36", false)]
    public void Classify_AutomationSignatures(string agent, bool bot) => Assert.Equal(bot, UserAgentClassifier.Classify(agent).IsBot);

    [Fact]
    public void Classify_DeviceBrowserAndOs()
    {
        var iphone = UserAgentClassifier.Classify("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1");
        var edge = UserAgentClassifier.Classify("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0");

        Assert.Equal(("mobile", "safari", "ios"), (iphone.DeviceType, iphone.Browser, iphone.Os));
        Assert.Equal(("desktop", "edge", "windows"), (edge.DeviceType, edge.Browser, edge.Os));
        Assert.Equal("unknown", UserAgentClassifier.Classify(null).DeviceType);
    }
}
