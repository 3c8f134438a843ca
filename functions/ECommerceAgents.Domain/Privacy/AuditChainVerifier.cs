using System.Globalization;

namespace ECommerceAgents.Domain.Privacy;

/// <summary>
/// Walks the audit chain in the store's order (entries as stored at positions 1, 2, …), one entry at a time so a long
/// chain is never held in memory, and stops at the first entry that was removed, altered or moved. The head (read before
/// the walk) catches entries cut from the end; the checkpoint (the last pruned entry, whole) says where the chain may
/// start and is itself checked: its entry must hash to the hash the first remaining entry links to, and must be older
/// than the retention, or the "prune" was a removal.
/// </summary>
public sealed class AuditChainVerifier
{
    private readonly (long Seq, string Hash)? _head;
    private readonly long _floor;
    private long _expected;
    private string _previous;

    /// <param name="head">The head item read before the walk: the newest entry an appender stored, by number and hash.</param>
    /// <param name="lastPruned">The prune checkpoint's entry (the last one a prune removed), or null when nothing was pruned.</param>
    public AuditChainVerifier((long Seq, string Hash)? head, AuditEntry? lastPruned, DateTimeOffset now, TimeSpan retention)
    {
        _head = head;
        _floor = lastPruned?.Seq ?? 0;
        _expected = _floor + 1;
        _previous = lastPruned?.Hash ?? AuditChain.Genesis;
        if (lastPruned is null) return;
        if (AuditChain.HashOf(lastPruned) != lastPruned.Hash)
        {
            Problem = new AuditProblem(AuditProblemKind.Checkpoint, lastPruned.Seq, $"the checkpoint's entry {lastPruned.Seq} no longer hashes to its hash: the checkpoint was altered");
        }
        else if (lastPruned.Time > now - retention)
        {
            Problem = new AuditProblem(AuditProblemKind.Checkpoint, lastPruned.Seq,
                $"the checkpoint says entries up to {lastPruned.Seq} were pruned, but entry {lastPruned.Seq} is from {lastPruned.At}, within the {retention.TotalDays.ToString(CultureInfo.InvariantCulture)}-day retention: they were removed");
        }
    }

    /// <summary>Entries checked so far (those behind the checkpoint not counted).</summary>
    public long Checked { get; private set; }

    /// <summary>The first and the last position checked (0 when none was).</summary>
    public long FirstSeq { get; private set; }

    public long LastSeq { get; private set; }

    /// <summary>The first problem found so far; once set, further entries are not looked at.</summary>
    public AuditProblem? Problem { get; private set; }

    /// <summary>Checks the entry stored at <paramref name="position"/>; false once a problem is found.</summary>
    public bool Add(long position, AuditEntry entry)
    {
        if (Problem is not null) return false;

        // Left behind by a prune that stopped after writing its checkpoint: the next prune removes them.
        if (position <= _floor) return true;
        Problem = Check(position, entry);
        if (Problem is not null) return false;
        if (Checked++ == 0) FirstSeq = position;
        LastSeq = position;
        _expected = position + 1;
        _previous = entry.Hash;
        return true;
    }

    private AuditProblem? Check(long position, AuditEntry entry)
    {
        if (AuditChain.HashOf(entry) != entry.Hash)
        {
            return new AuditProblem(AuditProblemKind.Altered, position, $"entry {position} no longer hashes to its hash: its content was changed");
        }

        if (entry.Seq != position)
        {
            return new AuditProblem(AuditProblemKind.Reordered, position, $"entry {entry.Seq} is stored at position {position}: entries were moved");
        }

        if (position > _expected)
        {
            var range = position - 1 == _expected ? $"entry {_expected} is" : $"entries {_expected} to {position - 1} are";
            return new AuditProblem(AuditProblemKind.Removed, _expected, $"{range} missing before entry {position}");
        }

        if (entry.Prev != _previous)
        {
            // Each entry hashes to its own hash, so the one before was rewritten with a recomputed hash (or replaced).
            return new AuditProblem(AuditProblemKind.Altered, position - 1, $"entry {position} does not link to entry {position - 1}: entry {position - 1} was rewritten or replaced");
        }

        if (_head is { } head && head.Seq == position && head.Hash != entry.Hash)
        {
            return new AuditProblem(AuditProblemKind.Altered, position, $"entry {position} is not the entry the chain head recorded: the end of the chain was rewritten");
        }

        return null;
    }

    /// <summary>The first problem once every stored entry was added (entries cut from the end show against the head), or null: intact.</summary>
    public AuditProblem? Finish()
    {
        if (Problem is null && _head is { } head)
        {
            var last = Checked > 0 ? LastSeq : _floor;
            if (head.Seq > last)
            {
                Problem = new AuditProblem(AuditProblemKind.Removed, last + 1, $"the chain head is at entry {head.Seq} but the chain ends at {last}: entries {last + 1} to {head.Seq} were removed from its end");
            }
            else if (head.Seq == _floor && Checked == 0 && head.Hash != _previous)
            {
                Problem = new AuditProblem(AuditProblemKind.Altered, head.Seq, "the chain head does not match the checkpoint");
            }
        }
        else if (Problem is null && Checked > 0)
        {
            Problem = new AuditProblem(AuditProblemKind.Removed, LastSeq, "the chain head is missing");
        }

        return Problem;
    }
}
