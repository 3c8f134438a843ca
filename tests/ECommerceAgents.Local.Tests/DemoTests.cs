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

    [Fact]
    public async Task DemoChaos_EveryServerKilledAndRestartedDuringTrafficAndDrain_BooksStillBalance_KillsAndRetriesReported()
    {
        var json = Path.Combine(_stack.State, "chaos.json");

        var result = await Cli.RunAsync(_stack.Environment, "demo", "--chaos", "--chaos-outage", "1.5", "--chaos-gap", "0.5",
            "--events", "2000", "--users", "100", "--seed", "11", "--rate", "150", "--json", json, "--html", Path.Combine(_stack.State, "chaos.html"));

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Contains("the books balance", result.Stdout, StringComparison.Ordinal);
        var report = JsonNode.Parse(await File.ReadAllTextAsync(json))!;
        Assert.All(report["checks"]!.AsArray(), c => Assert.True(c!["passed"]!.GetValue<bool>(), c.ToJsonString()));
        var chaos = report["chaos"]!;
        var kills = chaos["kills"]!.AsArray();
        Assert.Equal(["dynamodb", "kinesis", "s3", "redis", "postgres", "firehose"], kills.Select(k => k!["server"]!.GetValue<string>()));
        Assert.All(kills, k =>
        {
            Assert.NotEqual(k!["pid"]!.GetValue<int>(), k["newPid"]!.GetValue<int>());
            Assert.True(k["restartedAt"]!.GetValue<double>() - k["killedAt"]!.GetValue<double>() >= 1.5, k.ToJsonString());
        });
        Assert.Equal("traffic", kills[0]!["phase"]!.GetValue<string>());

        // Nothing given up, and the kills were felt: someone retried.
        var retries = chaos["retries"]!;
        Assert.Equal(0, retries["recordsSentToOnFailure"]!.GetValue<long>());
        Assert.True(retries["api"]!.GetValue<long>() + retries["streamProcessorRetries"]!.GetValue<long>() > 0, retries.ToJsonString());
        Assert.Equal(retries["api"]!.GetValue<long>(), retries["apiByReason"]!.AsObject().Sum(kv => kv.Value!.GetValue<long>()));

        var generator = new TrafficGenerator(new TrafficOptions { Seed = 11, Users = 100, Events = 2000 });
        generator.Generate();
        var checks = report["checks"]!.AsArray();
        string Found(string area, string name) => checks.Single(c => c!["area"]!.GetValue<string>() == area && c["name"]!.GetValue<string>() == name)!["actual"]!.GetValue<string>();
        Assert.Equal(generator.Truth.ValidUnique.ToString(CultureInfo.InvariantCulture), Found("enriched", "valid, unique, non-bot events"));
        Assert.Equal(generator.Truth.OrdersPlaced.ToString(CultureInfo.InvariantCulture), Found("warehouse", "orders"));
        Assert.Equal(generator.Truth.NetRevenue.ToString("F2", CultureInfo.InvariantCulture), Found("warehouse", "revenue net of refunds"));
        Assert.Contains("SIGKILL", result.Stdout, StringComparison.Ordinal);
    }
}
