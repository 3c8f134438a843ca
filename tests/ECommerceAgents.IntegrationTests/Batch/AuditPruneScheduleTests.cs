using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.IntegrationTests.Batch;

/// <summary>
/// The audit chain's retention in AWS rides on BatchLoader's hourly schedule: a scheduled run prunes the entries older
/// than a year (seed 002) behind a checkpoint, keeps the younger ones, and the chain still verifies.
/// </summary>
public sealed class AuditPruneScheduleTests
{
    [Fact]
    public async Task ScheduledRun_PrunesAuditEntriesOlderThanAYear_ChainStillVerifies()
    {
        var now = new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero);
        await using var slice = await BatchSlice.CreateAsync("auditprune", now);
        var then = new FakeTimeProvider(now.AddDays(-400));
        using (var store = new AuditChainStore(slice.Harness.Stack.DynamoDbClient, slice.Harness.Names, then))
        {
            for (var i = 1; i <= 5; i++)
            {
                if (i == 4) then.SetUtcNow(now.AddDays(-10));
                await store.AppendAsync(new AuditRecord($"user#u-{i}", "read.profile", "k-1", "query", "GET /v1/users/{id}/profile", $"req-{i}", ""), CancellationToken.None);
            }
        }

        var loader = await slice.LoaderAsync();
        await EnrichedDay.InvokeAsync(loader, EventFiles.Read("eventbridge-scheduled.json"));

        using var check = new AuditChainStore(slice.Harness.Stack.DynamoDbClient, slice.Harness.Names, slice.Clock);
        var left = new List<long>();
        await foreach (var (position, _) in check.EntriesAsync(CancellationToken.None)) left.Add(position);
        Assert.Equal([4L, 5L], left);
        Assert.Equal(3, (await check.CheckpointAsync(CancellationToken.None))?.Seq);
        var verification = await check.VerifyAsync(AuditChain.Retention, CancellationToken.None);
        Assert.True(verification.Intact, verification.Problem?.Detail);
    }
}
