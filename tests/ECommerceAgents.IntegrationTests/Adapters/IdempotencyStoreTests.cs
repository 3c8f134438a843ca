using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Domain.Api;
using ECommerceAgents.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.IntegrationTests.Adapters;

/// <summary>
/// An Idempotency-Key claim whose request can no longer be running (its completion and its release both failed, say,
/// while DynamoDB was down) is taken over once its lease ends, instead of answering 409 until the record expires.
/// </summary>
public sealed class IdempotencyStoreTests
{
    [Fact]
    public async Task Claim_InProgressPastItsLease_TakenOver_InProgressWithinIt_Waits_DoneAnswered()
    {
        await using var harness = await PlatformHarness.StartAsync("idemlease");
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new IdempotencyStore(harness.Stack.DynamoDbClient, harness.Names, clock);
        var ttl = TimeSpan.FromHours(24);
        var lease = TimeSpan.FromSeconds(30);

        Assert.Equal(IdempotencyClaim.Claimed, (await store.ClaimAsync("k-1", "key", "hash", ttl, lease, CancellationToken.None)).Claim);
        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(IdempotencyClaim.InProgress, (await store.ClaimAsync("k-1", "key", "hash", ttl, lease, CancellationToken.None)).Claim);

        clock.Advance(TimeSpan.FromSeconds(12));
        Assert.Equal(IdempotencyClaim.Claimed, (await store.ClaimAsync("k-1", "key", "hash", ttl, lease, CancellationToken.None)).Claim);

        await store.CompleteAsync("k-1", "key", new StoredResponse(202, "application/json", "{}", "hash"), ttl, CancellationToken.None);
        clock.Advance(TimeSpan.FromMinutes(5));
        var (claim, stored) = await store.ClaimAsync("k-1", "key", "hash", ttl, lease, CancellationToken.None);
        Assert.Equal(IdempotencyClaim.Done, claim);
        Assert.Equal(202, stored!.Status);
    }
}
