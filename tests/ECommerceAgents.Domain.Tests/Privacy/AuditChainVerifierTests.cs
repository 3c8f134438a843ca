using ECommerceAgents.Domain.Privacy;

namespace ECommerceAgents.Domain.Tests.Privacy;

/// <summary>The hash chain's rules on entries in memory (the store's tampering cases are AuditChainTests, over the wire).</summary>
public sealed class AuditChainVerifierTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static List<AuditEntry> Chain(int count)
    {
        var entries = new List<AuditEntry>();
        for (var i = 0; i < count; i++)
        {
            (long, string)? after = entries.Count == 0 ? null : (entries[^1].Seq, entries[^1].Hash);
            entries.Add(AuditChain.Next(after, new AuditRecord($"user#u-{i}", "read.profile", "k-1", "query", "GET /v1/users/{id}/profile", $"r-{i}", ""), Start.AddMinutes(i)));
        }

        return entries;
    }

    private sealed record Outcome(long Checked, long FirstSeq, long LastSeq, AuditProblem? Problem)
    {
        public bool Intact => Problem is null;
    }

    private static Outcome Verify(IEnumerable<AuditEntry> entries, (long, string)? head, AuditEntry? checkpoint = null, DateTimeOffset? now = null)
    {
        var verifier = new AuditChainVerifier(head, checkpoint, now ?? Start.AddDays(30), AuditChain.Retention);
        foreach (var e in entries)
        {
            if (!verifier.Add(e.Seq, e)) break;
        }

        var problem = verifier.Finish();
        return new Outcome(verifier.Checked, verifier.FirstSeq, verifier.LastSeq, problem);
    }

    [Fact]
    public void Next_LinksToThePreviousHash_FirstLinksToGenesis_HashCoversEveryField()
    {
        var chain = Chain(2);

        Assert.Equal((1L, AuditChain.Genesis), (chain[0].Seq, chain[0].Prev));
        Assert.Equal((2L, chain[0].Hash), (chain[1].Seq, chain[1].Prev));
        Assert.Equal(AuditChain.HashOf(chain[1]), chain[1].Hash);
        Assert.NotEqual(chain[1].Hash, AuditChain.HashOf(chain[1] with { Record = chain[1].Record with { Details = "x" } }));

        // Length prefixes: moving a character from one field to the next changes the hash.
        var moved = chain[1] with { Record = chain[1].Record with { Actor = "k-1q", Role = "uery" } };
        Assert.NotEqual(chain[1].Hash, AuditChain.HashOf(moved));
    }

    [Fact]
    public void Verify_Intact_WithHead()
    {
        var chain = Chain(4);

        var result = Verify(chain, (4, chain[3].Hash));

        Assert.True(result.Intact, result.Problem?.Detail);
        Assert.Equal((4L, 1L, 4L), (result.Checked, result.FirstSeq, result.LastSeq));
    }

    [Fact]
    public void Verify_EndRewrittenWithRecomputedHashes_HeadDisagrees()
    {
        var chain = Chain(3);
        (long, string)? head = (3, chain[2].Hash);
        var forged = chain[2] with { Record = chain[2].Record with { Actor = "k-2" } };
        chain[2] = forged with { Hash = AuditChain.HashOf(forged) };

        var problem = Verify(chain, head).Problem;

        Assert.Equal((AuditProblemKind.Altered, 3L), (problem?.Kind, problem?.Seq));
    }

    [Fact]
    public void Verify_HeadMissingWithEntries_Reported()
    {
        Assert.Equal(AuditProblemKind.Removed, Verify(Chain(2), head: null).Problem?.Kind);
    }

    [Fact]
    public void Verify_FromCheckpoint_IntactWhenOld_CheckpointProblemWhenYoungOrAltered()
    {
        var chain = Chain(5);
        (long, string)? head = (5, chain[4].Hash);
        var checkpoint = chain[1];
        var later = Start.AddDays(400);

        Assert.True(Verify(chain.Skip(2), head, checkpoint, later).Intact);
        Assert.Equal(AuditProblemKind.Checkpoint, Verify(chain.Skip(2), head, checkpoint, Start.AddDays(30)).Problem?.Kind);
        var altered = chain[1] with { Record = chain[1].Record with { Subject = "user#x" } };
        Assert.Equal(AuditProblemKind.Checkpoint, Verify(chain.Skip(2), head, altered, later).Problem?.Kind);

        // A checkpoint moved past entries that are still there: they are skipped; one moved to a wrong hash breaks the link.
        Assert.True(Verify(chain, head, checkpoint, later).Intact);
        var wrong = chain[0];
        Assert.Equal((AuditProblemKind.Removed, 2L), (Verify(chain.Skip(2), head, wrong, later).Problem?.Kind, Verify(chain.Skip(2), head, wrong, later).Problem?.Seq));
    }
}
