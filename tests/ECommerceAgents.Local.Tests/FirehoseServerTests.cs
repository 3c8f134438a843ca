using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.S3.Model;
using ECommerceAgents.Adapters.Streams;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Local.Stack.EventSources;
using ECommerceAgents.Local.Stack.Servers;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests;

/// <summary>
/// The Firehose server process (<c>eca firehose-server</c>) and its spool, over the wire against a stack of the test
/// class's own (s3rver for the zones): what PutRecordBatch accepted before a SIGKILL is in S3 exactly once after the
/// restart, through LogTransformer for the logs stream; a delivery cut short between S3 and the spool's cut is redone
/// under the same object keys.
/// </summary>
public sealed class FirehoseServerTests(FirehoseServerTests.Fixture fixture) : IClassFixture<FirehoseServerTests.Fixture>
{
    private readonly LocalStack _stack = fixture.Stack;

    /// <summary>One private stack (<c>eca up</c> on ports of its own) for the class; each test has its own prefix.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private PrivateCliStack _cli = null!;

        public LocalStack Stack { get; private set; } = null!;

        public async ValueTask InitializeAsync()
        {
            _cli = await PrivateCliStack.StartAsync("firehose");
            Stack = LocalStack.Open(_cli.State, LocalStackOptions.FindRepositoryRoot()) ?? throw new InvalidOperationException("up recorded no stack");
        }

