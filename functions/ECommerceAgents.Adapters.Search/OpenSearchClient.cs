using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Domain.Search;
using RetryPolicy = ECommerceAgents.Adapters.Aws.RetryPolicy;

namespace ECommerceAgents.Adapters.Search;

/// <summary>How requests authenticate: SigV4 (service <c>es</c>) for Amazon OpenSearch Service, HTTP basic, or nothing.</summary>
public abstract record OpenSearchAuth
{
    public sealed record None : OpenSearchAuth;

    public sealed record Basic(string User, string Password) : OpenSearchAuth;

    public sealed record SigV4(string Region, AWSCredentials Credentials) : OpenSearchAuth;

    /// <summary>SigV4 for <c>*.amazonaws.com</c> or when <c>OPENSEARCH_AUTH=sigv4</c>; basic with <c>OPENSEARCH_USERNAME</c>/<c>OPENSEARCH_PASSWORD</c> or user info in the URL; else none.</summary>
    public static OpenSearchAuth For(Uri endpoint, Func<string, string?> setting, Func<AWSCredentials> credentials, string region)
    {
        var mode = setting("OPENSEARCH_AUTH");
        if (mode == "sigv4" || (mode is null && endpoint.Host.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase))) return new SigV4(region, credentials());
        if (setting("OPENSEARCH_USERNAME") is { } user) return new Basic(user, setting("OPENSEARCH_PASSWORD") ?? "");
        if (endpoint.UserInfo is { Length: > 0 } info && info.Split(':', 2) is [var u, var p]) return new Basic(Uri.UnescapeDataString(u), Uri.UnescapeDataString(p));
        return new None();
    }
}

/// <summary>Thrown for a whole request OpenSearch refused, with its status and body.</summary>
public sealed class OpenSearchException(HttpStatusCode status, string body) : Exception($"OpenSearch answered {(int)status}: {body[..Math.Min(body.Length, 500)]}")
{
    public HttpStatusCode Status { get; } = status;

    public string Body { get; } = body;

    public bool IsRetryable => Status == HttpStatusCode.TooManyRequests || (int)Status >= 500;
}

