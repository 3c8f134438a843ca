using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using ECommerceAgents.Domain.Privacy;
using ECommerceAgents.Resources;

namespace ECommerceAgents.Adapters.DynamoDb;

/// <summary>What a prune did: entries removed, the checkpoint it left, or the problem that made it refuse.</summary>
public sealed record AuditPruneResult(long Pruned, long? CheckpointSeq, AuditProblem? Refused);

/// <summary>The outcome of walking the chain: how many entries were checked, the range, and the first problem if any.</summary>
public sealed record AuditVerification(long Checked, long FirstSeq, long LastSeq, AuditProblem? Problem)
{
    public bool Intact => Problem is null;
}

/// <summary>What a prune leaves behind: the last entry it removed, whole (its hash can be recomputed), and when it ran.</summary>
public sealed record AuditCheckpoint(AuditEntry LastPruned, string PrunedAt)
{
    public long Seq => LastPruned.Seq;

    public string Hash => LastPruned.Hash;
}

/// <summary>
/// The audit hash chain in the audit table. Each entry is its own item at (<c>chain</c>, sequence number): an appender
/// claims the next number with a conditional put (<c>attribute_not_exists</c>), so appenders in several API instances
/// never fork the chain, and on a conflict it reads the true end and tries again. No transaction is needed (dynalite
/// has none), and no crash can leave a gap: the entry is the claim. After each append the chain head item (newest
/// sequence number and hash) is moved forward, conditionally, so entries cut from the end show in a verification.
/// Pruning writes a checkpoint (the last pruned entry, whole) before it deletes anything.
/// </summary>
public sealed class AuditChainStore(IAmazonDynamoDB dynamo, ResourceBindings names, TimeProvider? clock = null) : IAuditLog, IDisposable
{
    /// <summary>The partition of the chain's entries (the table's <c>subject</c> key).</summary>
    public const string ChainPartition = "chain";

    /// <summary>The audited subject's attribute on each entry, the bySubject index's key.</summary>
    public const string SubjectAttribute = "about";

    private const string HeadPartition = "chain#head";
    private const string CheckpointPartition = "chain#checkpoint";
    private const string Singleton = "chain";
    private const int MaxAttempts = 32;
    private const int PruneChunk = 250;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    // One append at a time per instance: in-process callers queue here instead of racing each other on DynamoDB.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (long Seq, string Hash)? _tail;
    private bool _tailKnown;

    private string Table => names.Table(Tables.Audit);

    public void Dispose() => _gate.Dispose();

    public async Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                if (!_tailKnown)
                {
                    _tail = await TailAsync(cancellationToken).ConfigureAwait(false);
                    _tailKnown = true;
                }

                var entry = AuditChain.Next(_tail, record, _clock.GetUtcNow());
                try
                {
                    await dynamo.PutItemAsync(new PutItemRequest
                    {
                        TableName = Table,
                        Item = AuditItems.Entry(entry),
                        ConditionExpression = "attribute_not_exists(#at)",
                        ExpressionAttributeNames = new Dictionary<string, string> { ["#at"] = "at" },
                    }, cancellationToken).ConfigureAwait(false);
                }
                catch (ConditionalCheckFailedException)
                {
                    // Another appender took this number: read where the chain ends now and follow it.
                    _tailKnown = false;
                    continue;
                }

