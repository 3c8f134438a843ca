using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Adapters.DynamoDb;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Resources;
using ECommerceAgents.Testing;
using Microsoft.Extensions.Time.Testing;

namespace ECommerceAgents.IntegrationTests.Adapters;

/// <summary>
/// The audit hash chain in the real store (dynalite, over the wire): an untouched chain verifies; an entry altered,
/// deleted (inside or at the end) or moved is each found by the verifier, at the right place; appenders in two
/// "instances" at once never fork the chain; a prune to the retention leaves a checkpoint the chain still verifies from,
/// and a "prune" of entries younger than the retention is reported.
/// </summary>
public sealed class AuditChainTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private IAmazonDynamoDB _dynamo = null!;
    private ResourceBindings _names = null!;
    private AuditChainStore _store = null!;

    public async ValueTask InitializeAsync()
    {
        var stack = await TestStack.GetAsync();
        _dynamo = stack.DynamoDbClient;
        _names = ResourceBindings.FromPrefix(TestStack.UniquePrefix("auditchain"));
        await new TableProvisioner(_dynamo).EnsureAsync(_names, CancellationToken.None);
        _store = new AuditChainStore(_dynamo, _names, _clock);
    }

    public ValueTask DisposeAsync()
    {
        _store.Dispose();
        return ValueTask.CompletedTask;
    }

    private static AuditRecord Read(int user) => new($"user#u-{user}", "read.profile", "k-query", "query", "GET /v1/users/{id}/profile", $"req-{user}", "");

    private async Task AppendAsync(int count, int firstUser = 1)
    {
        for (var i = 0; i < count; i++)
        {
            await _store.AppendAsync(Read(firstUser + i), CancellationToken.None);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private Task<AuditVerification> VerifyAsync() => _store.VerifyAsync(AuditChain.Retention, CancellationToken.None);

    private Dictionary<string, AttributeValue> Key(long seq) => new()
    {
        ["subject"] = new() { S = AuditChainStore.ChainPartition },
        ["at"] = new() { S = seq.ToString("D20", System.Globalization.CultureInfo.InvariantCulture) },
    };

    private async Task<Dictionary<string, AttributeValue>> ItemAsync(long seq) =>
        (await _dynamo.GetItemAsync(new GetItemRequest { TableName = _names.Table(Tables.Audit), Key = Key(seq), ConsistentRead = true })).Item;

    private Task<PutItemResponse> PutAsync(Dictionary<string, AttributeValue> item) => _dynamo.PutItemAsync(new PutItemRequest { TableName = _names.Table(Tables.Audit), Item = item });

    [Fact]
    public async Task Verify_UntouchedChain_Intact()
    {
        await AppendAsync(5);

        var result = await VerifyAsync();

        Assert.True(result.Intact, result.Problem?.Detail);
        Assert.Equal((5L, 1L, 5L), (result.Checked, result.FirstSeq, result.LastSeq));
    }

    [Fact]
    public async Task Verify_EntryAltered_FoundAtThatEntry()
    {
        await AppendAsync(5);
        var item = await ItemAsync(3);
        item["about"] = new AttributeValue { S = "user#someone-else" };
        await PutAsync(item);

        var problem = (await VerifyAsync()).Problem;

        Assert.Equal((AuditProblemKind.Altered, 3L), (problem?.Kind, problem?.Seq));
    }

    [Fact]
    public async Task Verify_EntryAlteredWithItsHashRecomputed_FoundByTheNextLink()
    {
        await AppendAsync(5);
        var item = await ItemAsync(3);
        item["action"] = new AttributeValue { S = "read.consent" };
        var entry = (await ItemsAsync()).Single(e => e.Seq == 3);
        item["hash"] = new AttributeValue { S = AuditChain.HashOf(entry with { Record = entry.Record with { Action = "read.consent" } }) };
        await PutAsync(item);

        var problem = (await VerifyAsync()).Problem;

        Assert.Equal((AuditProblemKind.Altered, 3L), (problem?.Kind, problem?.Seq));
    }

    [Fact]
    public async Task Verify_EntryDeleted_FoundAsRemoved()
    {
        await AppendAsync(5);
        await _dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = _names.Table(Tables.Audit), Key = Key(2) });

        var problem = (await VerifyAsync()).Problem;

        Assert.Equal((AuditProblemKind.Removed, 2L), (problem?.Kind, problem?.Seq));
    }

    [Fact]
    public async Task Verify_LastEntryDeleted_FoundAgainstTheHead()
    {
        await AppendAsync(5);
        await _dynamo.DeleteItemAsync(new DeleteItemRequest { TableName = _names.Table(Tables.Audit), Key = Key(5) });

        var problem = (await VerifyAsync()).Problem;

        Assert.Equal((AuditProblemKind.Removed, 5L), (problem?.Kind, problem?.Seq));
    }

    [Fact]
    public async Task Verify_TwoEntriesSwapped_FoundAsReordered()
    {
        await AppendAsync(5);
        var second = await ItemAsync(2);
        var fourth = await ItemAsync(4);
        (second["at"], fourth["at"]) = (fourth["at"], second["at"]);
        await PutAsync(second);
        await PutAsync(fourth);

        var problem = (await VerifyAsync()).Problem;

        Assert.Equal((AuditProblemKind.Reordered, 2L), (problem?.Kind, problem?.Seq));
    }

    [Fact]
    public async Task Append_TwoInstancesAtOnce_OneChainWithoutGapsOrForks()
    {
        using var other = new AuditChainStore(_dynamo, _names, _clock);
        await AppendAsync(1);

        // Each instance starts from what it last saw; the other's appends make every one of them conflict at first.
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < 15; i++) await _store.AppendAsync(Read(100 + i), CancellationToken.None); }),
            Task.Run(async () => { for (var i = 0; i < 15; i++) await other.AppendAsync(Read(200 + i), CancellationToken.None); }));

        var result = await VerifyAsync();
        Assert.True(result.Intact, result.Problem?.Detail);
        Assert.Equal((31L, 31L), (result.Checked, result.LastSeq));
        Assert.Equal(31, (await ItemsAsync()).Select(e => e.Record.RequestId).Distinct().Count());
    }

    private async Task<List<AuditEntry>> ItemsAsync()
    {
        var entries = new List<AuditEntry>();
        await foreach (var (_, entry) in _store.EntriesAsync(CancellationToken.None)) entries.Add(entry);
        return entries;
    }

    [Fact]
    public async Task Prune_EntriesOlderThanAYear_RemovedWithACheckpoint_ChainStillVerifies()
    {
        await AppendAsync(3);
        _clock.Advance(TimeSpan.FromDays(366));
        await AppendAsync(2, firstUser: 10);

        var pruned = await _store.PruneAsync(AuditChain.Retention, CancellationToken.None);
        await AppendAsync(1, firstUser: 20);
        var again = await _store.PruneAsync(AuditChain.Retention, CancellationToken.None);

        Assert.Equal((3L, 3L, (AuditProblem?)null), (pruned.Pruned, pruned.CheckpointSeq, pruned.Refused));
        Assert.Equal(0, again.Pruned);
        Assert.Equal([4L, 5L, 6L], (await ItemsAsync()).Select(e => e.Seq));
        var result = await VerifyAsync();
        Assert.True(result.Intact, result.Problem?.Detail);
        Assert.Equal((3L, 4L, 6L), (result.Checked, result.FirstSeq, result.LastSeq));

        // The checkpoint is what lets the chain start at 4: without it, entries 1 to 3 are missing.
        await _dynamo.DeleteItemAsync(new DeleteItemRequest
        {
            TableName = _names.Table(Tables.Audit),
            Key = new() { ["subject"] = new() { S = "chain#checkpoint" }, ["at"] = new() { S = "chain" } },
        });
        var withoutCheckpoint = (await VerifyAsync()).Problem;
        Assert.Equal((AuditProblemKind.Removed, 1L), (withoutCheckpoint?.Kind, withoutCheckpoint?.Seq));
    }

    [Fact]
    public async Task Prune_EntriesYoungerThanTheRetention_VerifyReportsTheCheckpoint()
    {
        await AppendAsync(4);
        _clock.Advance(TimeSpan.FromDays(10));

        // A "prune" to ten days' retention removes entries the one-year policy keeps: that is a removal.
        var pruned = await _store.PruneAsync(TimeSpan.FromDays(5), CancellationToken.None);

        Assert.Equal(4, pruned.Pruned);
        var problem = (await VerifyAsync()).Problem;
        Assert.Equal((AuditProblemKind.Checkpoint, 4L), (problem?.Kind, problem?.Seq));
    }

    [Fact]
    public async Task Prune_TamperedEntryAmongTheOld_RefusesAndKeepsTheEvidence()
    {
        await AppendAsync(3);
        _clock.Advance(TimeSpan.FromDays(366));
        var item = await ItemAsync(2);
        item["actor"] = new AttributeValue { S = "k-nobody" };
        await PutAsync(item);

        var pruned = await _store.PruneAsync(AuditChain.Retention, CancellationToken.None);

        Assert.Equal((AuditProblemKind.Altered, 2L, 0L), (pruned.Refused?.Kind, pruned.Refused?.Seq, pruned.Pruned));
        Assert.Equal([1L, 2L, 3L], (await ItemsAsync()).Select(e => e.Seq));
    }

    [Fact]
    public async Task Audit_BySubject_OnlyThatSubjectsEntries()
    {
        await AppendAsync(3);
        await _store.AppendAsync(Read(2) with { Action = "erase" }, CancellationToken.None);

        var mine = await _store.AuditAsync("user#u-2", CancellationToken.None);

        Assert.Equal(["read.profile", "erase"], mine.Select(e => e["action"]!.GetValue<string>()));
        Assert.All(mine, e => Assert.Equal("user#u-2", e["about"]!.GetValue<string>()));
    }
}
