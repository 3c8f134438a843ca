using System.Text.Json;

namespace ECommerceAgents.Infra.Tests;

/// <summary>infra/opensearch-dashboards/saved-objects.ndjson imports cleanly: every reference resolves, every field exists.</summary>
public sealed class OpenSearchDashboardsTests
{
    private static readonly List<JsonElement> Objects = [.. File.ReadAllLines(Path.Combine(InfraSettings.FindRepositoryRoot(), "infra", "opensearch-dashboards", "saved-objects.ndjson"))
        .Where(l => l.Length > 0)
        .Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public void IndexPatterns_CoverProductsAndDailyMetrics()
    {
        var titles = Objects.Where(o => Type(o) == "index-pattern").Select(o => o.GetProperty("attributes").GetProperty("title").GetString()).Order();

        Assert.Equal(["daily-metrics", "products"], titles);
    }

    [Fact]
    public void Visualizations_ReferenceExistingIndexPatternsAndTheirFields()
    {
        var patterns = Objects.Where(o => Type(o) == "index-pattern").ToDictionary(Id, o =>
            JsonDocument.Parse(o.GetProperty("attributes").GetProperty("fields").GetString()!).RootElement.EnumerateArray()
                .Select(f => f.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal));
        var visualizations = Objects.Where(o => Type(o) == "visualization").ToList();

        Assert.True(visualizations.Count >= 4);
        foreach (var visualization in visualizations)
        {
            var index = visualization.GetProperty("references").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "index-pattern").GetProperty("id").GetString()!;
            Assert.True(patterns.ContainsKey(index), Id(visualization));

            using var state = JsonDocument.Parse(visualization.GetProperty("attributes").GetProperty("visState").GetString()!);
            foreach (var agg in state.RootElement.GetProperty("aggs").EnumerateArray())
            {
                if (agg.GetProperty("params").TryGetProperty("field", out var field))
                {
                    Assert.Contains(field.GetString()!, patterns[index]);
                }
            }
        }
    }

    [Fact]
    public void Dashboard_PanelsResolveToVisualizations()
    {
        var visualizations = Objects.Where(o => Type(o) == "visualization").Select(Id).ToHashSet(StringComparer.Ordinal);
        var dashboard = Objects.Single(o => Type(o) == "dashboard");
        using var panels = JsonDocument.Parse(dashboard.GetProperty("attributes").GetProperty("panelsJSON").GetString()!);
        var references = dashboard.GetProperty("references").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("id").GetString()!);

        Assert.Equal(visualizations.Count, panels.RootElement.GetArrayLength());
        foreach (var panel in panels.RootElement.EnumerateArray())
        {
            Assert.Contains(references[panel.GetProperty("panelRefName").GetString()!], visualizations);
        }
    }

    private static string Type(JsonElement o) => o.GetProperty("type").GetString()!;

    private static string Id(JsonElement o) => o.GetProperty("id").GetString()!;
}
