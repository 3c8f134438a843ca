using System.Globalization;
using System.Text.Json.Nodes;
using ECommerceAgents.Local.Demo;
using ECommerceAgents.Local.Stack;
using ECommerceAgents.Testing;
using Microsoft.Playwright;

namespace ECommerceAgents.Local.Tests;

/// <summary>
/// The dashboard in a real browser: Debian's Chromium, headless, driven by Playwright for .NET, against the dashboard a
/// small demo run serves. The charts must draw the run's own numbers; a screenshot is kept as a test artifact. Skipped,
/// with the reason, where Chromium is missing and cannot be installed.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private string? _chromium;
    private string? _noChromium;
    private PrivateCliStack? _stack;

    public async ValueTask InitializeAsync()
    {
        // Installed by the test run itself where it can be (root with apt-get), as the local stack installs redis-server.
        (_chromium, _noChromium) = await new Prerequisites(LocalStackOptions.FindRepositoryRoot(), installMissing: true, Console.Out).EnsureChromiumAsync(CancellationToken.None);
        if (_chromium is not null) _stack = await PrivateCliStack.StartAsync("dashboard");
    }

    public async ValueTask DisposeAsync()
    {
        if (_stack is not null) await _stack.DisposeAsync();
    }

    [Fact]
    public async Task Dashboard_InHeadlessChromium_ChartsShowTheRunsNumbers_ScreenshotSaved()
    {
        if (_chromium is null || _stack is null) Assert.Skip($"needs Debian's Chromium: {_noChromium}");
        await using var stack = LocalStack.Open(_stack.State, LocalStackOptions.FindRepositoryRoot())!;
        var screenshot = Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        File.Delete(screenshot);
        JsonObject? shown = null;
        JsonObject? served = null;

        var report = await DemoRun.RunAsync(stack, new DemoOptions
        {
            Users = 100, Events = 1500, Seed = 5, DashboardPort = LocalPorts.Free().Api,
            WhileServing = async (_, dashboard) =>
            {
                using var playwright = await Playwright.CreateAsync();
                await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = _chromium,
                    Headless = true,
                    Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
                });
                var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
                await page.GotoAsync(dashboard!.ToString());
                foreach (var chart in new[] { "rate", "funnel", "products", "trending", "quarantine", "quality" })
                {
                    await page.WaitForSelectorAsync($"#chart-{chart}[data-rendered='true']", new PageWaitForSelectorOptions { Timeout = 30_000 });
                }

                shown = new JsonObject
                {
                    ["events"] = await page.InnerTextAsync("#events"),
                    ["quarantined"] = await page.InnerTextAsync("#quarantined"),
                    ["orders"] = await page.InnerTextAsync("#orders"),
                    ["funnel"] = JsonNode.Parse(await page.GetAttributeAsync("#chart-funnel", "data-points") ?? "null"),
                    ["quarantine"] = JsonNode.Parse(await page.GetAttributeAsync("#chart-quarantine", "data-points") ?? "null"),
                };
                using var http = new HttpClient();
                served = JsonNode.Parse(await http.GetStringAsync(new Uri(dashboard, "/dashboard/data")))!.AsObject();
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
            },
        }, (_, _, _, _) => { }, TextWriter.Null, CancellationToken.None);

        Assert.True(report.Balanced, string.Join("; ", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Expected} ≠ {c.Actual}")));
        Assert.NotNull(shown);
        var truth = report.Truth;
        var events = served!["realtime"]!["totals"]!["events"]!.GetValue<double>();
        Assert.Equal(events.ToString("N0", CultureInfo.InvariantCulture), shown!["events"]!.GetValue<string>());
        Assert.Equal((truth.Malformed + truth.SchemaViolations + truth.UnknownSchema).ToString("N0", CultureInfo.InvariantCulture), shown["quarantined"]!.GetValue<string>());
        Assert.Equal(served["kpi"]!["orders"]!.GetValue<double>().ToString("N0", CultureInfo.InvariantCulture), shown["orders"]!.GetValue<string>());
        var funnel = served["funnel"]!;
        Assert.Equal(
            new[] { funnel["views"]!.GetValue<double>(), funnel["carts"]!.GetValue<double>(), funnel["checkouts"]!.GetValue<double>(), funnel["purchases"]!.GetValue<double>() },
            shown["funnel"]![0]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal(truth.Malformed + truth.SchemaViolations + truth.UnknownSchema, shown["quarantine"]![0]!.AsArray().Sum(v => v!.GetValue<double>()));
        Assert.True(new FileInfo(screenshot).Length > 10_000, "the screenshot was saved");
        Console.WriteLine($"[DashboardBrowserTests] screenshot: {screenshot}");
    }
}
