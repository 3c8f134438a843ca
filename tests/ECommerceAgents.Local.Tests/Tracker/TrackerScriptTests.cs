using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using ECommerceAgents.Local.Stack;

namespace ECommerceAgents.Local.Tests.Tracker;

/// <summary>The tracker as any page fetches it: at its stable path, without a key, as JavaScript, cacheable and revalidated by its ETag.</summary>
[Collection(TrackerStack.Collection)]
public sealed partial class TrackerScriptTests(TrackerStack fixture)
{
    private static readonly byte[] File = System.IO.File.ReadAllBytes(Path.Combine(LocalStackOptions.FindRepositoryRoot(), "functions", "ECommerceAgents.Functions.Api", "sdk", "eca.js"));

    [Fact]
    public async Task TrackerScript_GetWithoutKey_TheRepositorysFileAsJavaScript_VersionedCachedWithETag()
    {
        using var http = new HttpClient { BaseAddress = fixture.Api };

        using var response = await http.GetAsync("sdk/v1/eca.js");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal(File, await response.Content.ReadAsByteArrayAsync());
        var version = VersionLine().Match(System.Text.Encoding.UTF8.GetString(File)).Groups[1].Value;
        Assert.Matches(@"^\d+\.\d+\.\d+$", version);
        Assert.StartsWith("1.", version, StringComparison.Ordinal); // the path's v1 serves every 1.x
        Assert.Equal(version, Assert.Single(response.Headers.GetValues("X-Eca-Tracker-Version")));
        Assert.Contains($"/*! eca.js {version}", System.Text.Encoding.UTF8.GetString(File), StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: > 0 }, response.Headers.CacheControl?.ToString());
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(File))[..32], etag.Tag, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrackerScript_IfNoneMatchTheETag_304WithoutBody_OtherETag200()
    {
        using var http = new HttpClient { BaseAddress = fixture.Api };
        using var first = await http.GetAsync("sdk/v1/eca.js");
        var etag = first.Headers.ETag!.Tag;

        using var same = new HttpRequestMessage(HttpMethod.Get, "sdk/v1/eca.js") { Headers = { { "If-None-Match", etag } } };
        using var revalidated = await http.SendAsync(same);
        using var other = new HttpRequestMessage(HttpMethod.Get, "sdk/v1/eca.js") { Headers = { { "If-None-Match", "\"0.9.0-old\"" } } };
        using var changed = await http.SendAsync(other);

        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        Assert.Empty(await revalidated.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, revalidated.Headers.ETag?.Tag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(File.Length, (await changed.Content.ReadAsByteArrayAsync()).Length);
    }

    [Fact]
    public async Task SampleShop_ServedOnTheApisOrigin_LoadsTheTrackerFromItsStablePath()
    {
        using var http = new HttpClient { BaseAddress = fixture.Api };

        using var response = await http.GetAsync("sample-shop/");
        var page = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.OK, page);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'/sdk/v1/eca.js'", page, StringComparison.Ordinal);
    }

    [GeneratedRegex("var VERSION = '([^']+)';")]
    private static partial Regex VersionLine();
}
