using System.Text.Json.Nodes;
using ECommerceAgents.Domain.Privacy;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.Domain.Tests.Privacy;

/// <summary>A privacy request only moves forward, each move kept in its history and audited once on the user's subject.</summary>
public sealed class PrivacyRequestTrackerTests
{
    private static readonly AuditRecord Caller = new("", "", "key-1", "admin", "DELETE /v1/users/{id}", "req-1", "");

    [Theory]
    [InlineData("accepted", "in_progress", true)]
    [InlineData("accepted", "failed", true)]
    [InlineData("in_progress", "done", true)]
    [InlineData("in_progress", "failed", true)]
    [InlineData("accepted", "done", false)]
    [InlineData("done", "in_progress", false)]
    [InlineData("in_progress", "accepted", false)]
    [InlineData("failed", "done", false)]
    public void CanMove_OnlyForward(string from, string to, bool allowed) => Assert.Equal(allowed, PrivacyRequest.CanMove(from, to));

    [Fact]
    public async Task AcceptThenMove_HistoryAndAuditInOrder_CountsInTheAuditDetails()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero));
        var requests = new Requests();
        var audit = new Audit();
        var tracker = new PrivacyRequestTracker(requests, audit, clock);

        var request = await tracker.AcceptAsync(PrivacyRequest.Erasure, "u-1", Caller, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await tracker.MoveAsync(request, PrivacyRequest.Accepted, PrivacyRequest.InProgress, Caller, "now", new Dictionary<string, int> { ["profiles"] = 1 }, null, CancellationToken.None));

        var stored = requests.Stored[request.RequestId];
        Assert.Equal(PrivacyRequest.InProgress, stored.Status);
        Assert.Equal([PrivacyRequest.Accepted, PrivacyRequest.InProgress], stored.History.Select(h => h.Status));
        Assert.Equal(clock.GetUtcNow(), stored.UpdatedAt);
        Assert.Equal(["privacy.erasure.accepted", "privacy.erasure.in_progress"], audit.Records.Select(r => r.Action));
        Assert.All(audit.Records, r => Assert.Equal("user#u-1", r.Subject));
        Assert.Equal($"request={request.RequestId},now,profiles=1", audit.Records[1].Details);
    }

    [Fact]
    public async Task Move_LostToAnotherRun_ReturnsFalse_NothingAudited()
    {
        var requests = new Requests();
        var audit = new Audit();
        var tracker = new PrivacyRequestTracker(requests, audit, TimeProvider.System);
        var request = await tracker.AcceptAsync(PrivacyRequest.Export, "u-2", Caller, CancellationToken.None);
        Assert.True(await tracker.MoveAsync(request, PrivacyRequest.Accepted, PrivacyRequest.InProgress, Caller, null, null, null, CancellationToken.None));

        // A second run still holding the request as accepted.
        Assert.False(await tracker.MoveAsync(request, PrivacyRequest.Accepted, PrivacyRequest.InProgress, Caller, null, null, null, CancellationToken.None));

        Assert.Equal(2, audit.Records.Count);
        Assert.Throws<InvalidOperationException>(() => tracker.MoveAsync(request, PrivacyRequest.Accepted, PrivacyRequest.Done, Caller, null, null, null, CancellationToken.None).GetAwaiter().GetResult());
    }

    /// <summary>The port's contract as the DynamoDB store keeps it: a move is conditional on the current status.</summary>
    private sealed class Requests : IPrivacyRequests
    {
        public Dictionary<string, PrivacyRequest> Stored { get; } = [];

        public Task CreateAsync(PrivacyRequest request, CancellationToken cancellationToken)
        {
            Stored.Add(request.RequestId, request);
            return Task.CompletedTask;
        }

        public Task<PrivacyRequest?> GetAsync(string requestId, CancellationToken cancellationToken) => Task.FromResult(Stored.GetValueOrDefault(requestId));

        public Task<bool> MoveAsync(string requestId, string from, PrivacyRequestStep step, IReadOnlyDictionary<string, int>? counts, string? exportKey, CancellationToken cancellationToken)
        {
            if (Stored[requestId] is not { } r || r.Status != from) return Task.FromResult(false);
            Stored[requestId] = r with { Status = step.Status, History = [.. r.History, step], Counts = counts ?? r.Counts, ExportKey = exportKey ?? r.ExportKey };
            return Task.FromResult(true);
        }

        public Task<IReadOnlyList<PrivacyRequest>> OpenAsync(string kind, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PrivacyRequest>>([.. Stored.Values.Where(r => r.Kind == kind && r.Status is PrivacyRequest.Accepted or PrivacyRequest.InProgress)]);

        public Task<IReadOnlyList<PrivacyRequest>> ForUserAsync(string userId, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PrivacyRequest>>([.. Stored.Values.Where(r => r.UserId == userId)]);
    }

    private sealed class Audit : IAuditLog
    {
        public List<AuditRecord> Records { get; } = [];

        public Task<IReadOnlyList<JsonObject>> AuditAsync(string subject, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<JsonObject>>([]);

        public Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken)
        {
            Records.Add(record);
            return Task.FromResult(new AuditEntry(Records.Count, "", record, "", ""));
        }
    }
}
