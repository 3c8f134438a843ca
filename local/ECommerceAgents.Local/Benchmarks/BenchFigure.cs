using System.Text.Json.Nodes;

namespace ECommerceAgents.Local.Benchmarks;

/// <summary>
/// A benchmark figure as issue 16 defines it: the median of its rounds, reported with the min and the max, so a lucky
/// round can neither be the figure nor hide how far the rounds spread.
/// </summary>
public sealed record BenchFigure(double Median, double Min, double Max, IReadOnlyList<double> Rounds)
{
    public static BenchFigure Of(IEnumerable<double> rounds)
    {
        var values = rounds.ToArray();
        if (values.Length == 0) throw new ArgumentException("A figure needs at least one round.", nameof(rounds));
        if (values.Any(double.IsNaN)) throw new ArgumentException("A round measured NaN.", nameof(rounds));
        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new BenchFigure(median, sorted[0], sorted[^1], values);
    }

    /// <summary>
    /// Writes <c>name</c> (the median), <c>nameMin</c>, <c>nameMax</c> and <c>nameRounds</c> (each round in the order
    /// run), rounded to <paramref name="decimals"/>.
    /// </summary>
    public void WriteTo(JsonObject result, string name, int decimals = 0)
    {
        result[name] = Math.Round(Median, decimals);
        result[name + "Min"] = Math.Round(Min, decimals);
        result[name + "Max"] = Math.Round(Max, decimals);
        result[name + "Rounds"] = new JsonArray(Rounds.Select(r => (JsonNode)Math.Round(r, decimals)).ToArray());
    }
}