        public async ValueTask DisposeAsync()
        {
            await Stack.DisposeAsync();
            await _cli.DisposeAsync();
        }
    }

    [Fact]
    public async Task FirehoseServer_SigkillAfterAccepting_EveryAcceptedRecordDeliveredOnceAfterRestart()
    {
        var prefix = TestStack.UniquePrefix("fhkill");
        var names = ResourceBindings.FromPrefix(prefix);
        await _stack.ProvisionAsync(names, CancellationToken.None);
        // A buffer far longer than the test: nothing reaches S3 before the kill except what the test flushes.
        var server = new FirehoseServer(_stack.Options.Ports.Firehose, _stack.Options.StateDirectory, FirehoseServer.FindLauncher()!, [prefix], TimeSpan.FromMinutes(10));
        try
        {
            await server.StartAsync(CancellationToken.None);
            var client = StreamClients.Firehose(_stack.Endpoints);
            var enriched = names.DeliveryStream(DeliveryStreams.Enriched);
            Assert.True((await client.PutRecordBatchAsync(enriched, Events(0, 30), CancellationToken.None)).AllSucceeded);
            await server.FlushAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            Assert.True((await client.PutRecordBatchAsync(enriched, Events(30, 45), CancellationToken.None)).AllSucceeded);
            Assert.True((await client.PutRecordBatchAsync(names.DeliveryStream(DeliveryStreams.Logs), LogLines(12), CancellationToken.None)).AllSucceeded);
            var before = server.Pid;

            server.Kill();
            for (var i = 0; i < 200 && server.Pid is not null; i++) await Task.Delay(25);
            Assert.Null(server.Pid);
            Assert.Equal(30, (await EnrichedIdsAsync(names)).Count);

            await server.StartAsync(CancellationToken.None);
            Assert.NotEqual(before, server.Pid);
            await server.FlushAsync(TimeSpan.FromSeconds(30), CancellationToken.None);

            var ids = await EnrichedIdsAsync(names);
            Assert.Equal(Enumerable.Range(0, 75).Select(Id).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
            var requests = await LogRequestIdsAsync(names);
            Assert.Equal(Enumerable.Range(0, 12).Select(i => $"req-{i}").Order(StringComparer.Ordinal), requests.Order(StringComparer.Ordinal));
        }
        finally
        {
            await server.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Spool_CrashAfterS3BeforeCut_RedeliveryOverwritesSameKeys_NothingDoubled()
    {
        var prefix = TestStack.UniquePrefix("fhspool");
        var names = ResourceBindings.FromPrefix(prefix);
        await _stack.ProvisionAsync(names, CancellationToken.None);
        var path = Path.Combine(_stack.Options.StateDirectory, "spool-test", prefix + ".spool");
        var options = new LocalFirehoseOptions { BufferInterval = TimeSpan.FromMinutes(10) };
        var processor = FirehoseProcessor.ForEnriched(_stack.Endpoints, names.DeliveryStream(DeliveryStreams.Enriched));
        FirehoseDeliveryStream Open() => new(DeliveryStreams.Enriched, names.DeliveryStream(DeliveryStreams.Enriched), names.Bucket(Buckets.Enriched), _stack.S3Client, processor, options, spool: new FirehoseSpool(path));

        // The file as a crash would leave it after the objects were put but before the spool was cut back: the records,
        // then the batch's start mark.
        using (var first = Open())
        {
            first.AddRange(Events(0, 20), DateTimeOffset.UtcNow);
        }

        var atCrash = await File.ReadAllTextAsync(path) + "B 20\n";
        using (var first = Open())
        {
            await first.FlushAsync(CancellationToken.None);
        }

        var keysBefore = await KeysAsync(names);
        await File.WriteAllTextAsync(path, atCrash);

        using (var restarted = Open())
        {
            restarted.AddRange(Events(20, 5), DateTimeOffset.UtcNow);
            await restarted.FlushAsync(CancellationToken.None); // the cut-short batch alone, as before the crash
            await restarted.FlushAsync(CancellationToken.None); // then the record that came after the restart
        }

        var keysAfter = await KeysAsync(names);
        Assert.Superset(keysBefore.ToHashSet(StringComparer.Ordinal), keysAfter.ToHashSet(StringComparer.Ordinal));
        Assert.Equal(keysBefore.Count + 1, keysAfter.Count);
        var ids = await EnrichedIdsAsync(names);
        Assert.Equal(Enumerable.Range(0, 25).Select(Id).Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        using var reopened = new FirehoseSpool(path);
        Assert.Empty(reopened.Recovery.Undelivered);
        Assert.Equal(25, reopened.Recovery.LastSequence);
    }

    [Fact]
    public void Spool_TornLastLine_IgnoredAndLaterAppendsReadBack()
    {
        var path = Path.Combine(_stack.Options.StateDirectory, "spool-test", "torn.spool");
        using (var spool = new FirehoseSpool(path))
        {
            spool.Append(Events(0, 3), DateTimeOffset.UnixEpoch.AddDays(1));
        }

        // A kill in the middle of an append: the line is cut short and was never acknowledged.
        var full = File.ReadAllLines(path).Last();
        File.AppendAllText(path, "R 4 86400000 " + full.Split(' ')[3] + " " + full.Split(' ')[4][..8]);
        using (var spool = new FirehoseSpool(path))
        {
            Assert.Equal([1L, 2L, 3L], spool.Recovery.Undelivered.Select(r => r.Sequence));
            spool.Append(Events(3, 1), DateTimeOffset.UnixEpoch.AddDays(1));
        }

        using var again = new FirehoseSpool(path);
        Assert.Equal([1L, 2L, 3L, 4L], again.Recovery.Undelivered.Select(r => r.Sequence));
        Assert.Equal(Events(3, 1)[0], again.Recovery.Undelivered[^1].Data);
        Assert.Null(again.Recovery.PendingBatchLast);
    }

    private static string Id(int i) => "evt-" + i.ToString("D4", CultureInfo.InvariantCulture);

    private static List<byte[]> Events(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => Encoding.UTF8.GetBytes(
            "{\"eventId\":\"" + Id(i) + "\",\"partition\":{\"zone\":\"events\",\"type\":\"page_view\",\"dt\":\"2026-12-03\",\"hr\":\"04\"}}"))];

    private static List<byte[]> LogLines(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Encoding.UTF8.GetBytes(
            $$"""{"timestamp":"2026-12-03T04:00:0{{i % 10}}Z","level":"INFO","service":"checkout","message":"handled request {{i}}","requestId":"req-{{i}}"}""" + "\n"))];

    private async Task<List<string>> KeysAsync(ResourceBindings names)
    {
        var page = await _stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = names.Bucket(Buckets.Enriched) });
        return [.. (page.S3Objects ?? []).Select(o => o.Key)];
    }

    private async Task<List<string>> EnrichedIdsAsync(ResourceBindings names) =>
        [.. (await LinesAsync(names.Bucket(Buckets.Enriched))).Select(l => JsonNode.Parse(l)!["eventId"]!.GetValue<string>())];

    private async Task<List<string>> LogRequestIdsAsync(ResourceBindings names) =>
        [.. (await LinesAsync(names.Bucket(Buckets.Logs))).Select(l => JsonNode.Parse(l)!["requestId"]?.GetValue<string>() ?? l)];

    private async Task<List<string>> LinesAsync(string bucket)
    {
        var lines = new List<string>();
        var page = await _stack.S3Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        foreach (var o in page.S3Objects ?? [])
        {
            using var response = await _stack.S3Client.GetObjectAsync(bucket, o.Key);
            using var reader = new StreamReader(new GZipStream(response.ResponseStream, CompressionMode.Decompress));
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Length > 0) lines.Add(line);
            }
        }

        return lines;
    }
}