                _tail = (entry.Seq, entry.Hash);
                await AdvanceHeadAsync(entry.Seq, entry.Hash, cancellationToken).ConfigureAwait(false);
                return entry;
            }

            throw new InvalidOperationException($"The audit chain stayed contended for {MaxAttempts} attempts; the entry was not stored.");
        }
        catch
        {
            _tailKnown = false;
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<JsonObject>> AuditAsync(string subject, CancellationToken cancellationToken)
    {
        var entries = new List<JsonObject>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(new QueryRequest
            {
                TableName = Table,
                IndexName = "bySubject",
                KeyConditionExpression = "about = :s",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":s"] = new() { S = subject } },
                ExclusiveStartKey = start,
            }, cancellationToken).ConfigureAwait(false);
            entries.AddRange(page.Items.Select(UserDataStore.ToJson));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
        return entries;
    }

    /// <summary>The head item: where the chain ended after the last append (it may lag the true end by appends in flight).</summary>
    public async Task<(long Seq, string Hash)?> HeadAsync(CancellationToken cancellationToken)
    {
        var item = await GetAsync(HeadPartition, cancellationToken).ConfigureAwait(false);
        return item is null ? null : (AuditItems.Long(item, "seq"), AuditItems.Text(item, "hash"));
    }

    public async Task<AuditCheckpoint?> CheckpointAsync(CancellationToken cancellationToken)
    {
        var item = await GetAsync(CheckpointPartition, cancellationToken).ConfigureAwait(false);
        return item is null ? null : new AuditCheckpoint(AuditItems.ToEntry(item), AuditItems.Text(item, "prunedAt"));
    }

    /// <summary>The entries as stored, in position order, with the position each is stored at.</summary>
    public async IAsyncEnumerable<(long Position, AuditEntry Entry)> EntriesAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamo.QueryAsync(ChainQuery(forward: true, start), cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items) yield return (AuditItems.Position(item), AuditItems.ToEntry(item));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);
    }

    /// <summary>Walks the whole chain from the checkpoint (or its start) and reports the first problem.</summary>
    public async Task<AuditVerification> VerifyAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        var head = await HeadAsync(cancellationToken).ConfigureAwait(false);
        var checkpoint = await CheckpointAsync(cancellationToken).ConfigureAwait(false);
        var verifier = new AuditChainVerifier(head, checkpoint?.LastPruned, _clock.GetUtcNow(), retention);
        await foreach (var (position, entry) in EntriesAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!verifier.Add(position, entry)) break;
        }

        var problem = verifier.Finish();
        return new AuditVerification(verifier.Checked, verifier.FirstSeq, verifier.LastSeq, problem);
    }

    /// <summary>
    /// Removes the entries older than <paramref name="retention"/> from the start of the chain, a chunk at a time: the
    /// chunk is verified first (a prune must not destroy the evidence of tampering), then the checkpoint moves to its last
    /// entry, then the chunk is deleted. A prune that stops half way leaves entries behind the checkpoint, which the
    /// verifier skips and the next prune deletes.
    /// </summary>
    public async Task<AuditPruneResult> PruneAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var cutoff = now - retention;
        var checkpoint = await CheckpointAsync(cancellationToken).ConfigureAwait(false);
        var verifier = new AuditChainVerifier(null, checkpoint?.LastPruned, now, retention);
        if (verifier.Problem is { } bad) return new AuditPruneResult(0, checkpoint?.Seq, bad);
        var chunk = new List<(long Position, AuditEntry Entry)>();
        long pruned = 0;
        await foreach (var (position, entry) in EntriesAsync(cancellationToken).ConfigureAwait(false))
        {
            var behind = position <= (checkpoint?.Seq ?? 0);
            if (!behind && entry.Time >= cutoff) break;
            if (!verifier.Add(position, entry)) return new AuditPruneResult(pruned, checkpoint?.Seq, verifier.Problem);
            chunk.Add((position, entry));
            if (chunk.Count < PruneChunk) continue;
            (pruned, checkpoint) = (pruned + chunk.Count, await PruneChunkAsync(chunk, checkpoint, now, cancellationToken).ConfigureAwait(false));
            chunk.Clear();
        }

        if (chunk.Count > 0) (pruned, checkpoint) = (pruned + chunk.Count, await PruneChunkAsync(chunk, checkpoint, now, cancellationToken).ConfigureAwait(false));
        return new AuditPruneResult(pruned, checkpoint?.Seq, null);
    }

    private async Task<AuditCheckpoint?> PruneChunkAsync(List<(long Position, AuditEntry Entry)> chunk, AuditCheckpoint? checkpoint, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var last = chunk[^1].Entry;
        if (checkpoint is null || last.Seq > checkpoint.Seq)
        {
            checkpoint = new AuditCheckpoint(last, now.ToString("O", CultureInfo.InvariantCulture));
            // The entry's subject under another name: the checkpoint must not show in the subject's audit (bySubject).
            var item = AuditItems.Entry(last, AuditItems.CheckpointSubjectAttribute);
            item["subject"] = new AttributeValue { S = CheckpointPartition };
            item["at"] = new AttributeValue { S = Singleton };
            item["prunedAt"] = new AttributeValue { S = checkpoint.PrunedAt };
            await dynamo.PutItemAsync(new PutItemRequest { TableName = Table, Item = item }, cancellationToken).ConfigureAwait(false);
        }

        foreach (var part in chunk.Chunk(25))
        {
            var deletes = part.Select(e => new WriteRequest(new DeleteRequest(Key(ChainPartition, AuditItems.PositionKey(e.Position))))).ToArray();
            await DynamoBatches.WriteAsync(dynamo, Table, deletes, cancellationToken).ConfigureAwait(false);
        }

        return checkpoint;
    }

    /// <summary>The last entry stored, else the checkpoint (everything was pruned), else nothing: the chain is empty.</summary>
    private async Task<(long Seq, string Hash)?> TailAsync(CancellationToken cancellationToken)
    {
        var request = ChainQuery(forward: false, null);
        request.Limit = 1;
        var page = await dynamo.QueryAsync(request, cancellationToken).ConfigureAwait(false);
        if (page.Items is [var last, ..]) return (AuditItems.Position(last), AuditItems.Text(last, "hash"));
        return await CheckpointAsync(cancellationToken).ConfigureAwait(false) is { } checkpoint ? (checkpoint.Seq, checkpoint.Hash) : null;
    }

    /// <summary>Moves the head forward to entry <paramref name="seq"/> unless another appender already moved it further.</summary>
    private async Task AdvanceHeadAsync(long seq, string hash, CancellationToken cancellationToken)
    {
        try
        {
            await dynamo.PutItemAsync(new PutItemRequest
            {
                TableName = Table,
                Item = new Dictionary<string, AttributeValue>
                {
                    ["subject"] = new() { S = HeadPartition },
                    ["at"] = new() { S = Singleton },
                    ["seq"] = new() { N = seq.ToString(CultureInfo.InvariantCulture) },
                    ["hash"] = new() { S = hash },
                },
                ConditionExpression = "attribute_not_exists(seq) OR seq < :s",
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":s"] = new() { N = seq.ToString(CultureInfo.InvariantCulture) } },
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (ConditionalCheckFailedException)
        {
            // A later entry's appender got there first: the head is already further on.
        }
    }

    /// <summary>The chain's entries in position order (or backwards), consistent: an append just made is seen.</summary>
    private QueryRequest ChainQuery(bool forward, Dictionary<string, AttributeValue>? start) => new()
    {
        TableName = Table,
        KeyConditionExpression = "subject = :c",
        ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":c"] = new() { S = ChainPartition } },
        ConsistentRead = true,
        ScanIndexForward = forward,
        ExclusiveStartKey = start,
    };

    private async Task<Dictionary<string, AttributeValue>?> GetAsync(string partition, CancellationToken cancellationToken)
    {
        var item = (await dynamo.GetItemAsync(new GetItemRequest { TableName = Table, Key = Key(partition, Singleton), ConsistentRead = true }, cancellationToken).ConfigureAwait(false)).Item;
        return item is { Count: > 0 } ? item : null;
    }

    private static Dictionary<string, AttributeValue> Key(string subject, string at) => new()
    {
        ["subject"] = new() { S = subject },
        ["at"] = new() { S = at },
    };
}
