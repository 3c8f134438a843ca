using System.Text.Json;
using ECommerceAgents.Infra.Tests.Fixtures;

namespace ECommerceAgents.Infra.Tests.Constructs;

/// <summary>
/// What a browser reaches through the gateway: the Segment routes (POST and the CORS preflight), the tracker's script,
/// each resolved as API Gateway resolves a REST API path (a literal segment before a parameter before a greedy
/// <c>{proxy+}</c>), lands on the Api function's proxy integration with no gateway key and no authorizer. And the
/// WAF's per-IP rule counts browser requests but not keyed server requests.
/// </summary>
[Collection(SynthesizedStagesCollection.Name)]
public sealed class BrowserRoutesTests(SynthesizedStages stages)
{
    public static TheoryData<string, string, string> Requests()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var stage in new[] { "dev", "prod" })
        {
            foreach (var call in (string[])["track", "identify", "page", "screen", "alias", "group", "batch"])
            {
                data.Add(stage, "POST", "/v1/" + call);
                data.Add(stage, "OPTIONS", "/v1/" + call);
            }

            data.Add(stage, "GET", "/sdk/v1/eca.js");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Requests))]
    public void BrowserRequest_ReachesTheApiFunction_WithoutGatewayKeyOrAuthorizer(string stage, string httpMethod, string path)
    {
        var json = stages.Named(stage).Json;

        var method = Resolve(json, httpMethod, path);

        Assert.False(method.TryGetProperty("ApiKeyRequired", out var keyRequired) && keyRequired.GetBoolean(), $"{httpMethod} {path} requires x-api-key");
        Assert.False(method.TryGetProperty("AuthorizerId", out _), $"{httpMethod} {path} has an authorizer");
        Assert.Equal("NONE", method.TryGetProperty("AuthorizationType", out var auth) ? auth.GetString() : "NONE");
        var integration = method.GetProperty("Integration");
        Assert.Equal("AWS_PROXY", integration.GetProperty("Type").GetString());
        var functions = FunctionsIn(integration.GetProperty("Uri"));
        var function = Assert.Single(functions);
        Assert.Equal("ApiFunction", function);
    }

    [Fact]
    public void PerIpRule_CountsRequestsWithAnOriginOrNoKeyHeader_NotKeyedServerRequests()
    {
        foreach (var stage in new[] { stages.Dev, stages.Prod })
        {
            var rule = stage.Json.Resources("AWS::WAFv2::WebACL").Single().Resource.GetProperty("Properties").GetProperty("Rules").EnumerateArray()
                .Single(r => r.GetProperty("Name").GetString() == "rate-limit-per-ip");
            var scope = rule.GetProperty("Statement").GetProperty("RateBasedStatement").GetProperty("ScopeDownStatement");

            // Evaluated as WAF would for the requests each kind of client sends (a missing header never matches a size constraint).
            Assert.True(Counts(scope, "origin"), "a browser post with its write key in the body");
            Assert.True(Counts(scope, "origin", "authorization"), "a browser SDK sending HTTP Basic");
            Assert.True(Counts(scope, "origin", "x-api-key"), "a page that sends a key header");
            Assert.True(Counts(scope), "a request with neither a key header nor an Origin (a script load, a bare client)");
            Assert.False(Counts(scope, "authorization"), "a server SDK with HTTP Basic");
            Assert.False(Counts(scope, "x-api-key"), "a server client with x-api-key");
        }
    }

    /// <summary>Whether the scope-down statement matches a request carrying exactly these (non-empty) headers.</summary>
    private static bool Counts(JsonElement statement, params string[] headers)
    {
        if (statement.TryGetProperty("OrStatement", out var or)) return or.GetProperty("Statements").EnumerateArray().Any(s => Counts(s, headers));
        if (statement.TryGetProperty("AndStatement", out var and)) return and.GetProperty("Statements").EnumerateArray().All(s => Counts(s, headers));
        if (statement.TryGetProperty("NotStatement", out var not)) return !Counts(not.GetProperty("Statement"), headers);
        var size = statement.GetProperty("SizeConstraintStatement");
        Assert.Equal(("GT", 0), (size.GetProperty("ComparisonOperator").GetString(), size.GetProperty("Size").GetInt32()));
        var name = size.GetProperty("FieldToMatch").GetProperty("SingleHeader").GetProperty("Name").GetString()!;
        return headers.Contains(name, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The method API Gateway runs for the request: the most specific resource path, then its method or ANY.</summary>
    private static JsonElement Resolve(TemplateJson json, string httpMethod, string path)
    {
        var resources = json.Resources("AWS::ApiGateway::Resource").ToDictionary(r => r.LogicalId, r => r.Resource.GetProperty("Properties"));
        var methods = json.Resources("AWS::ApiGateway::Method").Select(m => m.Resource.GetProperty("Properties")).ToList();
        var segments = path.Trim('/').Split('/');
        var candidates = new List<(int[] Rank, JsonElement ResourceId)>();
        foreach (var method in methods.Select(m => m.GetProperty("ResourceId")).DistinctBy(r => r.GetRawText()))
        {
            var parts = PathOf(method, resources);
            if (Rank(parts, segments) is { } rank) candidates.Add((rank, method));
        }

        Assert.NotEmpty(candidates);
        var best = candidates.OrderByDescending(c => c.Rank, Comparer<int[]>.Create((a, b) => a.Zip(b).Select(p => p.First.CompareTo(p.Second)).FirstOrDefault(c => c != 0))).First();
        var onResource = methods.Where(m => m.GetProperty("ResourceId").GetRawText() == best.ResourceId.GetRawText()).ToList();
        return onResource.FirstOrDefault(m => m.GetProperty("HttpMethod").GetString() == httpMethod) is { ValueKind: JsonValueKind.Object } exact
            ? exact
            : Assert.Single(onResource, m => m.GetProperty("HttpMethod").GetString() == "ANY");
    }

    /// <summary>The resource's path parts from the root (a <c>Fn::GetAtt</c> of the RestApi's RootResourceId).</summary>
    private static List<string> PathOf(JsonElement resourceId, Dictionary<string, JsonElement> resources)
    {
        var parts = new List<string>();
        while (resourceId.TryGetProperty("Ref", out var reference))
        {
            var resource = resources[reference.GetString()!];
            parts.Insert(0, resource.GetProperty("PathPart").GetString()!);
            resourceId = resource.GetProperty("ParentId");
        }

        return parts;
    }

    /// <summary>Per segment 3 for a literal, 2 for a parameter, 1 for the greedy proxy; null when the path does not match.</summary>
    private static int[]? Rank(List<string> parts, string[] segments)
    {
        var rank = new int[segments.Length];
        for (var i = 0; i < parts.Count; i++)
        {
            if (parts[i].EndsWith("+}", StringComparison.Ordinal))
            {
                if (i != parts.Count - 1 || i >= segments.Length) return null;
                Array.Fill(rank, 1, i, segments.Length - i);
                return rank;
            }

            if (i >= segments.Length) return null;
            if (parts[i].StartsWith('{')) rank[i] = 2;
            else if (parts[i] == segments[i]) rank[i] = 3;
            else return null;
        }

        return parts.Count == segments.Length ? rank : null;
    }

    /// <summary>The logical ids of the functions an integration URI names.</summary>
    private static List<string> FunctionsIn(JsonElement uri)
    {
        var found = new List<string>();
        Walk(uri);
        return found;

        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("Fn::GetAtt", out var att) && att[1].GetString() == "Arn") found.Add(att[0].GetString()!);
            else if (e.ValueKind == JsonValueKind.Object) foreach (var p in e.EnumerateObject()) Walk(p.Value);
            else if (e.ValueKind == JsonValueKind.Array) foreach (var item in e.EnumerateArray()) Walk(item);
        }
    }
}
