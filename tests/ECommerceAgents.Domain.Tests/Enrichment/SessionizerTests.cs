using ECommerceAgents.Domain.Enrichment;
using ECommerceAgents.Domain.Processing;
using ECommerceAgents.Domain.Tests.Builders;
using FsCheck;
using FsCheck.Xunit;

namespace ECommerceAgents.Domain.Tests.Enrichment;

public sealed class SessionizerTests
{
    private readonly Sessionizer _sessionizer = new();

    private static DateTimeOffset At(double minutes) => EventBuilder.Now.AddMinutes(minutes);

    [Fact]
    public void Assign_GapUnderThirtyMinutes_SameSession_OverThirty_NewSession()
    {
        var state = new SubjectState { SubjectId = "u-1" };

        var a = _sessionizer.Assign(state, At(0), "e1");
        var b = _sessionizer.Assign(state, At(29), "e2");
        var c = _sessionizer.Assign(state, At(60), "e3");

        Assert.Same(a, b);
        Assert.NotEqual(a.Id, c.Id);
        Assert.Equal(Sessionizer.SessionId("u-1", At(0), "e1"), a.Id);
        Assert.Single(state.Recent);
    }

    [Fact]
    public void Assign_LateEventInsideAnEarlierSession_JoinsIt()
    {
        var state = new SubjectState { SubjectId = "u-1" };
        var first = _sessionizer.Assign(state, At(0), "e1");
        _sessionizer.Assign(state, At(10), "e2");
        _sessionizer.Assign(state, At(100), "e3");

        var late = _sessionizer.Assign(state, At(5), "late");

        Assert.Equal(first.Id, late.Id);
    }

    [Fact]
    public void Assign_LateEventFarFromAnySession_OpensItsOwn()
    {
        var state = new SubjectState { SubjectId = "u-1" };
        _sessionizer.Assign(state, At(100), "e1");

        var late = _sessionizer.Assign(state, At(0), "late");

        Assert.Equal(Sessionizer.SessionId("u-1", At(0), "late"), late.Id);
        Assert.Equal(Sessionizer.SessionId("u-1", At(100), "e1"), state.Current!.Id);
    }

    [Fact]
    public void Assign_AcrossTwoBatches_SameIdsAsOneBatch()
    {
        var times = new[] { 0, 5, 12, 50, 55, 140 };
        var one = new SubjectState { SubjectId = "u-1" };
        var whole = times.Select((t, i) => _sessionizer.Assign(one, At(t), "e" + i).Id).ToArray();

        var split = new SubjectState { SubjectId = "u-1" };
        var firstHalf = times[..3].Select((t, i) => _sessionizer.Assign(split, At(t), "e" + i).Id);
        var secondHalf = times[3..].Select((t, i) => _sessionizer.Assign(split, At(t), "e" + (i + 3)).Id);

        Assert.Equal(whole, firstHalf.Concat(secondHalf));
        Assert.Equal(3, whole.Distinct().Count());
    }

    /// <summary>
    /// Events are applied in sequence order, so however a batch's records are listed, and however the stream is cut
    /// into batches, the ids are the same; event times may be out of order (late events).
    /// </summary>
    [Property(MaxTest = 200)]
    public bool SessionIds_IndependentOfListingOrderAndBatchCuts(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var events = Enumerable.Range(0, 12).Select(i => (Seq: i, Id: "e" + i, Time: At(random.Next(0, 300)))).ToArray();
        Dictionary<string, string> Ids(IEnumerable<(int Seq, string Id, DateTimeOffset Time)> listing, int cut)
        {
            var state = new SubjectState { SubjectId = "s" };
            var sorted = listing.OrderBy(e => e.Seq).ToArray();
            var first = sorted.Where(e => e.Seq < cut).Select(e => (e.Id, _sessionizer.Assign(state, e.Time, e.Id).Id));
            var second = sorted.Where(e => e.Seq >= cut).Select(e => (e.Id, _sessionizer.Assign(state, e.Time, e.Id).Id));
            return first.ToArray().Concat(second.ToArray()).ToDictionary(x => x.Item1, x => x.Item2);
        }

        var baseline = Ids(events, 12);
        var shuffled = Ids(events.OrderBy(_ => random.Next()), random.Next(0, 12));
        return events.All(e => baseline[e.Id] == shuffled[e.Id]);
    }
}
