using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Logs;
using FsCheck;
using FsCheck.Xunit;

namespace ECommerceAgents.Domain.Tests.Enrichment;

public sealed class PseudonymiserTests
{
    private const string Key = "test-key-0123456789abcdef";

    [Fact]
    public void Hash_SameInputSameKey_SameOutput_NormalisesEmails()
    {
        using var p = Pseudonymiser.FromSecret(Key);

        Assert.Equal(p.Hash("Jane.Doe@Example.com ", "email"), p.Hash("jane.doe@example.com", "email"));
        Assert.Matches("^[0-9a-f]{32}$", p.Hash("jane.doe@example.com", "email"));
    }

    [Fact]
    public void Hash_PurposeSeparatesNamespaces()
    {
        using var p = Pseudonymiser.FromSecret(Key);

        Assert.NotEqual(p.Hash("abc", "email"), p.Hash("abc", "device"));
    }

    [Fact]
    public void Create_ShortKey_RefusedWithTheSettingName()
    {
        var error = Assert.Throws<ArgumentException>(() => Pseudonymiser.FromSecret("short"));

        Assert.Contains("ECA_PSEUDONYM_KEY", error.Message);
    }

    [Property(MaxTest = 300)]
    public bool Hash_IsDeterministicAndKeyed(NonEmptyString value)
    {
        using var a = Pseudonymiser.FromSecret(Key);
        using var b = Pseudonymiser.FromSecret(Key);
        using var other = Pseudonymiser.FromSecret(Key + "x");
        var hash = a.Hash(value.Get, "device");
        return hash == b.Hash(value.Get, "device") && hash != other.Hash(value.Get, "device") && !hash.Contains(value.Get, StringComparison.Ordinal) || value.Get.Length < 3;
    }

    [Theory]
    [InlineData("203.0.113.42", "203.0.113.0")]
    [InlineData("10.1.2.3", "10.1.2.0")]
    [InlineData("2001:db8:85a3:1234:5678:8a2e:370:7334", "2001:db8:85a3::")]
    [InlineData("::ffff:198.51.100.7", "198.51.100.0")]
    [InlineData("not an ip", null)]
    [InlineData(null, null)]
    public void TruncateIp_KeepsOnlyTheNetwork(string? ip, string? expected)
    {
        Assert.Equal(expected, Pseudonymiser.TruncateIp(ip));
    }

    [Fact]
    public void MaskEmails_InFreeText()
    {
        Assert.Equal("order for [email] please", SensitiveDataMasker.Mask("order for jane.doe+shop@example.co.uk please"));
        Assert.Equal("no email here", SensitiveDataMasker.Mask("no email here"));
    }
}
