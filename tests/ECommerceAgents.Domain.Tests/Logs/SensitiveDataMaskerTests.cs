using ECommerceAgents.Domain.Logs;

namespace ECommerceAgents.Domain.Tests.Logs;

public sealed class SensitiveDataMaskerTests
{
    [Fact]
    public void Mask_Email_Replaced()
    {
        var counts = new MaskCounts();

        var masked = SensitiveDataMasker.Mask("payment declined for jane.doe@example.com today", counts);

        Assert.Equal("payment declined for [email] today", masked);
        Assert.Equal(1, counts.Emails);
    }

    [Theory]
    [InlineData("card 4111 1111 1111 1111 declined", "card **** **** **** 1111 declined")]
    [InlineData("pan=4111111111111111", "pan=************1111")]
    [InlineData("amex 3782-822463-10005 ok", "amex ****-******-*0005 ok")]
    [InlineData("mc 5555555555554444.", "mc ************4444.")]
    [InlineData("paid with 4111 1111 1111 1111 5 items", "paid with **** **** **** 1111 5 items")] // found by the masking property
    [InlineData("qty 2 4111 1111 1111 1111", "qty 2 **** **** **** 1111")]
    [InlineData("cards 4111 1111 1111 1111 5555 5555 5555 4444 on file", "cards **** **** **** 1111 **** **** **** 4444 on file")] // two back to back: both masked
    public void Mask_CardNumberPassingLuhn_AllButLastFourMasked(string input, string expected)
    {
        Assert.Equal(expected, SensitiveDataMasker.Mask(input));
    }

    [Theory]
    [InlineData("order 4111111111111112 shipped")] // Luhn fails: an order number, not a card
    [InlineData("order 1000000000000009 shipped")] // passes Luhn but no card network starts with 1
    [InlineData("trace 12345678901234567890123 done")] // longer than any card
    [InlineData("timestamp 1795428000123")] // 13 digits starting with 1
    public void Mask_DigitRunThatIsNotACard_Untouched(string input)
    {
        Assert.Equal(input, SensitiveDataMasker.Mask(input));
    }

    [Theory]
    [InlineData("key AKIAIOSFODNN7EXAMPLE used", "key [aws-access-key] used")]
    [InlineData("Authorization: Bearer abcdef0123456789xyz", "Authorization: Bearer [secret]")]
    [InlineData("GET /v1/items?api_key=sk_live_51Habc&page=2", "GET /v1/items?api_key=[secret]&page=2")]
    [InlineData("login failed password=hunter2 user=bob", "login failed password=[secret] user=bob")]
    [InlineData("{\"password\":\"hunter2\",\"user\":\"bob\"}", "{\"password\":\"[secret]\",\"user\":\"bob\"}")]
    [InlineData("connecting to postgres://app:s3cr3t@db.internal:5432/shop", "connecting to postgres://app:[secret]@db.internal:5432/shop")]
    [InlineData("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end", "jwt [jwt] end")]
    public void Mask_Secret_Masked(string input, string expected)
    {
        Assert.Equal(expected, SensitiveDataMasker.Mask(input));
    }

    [Fact]
    public void Mask_CleanLine_SameInstanceReturned()
    {
        const string line = "order o-5521 placed total=129.99 EUR";

        Assert.Same(line, SensitiveDataMasker.Mask(line));
    }

    [Theory]
    [InlineData("password", true)]
    [InlineData("X-Api-Key", true)]
    [InlineData("client_secret", true)]
    [InlineData("sessionId", true)]
    [InlineData("orderId", false)]
    [InlineData("durationMs", false)]
    public void IsSecretName_FieldNames(string name, bool secret)
    {
        Assert.Equal(secret, SensitiveDataMasker.IsSecretName(name));
    }
}
