using System.Security.Cryptography;
using System.Text;
using Amazon.Runtime;
using ECommerceAgents.Adapters.Aws;

namespace ECommerceAgents.IntegrationTests.Adapters;

/// <summary>The SDK signer, driven by our client, agrees with an independent SigV4 computation from the specification.</summary>
public sealed class SigV4SignatureTests
{
    private const string AccessKey = "AKIDEXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void Sign_KinesisPutRecords_MatchesIndependentSignature()
    {
        var client = new SigV4JsonClient(new HttpClient(), AwsJsonService.Kinesis, new Uri("https://kinesis.eu-west-1.amazonaws.com/"), "eu-west-1", new BasicAWSCredentials(AccessKey, SecretKey));
        var body = Encoding.UTF8.GetBytes("{\"StreamName\":\"eca-events\",\"Records\":[]}");
        var at = new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc);

        var signed = client.Sign("PutRecords", body, new ImmutableCredentials(AccessKey, SecretKey, null), at);

        var headers = signed.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value);
        Assert.Equal("Kinesis_20131202.PutRecords", headers["x-amz-target"]);
        Assert.Equal("application/x-amz-json-1.1", headers["content-type"]);
        Assert.Equal("20261123T100000Z", headers["x-amz-date"]);
        Assert.Equal(Expected(headers, body, "kinesis", "eu-west-1", at), headers["authorization"]);
    }

    [Fact]
    public void Sign_SessionCredentials_SecurityTokenIsSigned()
    {
        var client = new SigV4JsonClient(new HttpClient(), AwsJsonService.Firehose, new Uri("https://firehose.us-east-1.amazonaws.com/"), "us-east-1", new BasicAWSCredentials(AccessKey, SecretKey));

        var signed = client.Sign("PutRecordBatch", "{}"u8.ToArray(), new ImmutableCredentials(AccessKey, SecretKey, "token-123"), DateTime.UtcNow);

        Assert.Equal("token-123", signed.Headers["X-Amz-Security-Token"]);
        Assert.Contains("x-amz-security-token", signed.Headers["Authorization"]);
    }

    /// <summary>SigV4 from the AWS specification: canonical request, string to sign, derived key.</summary>
    private static string Expected(Dictionary<string, string> headers, byte[] body, string service, string region, DateTime at)
    {
        var signedNames = headers.Keys.Where(k => k != "authorization").Order(StringComparer.Ordinal).ToArray();
        var canonicalHeaders = string.Concat(signedNames.Select(n => $"{n}:{headers[n].Trim()}\n"));
        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(body));
        var canonical = $"POST\n/\n\n{canonicalHeaders}\n{string.Join(';', signedNames)}\n{payloadHash}";
        var date = at.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture);
        var scope = $"{date}/{region}/{service}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{at:yyyyMMdd'T'HHmmss'Z'}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + SecretKey), date), region), service), "aws4_request");
        var signature = Convert.ToHexStringLower(Hmac(key, toSign));
        return $"AWS4-HMAC-SHA256 Credential={AccessKey}/{scope}, SignedHeaders={string.Join(';', signedNames)}, Signature={signature}";
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
