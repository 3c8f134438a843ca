using ECommerceAgents.Functions.StreamProcessor;
using ECommerceAgents.Lambda.Runtime;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Testing;

namespace ECommerceAgents.IntegrationTests.StreamProcessor;

/// <summary>
/// The DynamoDB server dies in the middle of a batch's writes: the batch reports failures (nothing after the first
/// unfinished record is acknowledged), and after a restart the retry from that record completes with nothing lost and
/// nothing doubled. Stops and starts a server, so it runs on a private local stack only.
/// </summary>
public sealed class StoreDownTests(RedeliveryBaseline baseline) : IClassFixture<RedeliveryBaseline>, IAsyncLifetime
{
    private LocalStack? _stack;

    public async Task InitializeAsync()
    {
        if (TestStack.Mode is "environment" or "localstack") return;
        _stack = await TestStack.StartPrivateAsync(nameof(StoreDownTests));
    }

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
            TestStack.TryDelete(_stack.Options.StateDirectory);
        }
    }

    [Fact]
    public async Task DynamoDbStoppedMidBatch_FailuresReported_RetryAfterRestartLosesNothing()
    {
        if (_stack is null)
        {
            Console.WriteLine($"[StoreDownTests] not applicable in {TestStack.Mode} mode: it stops and starts servers, which only the local stack allows");
            return;
        }

        await using var proxy = new FaultProxy(_stack.Options.Ports.DynamoDb);
        var killedAt = 0;
        proxy.Decide = (n, target, _) =>
        {
            if (n == 40 && Interlocked.Exchange(ref killedAt, n) == 0) _stack.DynamoDb.Kill();
            return killedAt > 0 && n >= killedAt ? ProxyDecision.Drop : ProxyDecision.Forward;
        };
        await using var harness = await PlatformHarness.StartAsync("storedown", _stack, Workload.Settings, _stack.Endpoints with { DynamoDb = proxy.Endpoint });
        var function = await StreamProcessorFunction.CreateAsync(harness.Environment, CancellationToken.None);
        var kinesis = baseline.Workload.Kinesis;

        var first = await Workload.InvokeAsync(function, kinesis.Event(..));

        var failure = Assert.Single(first.BatchItemFailures);
        Assert.True(killedAt > 0, "the server was killed during the batch");
        Assert.Null(_stack.DynamoDb.Pid);

        await _stack.DynamoDb.StartAsync(CancellationToken.None);
        proxy.Decide = (_, _, _) => ProxyDecision.Forward;
        var from = kinesis.Records.Select((r, i) => (r, i)).First(x => x.r.Kinesis.SequenceNumber == failure.ItemIdentifier).i;
        var retry = await Workload.InvokeAsync(function, kinesis.Event(from..));

        Assert.Empty(retry.BatchItemFailures);
        await harness.FlushAsync();
        var checksum = await harness.ChecksumAsync();
        Assert.True(checksum.Matches(baseline.Checksum), "differs from one clean delivery:\n" + baseline.Checksum.Diff(checksum));
        await ((IAsyncDisposable)function).DisposeAsync();
    }
}
