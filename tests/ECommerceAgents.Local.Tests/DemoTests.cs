using System.Globalization;
using System.Text.Json.Nodes;
using ECommerceAgents.Local.Traffic;
using ECommerceAgents.Testing;

namespace ECommerceAgents.Local.Tests;

/// <summary>
/// The README's first command, small: a few thousand events through the whole platform on a stack of its own, and the
/// reconciliation checked against the generator's ground truth computed here independently.
/// </summary>
public sealed class DemoTests : IAsyncLifetime
{
    private PrivateCliStack _stack = null!;

    public async ValueTask InitializeAsync() => _stack = await PrivateCliStack.StartAsync("demo", up: false);

    public async ValueTask DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Demo_SmallShop_BooksBalanceExactly_ReportWrittenAsTableJsonAndHtml()
    {
        var json = Path.Combine(_stack.State, "report.json");
        var html = Path.Combine(_stack.State, "report.html");

        var result = await Cli.RunAsync(_stack.Environment, "demo", "--events", "2500", "--users", "120", "--seed", "7", "--json", json, "--html", html);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("the books balance", result.Stdout, StringComparison.Ordinal);
        var report = JsonNode.Parse(await File.ReadAllTextAsync(json))!;
        var checks = report["checks"]!.AsArray();
        Assert.All(checks, c => Assert.True(c!["passed"]!.GetValue<bool>(), c.ToJsonString()));

        // The same seed generates the same shop here: the report's expectations are the generator's own counts.
        var generator = new TrafficGenerator(new TrafficOptions { Seed = 7, Users = 120, Events = 2500 });
        generator.Generate();
        var truth = generator.Truth;
        string Found(string area, string name) => checks.Single(c => c!["area"]!.GetValue<string>() == area && c["name"]!.GetValue<string>() == name)!["actual"]!.GetValue<string>();
        Assert.Equal(truth.ValidUnique.ToString(CultureInfo.InvariantCulture), Found("enriched", "valid, unique, non-bot events"));
        Assert.Equal(truth.BotEvents.ToString(CultureInfo.InvariantCulture), Found("bots", "bot events in the bot zone"));
        Assert.Equal(truth.Malformed.ToString(CultureInfo.InvariantCulture), Found("quarantine", "malformed_json"));
        Assert.Equal(truth.SchemaViolations.ToString(CultureInfo.InvariantCulture), Found("quarantine", "schema_violation"));
        Assert.Equal(truth.UnknownSchema.ToString(CultureInfo.InvariantCulture), Found("quarantine", "unknown_schema"));
        Assert.Equal(truth.OrdersPlaced.ToString(CultureInfo.InvariantCulture), Found("warehouse", "orders"));
        Assert.Equal(truth.NetRevenue.ToString("F2", CultureInfo.InvariantCulture), Found("warehouse", "revenue net of refunds"));
        Assert.True(truth.Duplicates > 0 && truth.Late > 0 && truth.BotEvents > 0 && truth.Malformed > 0, "the run injected every kind of fault");
        Assert.True(report["latency"]!["p99Ms"]!.GetValue<double>() < 300_000);
        Assert.True(report["costUsd"]!.GetValue<double>() > 0);
        Assert.Contains("The books balance.", await File.ReadAllTextAsync(html), StringComparison.Ordinal);
    }
}
