using System.Text.Json.Nodes;
using ECommerceAgents.Local.Benchmarks;

namespace ECommerceAgents.Local.Tests.Benchmarks;

public sealed class BenchFigureTests
{
    [Theory]
    [InlineData(new[] { 130.0, 90.0, 110.0, 150.0, 100.0 })]
    [InlineData(new[] { 7.0 })]
    [InlineData(new[] { 3.0, 1.0, 2.0 })]
    public void Of_OddRounds_MedianIsTheMiddleRoundWithAsManyAboveAsBelow(double[] rounds)
    {
        var figure = BenchFigure.Of(rounds);

        Assert.Contains(figure.Median, rounds);
        Assert.Equal(rounds.Count(r => r < figure.Median), rounds.Count(r => r > figure.Median));
        Assert.Equal(rounds.Min(), figure.Min);
        Assert.Equal(rounds.Max(), figure.Max);
        Assert.Equal(rounds, figure.Rounds); // in the order run
    }

    [Fact]
    public void Of_EvenRounds_MedianIsTheMeanOfTheTwoMiddleRounds()
    {
        double[] rounds = [40, 10, 30, 20];
        var sorted = rounds.Order().ToArray();

        var figure = BenchFigure.Of(rounds);

        Assert.Equal((sorted[1] + sorted[2]) / 2, figure.Median);
        Assert.InRange(figure.Median, sorted[1], sorted[2]);
    }

    [Fact]
    public void Of_OneLuckyRound_MovesTheMaxNotTheFigure()
    {
        double[] steady = [100, 101, 99, 100, 102];
        var lucky = steady.Append(10 * steady.Max()).Append(steady.Min() - 1).ToArray(); // one far above, one just below

        var before = BenchFigure.Of(steady);
        var after = BenchFigure.Of(lucky);

        Assert.Equal(before.Median, after.Median);
        Assert.Equal(lucky.Max(), after.Max);
        Assert.NotEqual(before.Max, after.Max);
    }

    [Fact]
    public void Of_OrderOfRounds_DoesNotChangeTheFigure()
    {
        var rounds = Enumerable.Range(1, 9).Select(i => i * 1.5).ToArray();
        var shuffled = rounds.OrderBy(r => HashCode.Combine(r, 17)).ToArray();

        var a = BenchFigure.Of(rounds);
        var b = BenchFigure.Of(shuffled);

        Assert.Equal((a.Median, a.Min, a.Max), (b.Median, b.Min, b.Max));
    }

    [Fact]
    public void Of_NoRounds_Refused() => Assert.Throws<ArgumentException>(() => BenchFigure.Of([]));

    [Fact]
    public void WriteTo_MedianUnderTheNameMinMaxAndRoundsBeside()
    {
        double[] rounds = [12.345, 11.111, 13.999];
        var figure = BenchFigure.Of(rounds);
        var json = new JsonObject();

        figure.WriteTo(json, "eventsPerSecond", 1);

        Assert.Equal(Math.Round(figure.Median, 1), json["eventsPerSecond"]!.GetValue<double>());
        Assert.Equal(Math.Round(rounds.Min(), 1), json["eventsPerSecondMin"]!.GetValue<double>());
        Assert.Equal(Math.Round(rounds.Max(), 1), json["eventsPerSecondMax"]!.GetValue<double>());
        Assert.Equal(rounds.Select(r => Math.Round(r, 1)), json["eventsPerSecondRounds"]!.AsArray().Select(n => n!.GetValue<double>()));
    }
}
