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
    private readonly AuditHead? _head;
    private readonly long _floor;
    private long _expected;
    private string _previous;
    private long _checked;
    private long _first;
    private long _last;

    public AuditChainVerifier(AuditHead? head, AuditCheckpoint? checkpoint, DateTimeOffset now, TimeSpan retention)
    {
        _head = head;
        _floor = checkpoint?.Seq ?? 0;
        _expected = _floor + 1;
        _previous = checkpoint?.Hash ?? AuditChain.Genesis;
        if (checkpoint is null) return;
        if (AuditChain.HashOf(checkpoint.LastPruned) != checkpoint.Hash)
        {
            Problem = new AuditProblem(AuditProblemKind.Checkpoint, checkpoint.Seq, $"the checkpoint's entry {checkpoint.Seq} no longer hashes to its hash: the checkpoint was altered");
        }
        else if (checkpoint.LastPruned.Time > now - retention)
        {
            Problem = new AuditProblem(AuditProblemKind.Checkpoint, checkpoint.Seq,
                $"the checkpoint says entries up to {checkpoint.Seq} were pruned, but entry {checkpoint.Seq} is from {checkpoint.LastPruned.At}, within the {retention.TotalDays.ToString(CultureInfo.InvariantCulture)}-day retention: they were removed");
        }
    }

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
        if (_checked++ == 0) _first = position;
        _last = position;
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

    /// <summary>The outcome once every stored entry was added: entries cut from the end show against the head.</summary>
    public AuditVerification Finish()
    {
        if (Problem is null && _head is { } head)
        {
            var last = _checked > 0 ? _last : _floor;
            if (head.Seq > last)
            {
                Problem = new AuditProblem(AuditProblemKind.Removed, last + 1, $"the chain head is at entry {head.Seq} but the chain ends at {last}: entries {last + 1} to {head.Seq} were removed from its end");
            }
            else if (head.Seq == _floor && _checked == 0 && head.Hash != _previous)
            {
                Problem = new AuditProblem(AuditProblemKind.Altered, head.Seq, "the chain head does not match the checkpoint");
            }
        }
        else if (Problem is null && _checked > 0)
        {
            Problem = new AuditProblem(AuditProblemKind.Removed, _last, "the chain head is missing");
        }

        return new AuditVerification(_checked, _first, _last, Problem);
    }
}