/// <summary>
/// OpenSearch over HttpClient: index creation, <c>_bulk</c> with per-item failure handling, <c>_search</c>. Items answered
/// 429 or 5xx are sent again with capped exponential backoff and full jitter (so are whole requests answered 429/5xx or
/// not answered); other item errors are permanent and returned to the caller, which quarantines them. When retries run
/// out for retryable items the call throws, so the invocation fails and is retried as a whole (indexing is idempotent).
/// </summary>
public sealed class OpenSearchClient(HttpClient http, Uri endpoint, OpenSearchAuth auth, RetryPolicy? retry = null, string? caller = null) : ISearchIndex
{
    private readonly RetryPolicy _retry = retry ?? new RetryPolicy(6, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
    private int _ensured;

    public int MaxBulkActions { get; init; } = 500;

    public Uri Endpoint => endpoint;

    public async Task EnsureIndexesAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _ensured) == 1) return;
        foreach (var (name, body) in OpenSearchIndexes.All) await CreateIndexAsync(name, body, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _ensured, 1);
    }

    /// <summary>Creates the index unless it exists (HEAD first; a creation race answers resource_already_exists_exception, also fine).</summary>
    public async Task CreateIndexAsync(string name, string body, CancellationToken cancellationToken)
    {
        var (status, _) = await SendAsync(HttpMethod.Head, "/" + name, null, null, cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.OK) return;
        var (created, response) = await SendAsync(HttpMethod.Put, "/" + name, Encoding.UTF8.GetBytes(body), "application/json", cancellationToken).ConfigureAwait(false);
        if (created is HttpStatusCode.OK or HttpStatusCode.Created) return;
        if (created == HttpStatusCode.BadRequest && response.Contains("resource_already_exists_exception", StringComparison.Ordinal)) return;
        throw new OpenSearchException(created, response);
    }

    public async Task<BulkOutcome> BulkAsync(IReadOnlyList<BulkAction> actions, CancellationToken cancellationToken)
    {
        int succeeded = 0, retried = 0;
        var rejected = new List<BulkRejection>();
        foreach (var chunk in actions.Chunk(MaxBulkActions))
        {
            var pending = chunk.ToList();
            for (var attempt = 1; pending.Count > 0; attempt++)
            {
                List<(BulkAction Action, int Status, string Type, string Reason)> results;
                try
                {
                    results = await SendBulkAsync(pending, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (attempt < _retry.MaxAttempts && (ex is HttpRequestException || (ex is OpenSearchException os && os.IsRetryable) || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)))
                {
                    retried += pending.Count;
                    await Task.Delay(_retry.Delay(attempt), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var again = new List<BulkAction>();
                foreach (var (action, status, type, reason) in results)
                {
                    if (status is >= 200 and < 300 || (status == 404 && action.Operation == "delete")) succeeded++;
                    else if (status == 429 || status >= 500) again.Add(action);
                    else rejected.Add(new BulkRejection(action, status, type, reason));
                }

                if (again.Count > 0 && attempt >= _retry.MaxAttempts)
                {
                    throw new OpenSearchException(HttpStatusCode.TooManyRequests, $"{again.Count} bulk item(s) still rejected with 429/5xx after {attempt} attempts");
                }

                if (again.Count > 0)
                {
                    retried += again.Count;
                    await Task.Delay(_retry.Delay(attempt), cancellationToken).ConfigureAwait(false);
                }

                pending = again;
            }
        }

        return new BulkOutcome(succeeded, retried, rejected);
    }

    private async Task<List<(BulkAction, int, string, string)>> SendBulkAsync(List<BulkAction> actions, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/_bulk", BulkFormat.Write(actions), "application/x-ndjson", cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK) throw new OpenSearchException(status, body);
        using var doc = JsonDocument.Parse(body);
        var items = doc.RootElement.GetProperty("items");
        if (items.GetArrayLength() != actions.Count) throw new OpenSearchException(status, $"_bulk answered {items.GetArrayLength()} items for {actions.Count} actions");
        var results = new List<(BulkAction, int, string, string)>(actions.Count);
        var i = 0;
        foreach (var item in items.EnumerateArray())
        {
            // Each item is { "<operation>": { "_index", "_id", "status", "error"? } }, in the order sent.
            var result = item.EnumerateObject().First().Value;
            var itemStatus = result.GetProperty("status").GetInt32();
            string type = "", reason = "";
            if (result.TryGetProperty("error", out var error))
            {
                type = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("type", out var t) ? t.GetString() ?? "" : error.ToString();
                reason = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : "";
            }

            results.Add((actions[i++], itemStatus, type, reason));
        }

        return results;
    }

    /// <summary>A <c>_search</c>: the raw response body (hits.hits[]._source, hits.total.value).</summary>
    public async Task<JsonDocument> SearchAsync(string index, string query, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, $"/{index}/_search", Encoding.UTF8.GetBytes(query), "application/json", cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK) throw new OpenSearchException(status, body);
        return JsonDocument.Parse(body);
    }

    /// <summary>Makes recent writes visible to search (tests and the CLI; indexing itself never waits for it).</summary>
    public async Task RefreshAsync(string index, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, $"/{index}/_refresh", null, null, cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK) throw new OpenSearchException(status, body);
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, byte[]? body, string? contentType, CancellationToken cancellationToken)
    {
        var basePath = endpoint.AbsolutePath.TrimEnd('/');
        var uri = new UriBuilder(endpoint) { Path = basePath + path, UserName = "", Password = "" }.Uri;
        // IAM authorises OpenSearch requests as es:ESHttp<Method> on the domain's path.
        if (caller is not null) AwsCallLog.Record(caller, "es", method.Method, endpoint.Host + path);
        using var message = new HttpRequestMessage(method, uri);
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }

        switch (auth)
        {
            case OpenSearchAuth.Basic basic:
                message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(basic.User + ":" + basic.Password)));
                break;
            case OpenSearchAuth.SigV4 sig:
                await SignAsync(message, uri, basePath + path, body, contentType, sig).ConfigureAwait(false);
                break;
        }

        using var response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        var text = method == HttpMethod.Head ? "" : await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, text);
    }

    private async Task SignAsync(HttpRequestMessage message, Uri uri, string path, byte[]? body, string? contentType, OpenSearchAuth.SigV4 sig)
    {
        var credentials = await sig.Credentials.GetCredentialsAsync().ConfigureAwait(false);
        var headers = contentType is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Content-Type"] = contentType };
        var request = new SigV4Signer("es", sig.Region, new Uri(uri.GetLeftPart(UriPartial.Authority))).Sign(message.Method.Method, path, body ?? [], headers, credentials, DateTime.UtcNow);
        SigV4Signer.CopyHeaders(request, message);
    }
}
