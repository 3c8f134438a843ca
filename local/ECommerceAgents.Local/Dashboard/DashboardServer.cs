using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ECommerceAgents.Local.Stack;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ECommerceAgents.Local.Dashboard;

/// <summary>
/// The local dashboard at <c>http://127.0.0.1:&lt;port&gt;/dashboard</c>: live figures from the API's
/// <c>/v1/metrics/realtime</c> and the warehouse models, drawn with Chart.js served from the repository's own
/// <c>local/node_modules</c> (pinned in <c>local/package.json</c>; no CDN).
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _api;

    private DashboardServer(WebApplication app, HttpClient api, Uri address)
    {
        _app = app;
        _api = api;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<DashboardServer> StartAsync(Uri apiBase, string adminKey, string? warehouse, string repositoryRoot, int port, CancellationToken ct)
    {
        var chartJs = Path.Combine(repositoryRoot, "local", "node_modules", "chart.js", "dist", "chart.umd.min.js");
        if (!File.Exists(chartJs)) throw new CliException($"{chartJs} is missing: run `npm ci` in local/", 1);
        var api = new HttpClient { BaseAddress = apiBase, Timeout = TimeSpan.FromSeconds(10) };
        api.DefaultRequestHeaders.Add("x-api-key", adminKey);

        var builder = LocalWebHosts.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.MapGet("/dashboard", () => Results.Content(Page, "text/html", Encoding.UTF8));
        app.MapGet("/dashboard/chart.js", () => Results.File(chartJs, "text/javascript"));
        app.MapGet("/dashboard/data", async Task<IResult> (HttpContext context) =>
            Results.Content((await DataAsync(api, warehouse, context.RequestAborted)).ToJsonString(), "application/json", Encoding.UTF8));
        await app.StartAsync(ct);
        return new DashboardServer(app, api, new Uri($"http://127.0.0.1:{port}/dashboard"));
    }

    /// <summary>Everything the page draws, in one document.</summary>
    public static async Task<JsonObject> DataAsync(HttpClient api, string? warehouse, CancellationToken ct)
    {
        JsonNode? realtime;
        try
        {
            realtime = JsonNode.Parse(await api.GetStringAsync("v1/metrics/realtime", ct));
        }
        catch (HttpRequestException ex)
        {
            realtime = new JsonObject { ["error"] = ex.Message };
        }

        var data = new JsonObject { ["generatedAt"] = DateTimeOffset.UtcNow, ["realtime"] = realtime };
        if (warehouse is null) return data;
        try
        {
            await using var db = new NpgsqlConnection(warehouse);
            await db.OpenAsync(ct);
            async Task<List<object?[]>> Rows(string sql)
            {
                await using var command = new NpgsqlCommand(sql, db);
                await using var reader = await command.ExecuteReaderAsync(ct);
                var rows = new List<object?[]>();
                while (await reader.ReadAsync(ct))
                {
                    var row = new object?[reader.FieldCount];
                    for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                    rows.Add(row);
                }

                return rows;
            }

            static double N(object? v) => v is null ? 0 : Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture);
            var funnel = (await Rows("select sum(views), sum(carts), sum(checkouts), sum(purchases) from eca.mdl_funnel_daily"))[0];
            data["funnel"] = new JsonObject { ["views"] = N(funnel[0]), ["carts"] = N(funnel[1]), ["checkouts"] = N(funnel[2]), ["purchases"] = N(funnel[3]) };
            var kpi = (await Rows("select coalesce(sum(orders), 0), coalesce(sum(revenue), 0), coalesce(sum(sessions), 0) from eca.mdl_kpi_daily"))[0];
            data["kpi"] = new JsonObject { ["orders"] = N(kpi[0]), ["revenue"] = Math.Round(N(kpi[1]), 2), ["sessions"] = N(kpi[2]) };
            data["topProducts"] = new JsonArray((await Rows("select sku, sum(views) v, sum(purchases) p, sum(revenue) r from eca.mdl_product_performance group by sku order by v desc, sku limit 10"))
                .Select(r => (JsonNode?)new JsonObject { ["sku"] = (string?)r[0], ["views"] = N(r[1]), ["purchases"] = N(r[2]), ["revenue"] = Math.Round(N(r[3]), 2) }).ToArray());
            var quality = (await Rows("select count(*), coalesce(min(completeness), 0), coalesce(max(error_rate), 0) from eca.dq_partition_quality"))[0];
            data["quality"] = new JsonObject
            {
                ["partitions"] = N(quality[0]),
                ["completenessPercent"] = Math.Round(N(quality[1]), 2),
                ["errorRatePercent"] = Math.Round(N(quality[2]), 3),
                ["thresholds"] = new JsonObject { ["completenessPercent"] = 95, ["errorRatePercent"] = 1, ["latencyMinutes"] = 5, ["freshnessMinutes"] = 60 },
            };
        }
        catch (PostgresException ex) when (ex.SqlState is "3F000" or "42P01")
        {
            data["warehouse"] = "not loaded yet: run `batch --date`";
        }

        return data;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _api.Dispose();
    }

    private static string Page => PageText.Value;

    private static readonly Lazy<string> PageText = new(() =>
    {
        using var stream = typeof(DashboardServer).Assembly.GetManifestResourceStream("ECommerceAgents.Local.Dashboard.dashboard.html")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });
}
