using System.Text.Json.Nodes;

namespace ECommerceAgents.Local.Cost;

/// <summary>
/// Ours beside clickstream-analytics-on-aws at their published rates (<see cref="ClickstreamReference"/>), each rate
/// priced on a stage of its own (the profile: today prod at every rate; a smaller stage for the low rate once the CDK
/// app has one), module by module, with the totals, the cost per million events and the inputs used.
/// </summary>
public static class CostComparison
{
    /// <summary>Our month at each published rate, on the stage given for that rate.</summary>
    public static CostEstimate[] Ours(CostModel model, IReadOnlyList<CostStage> profiles, int eventsPerRequest = 10)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(profiles);
        if (profiles.Count != ClickstreamReference.Rates.Count) throw new ArgumentException($"one stage per published rate ({ClickstreamReference.Rates.Count})", nameof(profiles));
        return [.. ClickstreamReference.Rates.Select((r, i) => model.Monthly(new Workload(r, eventsPerRequest), profiles[i]))];
    }

    /// <summary>Cost per million events of a month.</summary>
    public static double PerMillionEvents(double monthlyUsd, Workload workload) =>
        workload.EventsPerSecond <= 0 ? 0 : monthlyUsd / (workload.EventsPerSecond * CostModel.SecondsPerMonth / 1_000_000);

    /// <summary>
    /// The comparison as JSON: <c>rates</c> (requestsPerSecond, profile, totalMonthly, anchorMonthly = their published
    /// total, perMillionEvents), <c>perMillionEvents</c> (ours and theirs per rate), <c>modules</c> (their row beside our
    /// lines) and <c>inputs</c> (name, value, unit, measured, source).
    /// </summary>
    public static JsonObject Json(CostModel model, IReadOnlyList<CostStage> profiles, int eventsPerRequest = 10)
    {
        var ours = Ours(model, profiles, eventsPerRequest);
        var rates = new JsonArray();
        var perMillion = new JsonArray();
        for (var i = 0; i < ours.Length; i++)
        {
            var anchor = ClickstreamReference.TheirTotal(i);
            var workload = ours[i].Workload;
            rates.Add((JsonNode)new JsonObject
            {
                ["requestsPerSecond"] = workload.RequestsPerSecond,
                ["profile"] = ours[i].Stage.Name,
                ["totalMonthly"] = Round(ours[i].TotalUsd),
                ["anchorMonthly"] = Round(anchor),
                ["ratio"] = Math.Round(ours[i].TotalUsd / anchor, 3),
                ["perMillionEvents"] = Round(PerMillionEvents(ours[i].TotalUsd, workload), 4),
            });
            perMillion.Add((JsonNode)new JsonObject
            {
                ["requestsPerSecond"] = workload.RequestsPerSecond,
                ["ours"] = Round(PerMillionEvents(ours[i].TotalUsd, workload), 4),
                ["anchor"] = Round(PerMillionEvents(anchor, workload), 4),
            });
        }

        var modules = new JsonArray();
        foreach (var row in ClickstreamReference.Rows)
        {
            modules.Add((JsonNode)new JsonObject
            {
                ["module"] = row.Module,
                ["theirs"] = row.Theirs,
                ["ours"] = row.Ours,
                ["inTotals"] = row.InTotals,
                ["theirMonthly"] = new JsonArray([.. row.TheirUsd.Select(u => u is { } usd ? (JsonNode)Round(usd) : null)]),
                ["ourMonthly"] = new JsonArray([.. ours.Select(o => row.InTotals ? (JsonNode)Round(o.Lines.Where(row.OurLines).Sum(l => l.Usd)) : null)]),
            });
        }

        return new JsonObject
        {
            ["region"] = "us-east-1",
            ["hoursPerMonth"] = CostModel.HoursPerMonth,
            ["eventsPerRequest"] = eventsPerRequest,
            ["reference"] = new JsonObject { ["source"] = ClickstreamReference.SourceUrl, ["note"] = ClickstreamReference.SourceNote },
            ["rates"] = rates,
            ["perMillionEvents"] = perMillion,
            ["modules"] = modules,
            ["inputs"] = InputsJson(model.Inputs),
        };
    }

    /// <summary>Every input as {name, value, unit, measured, source}.</summary>
    public static JsonArray InputsJson(CostInputs inputs) => new([.. inputs.Sources.Select(s => (JsonNode)new JsonObject
    {
        ["name"] = s.Name, ["value"] = s.Value, ["unit"] = s.Unit, ["measured"] = s.Measured, ["source"] = s.Source,
    })]);

    private static double Round(double value, int digits = 2) => Math.Round(value, digits, MidpointRounding.AwayFromZero);
}
