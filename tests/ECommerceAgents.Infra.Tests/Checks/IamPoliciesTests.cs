using System.Text.Json;
using ECommerceAgents.Infra.Checks;

namespace ECommerceAgents.Infra.Tests.Checks;

/// <summary>The evaluator itself: IAM's precedence, wildcards and conditions, on statements written out here.</summary>
public sealed class IamPoliciesTests
{
    private static IamStatement Allow(string action, string resource) => new("test", true, [action], false, [resource], false, null);

    [Fact]
    public void NoMatchingAllow_IsAnImplicitDeny()
    {
        var result = IamPolicies.Evaluate([Allow("dynamodb:GetItem", "arn:aws:dynamodb:r:a:table/orders")], "dynamodb:UpdateItem", "arn:aws:dynamodb:r:a:table/orders");

        Assert.Equal(IamDecision.ImplicitDeny, result.Decision);
    }

    [Fact]
    public void ExplicitDeny_WinsOverAnAllow()
    {
        var deny = new IamStatement("deny", false, ["s3:*"], false, ["arn:aws:s3:::zone/*"], false, null);

        var result = IamPolicies.Evaluate([Allow("s3:GetObject", "arn:aws:s3:::zone/*"), deny], "s3:GetObject", "arn:aws:s3:::zone/raw/x.json");

        Assert.Equal(IamDecision.ExplicitDeny, result.Decision);
        Assert.Equal([deny], result.Deciding);
    }

    [Theory]
    [InlineData("s3:GetObject*", "s3:GetObjectVersion", true)]
    [InlineData("S3:getobject", "s3:GetObject", true)] // actions are case-insensitive
    [InlineData("s3:Get?bject", "s3:GetObject", true)]
    [InlineData("s3:GetObject", "s3:GetObjectAcl", false)]
    public void Actions_MatchWithWildcardsIgnoringCase(string pattern, string action, bool matches) =>
        Assert.Equal(matches, IamPolicies.ActionMatches(pattern, action));

    [Theory]
    [InlineData("arn:aws:s3:::b/quarantine/*", "arn:aws:s3:::b/quarantine/dt=2026-12-02/x.json", true)]
    [InlineData("arn:aws:s3:::b/quarantine/*", "arn:aws:s3:::b/raw/x.json", false)]
    [InlineData("arn:aws:s3:::b/quarantine/*", "arn:aws:s3:::b", false)] // the bucket itself is a different resource
    [InlineData("arn:aws:dynamodb:r:a:table/T", "arn:aws:dynamodb:r:a:table/T/index/byUser", false)]
    [InlineData("arn:aws:s3:::b/Q/*", "arn:aws:s3:::b/q/x", false)] // resources are case-sensitive
    public void Resources_MatchArnPatternsCaseSensitively(string pattern, string resource, bool matches) =>
        Assert.Equal(matches, IamPolicies.ResourceMatches(pattern, resource));

    [Fact]
    public void NotAction_AllowsEverythingElse()
    {
        var statement = new IamStatement("t", true, ["s3:DeleteObject"], true, ["*"], false, null);

        Assert.Equal(IamDecision.Allowed, IamPolicies.Evaluate([statement], "s3:GetObject", "arn:aws:s3:::b/k").Decision);
        Assert.Equal(IamDecision.ImplicitDeny, IamPolicies.Evaluate([statement], "s3:DeleteObject", "arn:aws:s3:::b/k").Decision);
    }

    [Fact]
    public void TlsOnlyDeny_DoesNotApplyToSdkCalls_AnUnknownConditionIsNamed()
    {
        using var tls = JsonDocument.Parse("""{"Bool":{"aws:SecureTransport":"false"}}""");
        using var vpce = JsonDocument.Parse("""{"StringEquals":{"aws:SourceVpce":"vpce-1"}}""");
        var denyPlainHttp = new IamStatement("bucket policy", false, ["s3:*"], false, ["*"], false, tls.RootElement.Clone());
        var allowFromEndpoint = new IamStatement("endpoint only", true, ["s3:GetObject"], false, ["*"], false, vpce.RootElement.Clone());

        var result = IamPolicies.Evaluate([Allow("s3:GetObject", "*"), denyPlainHttp], "s3:GetObject", "arn:aws:s3:::b/k");
        var unknown = IamPolicies.Evaluate([allowFromEndpoint], "s3:GetObject", "arn:aws:s3:::b/k");

        Assert.Equal(IamDecision.Allowed, result.Decision);
        Assert.Equal(IamDecision.ImplicitDeny, unknown.Decision);
        Assert.Equal(["StringEquals aws:SourceVpce (endpoint only)"], unknown.UnmodelledConditions);
    }

    [Theory]
    [InlineData("s3", "ListObjectsV2", "s3:ListBucket")]
    [InlineData("s3", "GetObjectMetadata", "s3:GetObject")]
    [InlineData("s3", "DeleteObjects", "s3:DeleteObject")]
    [InlineData("lambda", "Invoke", "lambda:InvokeFunction")]
    [InlineData("es", "HEAD", "es:ESHttpHead")]
    [InlineData("dynamodb", "BatchWriteItem", "dynamodb:BatchWriteItem")]
    [InlineData("s3", "SelectObjectContent", null)] // unknown operations are reported, never guessed
    public void Operations_MapToTheActionsThatAuthoriseThem(string service, string operation, string? action) =>
        Assert.Equal(action, IamActions.Action(service, operation));
}
