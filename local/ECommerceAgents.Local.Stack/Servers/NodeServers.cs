using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.S3;
using ECommerceAgents.Adapters.Aws;
using ECommerceAgents.Adapters.Streams;

namespace ECommerceAgents.Local.Stack.Servers;

/// <summary>dynalite: DynamoDB on LevelDB. No transactions and no TTL expiry, which the design accounts for.</summary>
public sealed class DynaliteServer(int port, string stateDirectory, string localRoot, Func<IAmazonDynamoDB> client)
    : LocalServer("dynamodb", port, stateDirectory)
{
    protected override string ProcessMarker => "dynalite";

    public override string Endpoint => $"http://127.0.0.1:{Port}";

    protected override (string, IReadOnlyList<string>) Command() =>
        ("node", [Path.Combine(localRoot, "node_modules", "dynalite", "cli.js"), "--host", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--path", DataDirectory, "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]);

    public override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        await client().ListTablesAsync(new ListTablesRequest { Limit = 1 }, cancellationToken).ConfigureAwait(false);
        return true;
    }
}

/// <summary>kinesalite on LevelDB, started from a wrapper that binds 127.0.0.1 (kinesalite itself has no host flag).</summary>
public sealed class KinesaliteServer(int port, string stateDirectory, string localRoot, Func<SigV4JsonClient> client)
    : LocalServer("kinesis", port, stateDirectory)
{
    protected override string ProcessMarker => "kinesalite.js";

    public override string Endpoint => $"http://127.0.0.1:{Port}";

    protected override (string, IReadOnlyList<string>) Command() =>
        ("node", [Path.Combine(localRoot, "servers", "kinesalite.js"), "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--path", DataDirectory]);

    public override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        await client().CallAsync("ListStreams", new EmptyResponse(), StreamsJsonContext.Default.EmptyResponse, StreamsJsonContext.Default.EmptyResponse, cancellationToken, RetryPolicy.None).ConfigureAwait(false);
        return true;
    }
}

/// <summary>
/// s3rver on the local file system, keys S3RVER/S3RVER. Its continuation tokens are DES-encrypted, which OpenSSL 3 (Node
/// 17 and later) only offers through the legacy provider: without <c>--openssl-legacy-provider</c> every listing that
/// needs a second page (more than 1,000 keys, or fewer than the keys asked per page) answers 500 InternalError.
/// </summary>
public sealed class S3rverServer(int port, string stateDirectory, string localRoot, Func<IAmazonS3> client)
    : LocalServer("s3", port, stateDirectory)
{
    protected override string ProcessMarker => "s3rver";

    public override string Endpoint => $"http://127.0.0.1:{Port}";

    protected override (string, IReadOnlyList<string>) Command() =>
        ("node", ["--openssl-legacy-provider", Path.Combine(localRoot, "node_modules", "s3rver", "bin", "s3rver.js"), "--directory", DataDirectory, "--address", "127.0.0.1",
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent", "--no-vhost-buckets"]);

    public override async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        var response = await client().ListBucketsAsync(cancellationToken).ConfigureAwait(false);
        return response.HttpStatusCode == HttpStatusCode.OK;
    }
}
